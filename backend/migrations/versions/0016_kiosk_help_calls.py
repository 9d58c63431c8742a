"""Kiosk help calls: each call and its answer kept (the caller reads "on the way"; the dashboard counts them)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 04:20:00

0015 kept only the waiting call, in kiosks.help_requested_at. Now each call
is a row of kiosk_help_calls, answered or not: the desk's list reads the
waiting ones, the caller's screen its own (an officer on the way), the
dashboard the calls and the wait per kiosk. A call waiting at the upgrade
moves into the table.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosk_help_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("kiosk_id", sa.Integer(), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("answered_how", sa.String(12), nullable=True),
    )
    op.create_index("ix_kiosk_help_calls_kiosk_requested", "kiosk_help_calls", ["kiosk_id", "requested_at"])
    op.create_index("ix_kiosk_help_calls_requested_at", "kiosk_help_calls", ["requested_at"])
    op.execute("INSERT INTO kiosk_help_calls (kiosk_id, requested_at) "
               "SELECT id, help_requested_at FROM kiosks WHERE help_requested_at IS NOT NULL")
    # In place, not in a batch: on SQLite a batch copies the table, and dropping
    # the old kiosks table fails while other rows refer to it (see 0012, 0015).
    op.drop_column("kiosks", "help_requested_at")


def downgrade():
    op.add_column("kiosks", sa.Column("help_requested_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE kiosks SET help_requested_at = (SELECT max(c.requested_at) FROM kiosk_help_calls c "
               "WHERE c.kiosk_id = kiosks.id AND c.answered_at IS NULL)")
    op.drop_index("ix_kiosk_help_calls_requested_at", table_name="kiosk_help_calls")
    op.drop_index("ix_kiosk_help_calls_kiosk_requested", table_name="kiosk_help_calls")
    op.drop_table("kiosk_help_calls")
