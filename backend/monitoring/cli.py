"""`flask monitoring ...`: maintenance of the dashboard's rollups."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

monitoring_cli = AppGroup("monitoring", help="The monitoring dashboard (issue 7).")


@monitoring_cli.command("rebuild-rollups")
def rebuild_rollups() -> None:
    """Recompute the dashboard's rollup tables from the complaints.

    Run it once after upgrading a database that already holds complaints,
    after bulk inserts that bypass the application, or if the offices'
    tree changed. Writes that change a figure wait for it (a lock), so none
    is counted twice or missed.
    """
    from backend.monitoring import rollup

    t0 = time.perf_counter()
    counts = rollup.rebuild()
    click.echo(f"{counts['complaints']} complaints: {counts['monitoring_daily']} daily rows, "
               f"{counts['monitoring_facets']} facet rows ({time.perf_counter() - t0:.1f} s)")
