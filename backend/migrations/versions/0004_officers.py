"""Officers: accounts, sessions, audit log, login throttling, duty roster, office hours and holidays

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:42:59.323313

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_sections')),
    sa.UniqueConstraint('name', name=op.f('uq_duty_sections_name'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address', ['kind', 'address', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_subject', ['kind', 'subject', 'at'], unique=False)

    op.create_table('duty_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['section_id'], ['duty_sections.id'], name=op.f('fk_duty_days_section_id_duty_sections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_days')),
    sa.UniqueConstraint('day', name=op.f('uq_duty_days_day'))
    )
    op.create_table('holiday_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_holiday_overrides_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_overrides'))
    )
    with op.batch_alter_table('holiday_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_overrides_day'), ['day'], unique=False)

    op.create_table('office_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('starts', sa.Date(), nullable=True),
    sa.Column('ends', sa.Date(), nullable=True),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('week', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_office_hours_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hours'))
    )
    with op.batch_alter_table('office_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hours_office_id'), ['office_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('petugas', 'pimpinan', 'monitor', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_users_office_id_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('complaint_number', sa.String(length=20), nullable=True),
    sa.Column('target', sa.String(length=80), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_complaint_number'), ['complaint_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('duty_day_officers',
    sa.Column('duty_day_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['duty_day_id'], ['duty_days.id'], name=op.f('fk_duty_day_officers_duty_day_id_duty_days'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duty_day_officers_user_id_users')),
    sa.PrimaryKeyConstraint('duty_day_id', 'user_id', name=op.f('pk_duty_day_officers'))
    )
    op.create_table('officer_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_officer_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_sessions'))
    )
    with op.batch_alter_table('officer_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('officer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaints_officer_id_users'), 'users', ['officer_id'], ['id'])



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaints_officer_id_users'), type_='foreignkey')
        batch_op.drop_column('officer_id')

    with op.batch_alter_table('officer_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_sessions_user_id'))

    op.drop_table('officer_sessions')
    op.drop_table('duty_day_officers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_complaint_number'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('users')
    with op.batch_alter_table('office_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_hours_office_id'))

    op.drop_table('office_hours')
    with op.batch_alter_table('holiday_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_overrides_day'))

    op.drop_table('holiday_overrides')
    op.drop_table('duty_days')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_subject')
        batch_op.drop_index('ix_login_failures_address')

    op.drop_table('login_failures')
    op.drop_table('duty_sections')
