"""Monitoring rollups: the dashboard's figures pre-aggregated per WIB day (and month) and office subtree

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

The tables are filled by `flask monitoring rebuild-rollups` (run it once after
upgrading a database that already holds complaints); from then on every write
that changes a figure keeps them in step (backend/monitoring/rollup.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monitoring_daily',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('in_hours', sa.Integer(), nullable=False),
    sa.Column('out_hours', sa.Integer(), nullable=False),
    sa.Column('manual', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('given_up', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('finished_late', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('node_id', 'grain', 'day', name=op.f('pk_monitoring_daily')),
    sqlite_with_rowid=False,
    )
    op.create_table('monitoring_facets',
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=5), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('facet', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=24), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('node_id', 'grain', 'day', 'facet', 'value', name=op.f('pk_monitoring_facets')),
    sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('monitoring_facets')
    op.drop_table('monitoring_daily')
