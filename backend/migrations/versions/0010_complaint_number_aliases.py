"""Leased numbers printed offline for a complaint the server already stored under another number

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_number_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('complaint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kiosk_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_number_aliases_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_complaint_number_aliases_kiosk_id_kiosks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_number_aliases')),
    sa.UniqueConstraint('number', name=op.f('uq_complaint_number_aliases_number'))
    )
    with op.batch_alter_table('complaint_number_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_number_aliases_complaint_id', ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_number_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_number_aliases_complaint_id')
    op.drop_table('complaint_number_aliases')
