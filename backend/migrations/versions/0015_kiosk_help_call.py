"""Kiosks: a citizen at the screen calls an officer (the footer's "Panggil petugas")

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 02:45:00

The desk's queue page lists the call, with the kiosk's other troubles, until
an officer answers it (or starts assisted mode there), or it is older than
KIOSK_HELP_CALL_MINUTES.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


# In place, not in a batch: on SQLite a batch copies the table, and dropping
# the old kiosks table fails while other rows refer to it (see 0012).
def upgrade():
    op.add_column("kiosks", sa.Column("help_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("kiosks", "help_requested_at")
