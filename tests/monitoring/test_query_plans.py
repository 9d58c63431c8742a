"""Query plans that must not regress once the database has statistics (ANALYZE):
an index added for one task must not be picked for another's query.

Found at 1,000,000 complaints: 0012's retention index (personal_data_erased_at,
closed_at) was skip-scanned for the dashboard's count of open complaints of one
day, 350 ms instead of 0.1 ms. 0013 made it a partial index of the complaints
waiting to be erased."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import event, text

from backend import retention
from backend.extensions import db
from backend.monitoring import queries, synthetic
from backend.monitoring.scope import make_scope

NOW = datetime(2026, 11, 17, 5, 0, tzinfo=timezone.utc)


def _plan(statement: str, params) -> str:
    """The plan as text, on either database."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        return "\n".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall())
    raw = connection.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute("EXPLAIN " + statement, params)
        return "\n".join(row[0] for row in cur.fetchall())


def _analyzed_dataset() -> None:
    # Most complaints finished (none erased yet), some open: the shape that misled the planner.
    synthetic.insert_complaints(synthetic.generate(3000, NOW - timedelta(days=120), NOW, seed=7, now=NOW))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def test_the_dashboards_open_count_reads_the_day_not_the_retention_index(app_ctx):
    _analyzed_dataset()
    scope = make_scope(visible=None, period="custom", start=(NOW - timedelta(days=29)).date(), end=NOW.date(),
                       now=NOW)
    seen = [(q, p) for q, p in _statements(lambda: queries.dashboard(scope), "closed_at IS NULL")
            if "FROM complaints" in q]
    assert seen, "the dashboard no longer counts today's open complaints live: update this test"
    plan = _plan(*seen[0])
    assert "retention" not in plan, plan
    assert "submitted" in plan, plan  # one day of submitted_at, on its index


def _statements(fn, needle: str) -> list:
    """Run fn; the (statement, parameters) it sent that contain needle."""
    seen = []

    def keep(conn, cursor, statement, params, context, executemany):
        if needle in statement:
            seen.append((statement, params))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_the_retention_run_reads_its_own_index(app_ctx):
    _analyzed_dataset()
    seen = _statements(lambda: retention.erase_expired(now=NOW), "personal_data_erased_at IS NULL")
    assert seen, "the retention run no longer selects by personal_data_erased_at: update this test"
    plan = _plan(*seen[0])
    assert "ix_complaints_retention_due" in plan, plan
