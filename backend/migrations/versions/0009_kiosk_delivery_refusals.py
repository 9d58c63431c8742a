"""Kiosk deliveries the server refused: a record without personal data, for the office's officers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_delivery_refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('leased_number', sa.String(length=20), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('first_refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_refused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.String(length=200), nullable=True),
    sa.Column('delivered_number', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_kiosk_delivery_refusals_kiosk_id_kiosks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_kiosk_delivery_refusals_office_id_offices')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_kiosk_delivery_refusals_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_delivery_refusals')),
    sa.UniqueConstraint('kiosk_id', 'idempotency_key', name=op.f('uq_kiosk_delivery_refusals_kiosk_id'))
    )
    with op.batch_alter_table('kiosk_delivery_refusals', schema=None) as batch_op:
        batch_op.create_index('ix_kiosk_delivery_refusals_leased_number', ['leased_number'], unique=False)
        batch_op.create_index('ix_kiosk_delivery_refusals_open', ['kiosk_id', 'resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kiosk_delivery_refusals', schema=None) as batch_op:
        batch_op.drop_index('ix_kiosk_delivery_refusals_open')
        batch_op.drop_index('ix_kiosk_delivery_refusals_leased_number')
    op.drop_table('kiosk_delivery_refusals')
