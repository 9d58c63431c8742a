"""CRM relay: the give-up clock restarts on a re-send; CRM status changes recorded once

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:00:01.420631

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crm_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_since', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index('ix_status_events_once', ['complaint_id', 'source', 'status', 'at'], unique=True)


def downgrade():
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index('ix_status_events_once')

    with op.batch_alter_table('crm_outbox', schema=None) as batch_op:
        batch_op.drop_column('retry_since')
