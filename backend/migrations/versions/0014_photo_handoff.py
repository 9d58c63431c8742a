"""Kiosk drafts: a photo sent from the citizen's phone (the QR code on the kiosk's "what happened" screen)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 02:30:00

A kiosk offers no file picker (on a public PC it would open the kiosk's own
files). Its description screen shows a QR code instead: the citizen's phone
opens /foto-kios/<token> and sends the photo into the kiosk's draft. The
token is random, not the draft's id (that stays the kiosk session's secret),
is looked up by a unique index, lasts minutes and is used once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


# In place, not in a batch: on SQLite a batch copies the table (ALTER TABLE ...
# ADD / DROP COLUMN work in place since SQLite 3.35), see 0012.
def upgrade():
    op.add_column("drafts", sa.Column("photo_handoff", sa.String(length=43), nullable=True))
    op.add_column("drafts", sa.Column("photo_handoff_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_drafts_photo_handoff", "drafts", ["photo_handoff"], unique=True)


def downgrade():
    op.drop_index("ix_drafts_photo_handoff", table_name="drafts")
    op.drop_column("drafts", "photo_handoff_until")
    op.drop_column("drafts", "photo_handoff")
