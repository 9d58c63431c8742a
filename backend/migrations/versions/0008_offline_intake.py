"""Offline intake: when the server received a complaint, and closed number leases

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('number_leases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_number_leases_kiosk', ['kiosk_id', 'year'], unique=False)


def downgrade():
    with op.batch_alter_table('number_leases', schema=None) as batch_op:
        batch_op.drop_index('ix_number_leases_kiosk')
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('received_at')
