"""Complaints record when and why the reporter's personal data was erased (retention, request)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # Added columns and an index only: SQLite alters the table in place (no copy of the complaints).
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('personal_data_erased_reason', sa.String(length=12), nullable=True))
        batch_op.create_index('ix_complaints_retention', ['personal_data_erased_at', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_retention')
    # Not in the batch: on SQLite a batch copies the table, and dropping the old one with foreign keys on
    # fails once other rows refer to complaints. ALTER TABLE ... DROP COLUMN (SQLite 3.35+) works in place.
    op.drop_column('complaints', 'personal_data_erased_reason')
    op.drop_column('complaints', 'personal_data_erased_at')
