"""Kiosks: when an officer answered the last call ("Saya ke sana"): the caller reads "on the way"

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 04:20:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# In place, not in a batch (see 0015).
def upgrade():
    op.add_column("kiosks", sa.Column("help_answered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("kiosks", "help_answered_at")
