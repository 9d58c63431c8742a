"""Monitoring: kiosk heartbeats counted per hour (uptime), and a covering index for the dashboard

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:07:50.284142

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_uptime',
    sa.Column('kiosk_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beats', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_kiosk_uptime_kiosk_id_kiosks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kiosk_id', 'hour', name=op.f('pk_kiosk_uptime'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_monitoring', ['submitted_at', 'office_id', 'channel', 'category_id', 'in_office_hours'], unique=False)



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_monitoring')

    op.drop_table('kiosk_uptime')
