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


def upgrade():
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("photo_handoff", sa.String(length=43), nullable=True))
        batch.add_column(sa.Column("photo_handoff_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_drafts_photo_handoff", ["photo_handoff"], unique=True)


def downgrade():
    with op.batch_alter_table("drafts") as batch:
        batch.drop_index("ix_drafts_photo_handoff")
        batch.drop_column("photo_handoff_until")
        batch.drop_column("photo_handoff")
