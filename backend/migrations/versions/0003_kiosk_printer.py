"""Kiosk printer: where an ESC/POS printer is reached, and when its status was recorded

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:40:59.604408

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printer_url', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('printer_status_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.drop_column('printer_status_at')
        batch_op.drop_column('printer_url')
