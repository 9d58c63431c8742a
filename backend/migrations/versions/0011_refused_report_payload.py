"""Refused kiosk deliveries keep the refused report (answers, photo) for the office's officers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kiosk_delivery_refusals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('photo_mime', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('kiosk_delivery_refusals', schema=None) as batch_op:
        batch_op.drop_column('photo_mime')
        batch_op.drop_column('photo')
        batch_op.drop_column('report')
