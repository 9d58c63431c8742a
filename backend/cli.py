"""Command-line tasks: `flask seed`, `flask housekeeping` (backend/housekeeping.py), `flask drafts purge`,
`flask refusals purge`, `flask privacy erase-expired`, `flask crm ...` (backend/crm/cli.py)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from backend import demo as demo_history
from backend import drafts, housekeeping, seed


def users_exist() -> bool:
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import User

    return db.session.scalar(select(User.id).limit(1)) is not None


def register(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo/--no-demo", default=True,
                  help="Also create the demo kiosks and, on a database without complaints, a demo complaint history.")
    @click.option("--demo-complaints", type=click.IntRange(0, 100_000), default=demo_history.DEFAULT_COUNT,
                  show_default=True, metavar="N",
                  help=f"How many demo complaints, over the last {demo_history.DEFAULT_DAYS} days (0: none).")
    def seed_command(demo: bool, demo_complaints: int) -> None:
        """Load offices, agencies and categories (and the demo kiosks and complaints)."""
        counts = seed.load_reference_data()
        if demo:
            counts["kiosks"] = seed.load_demo_data()
            # Only into an empty database: never twice, never beside real complaints.
            if demo_history.has_complaints():
                click.echo("Demo complaints and roster not created: the database already holds complaints.")
            else:
                counts["demo complaints"] = demo_history.load_demo_complaints(demo_complaints)
                counts["demo duty days"] = demo_history.load_demo_roster()
        click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
        if not users_exist():
            click.echo("No officer account yet. Create the first one to open the console (/petugas):\n"
                       "  .venv/bin/flask users create --username admin --role admin --office 0000")

    drafts_cli = AppGroup("drafts", help="Server-side drafts of the intake flow.")

    @drafts_cli.command("purge")
    def purge() -> None:
        """Delete drafts nobody touched within DRAFT_MAX_AGE_SECONDS."""
        click.echo(f"{drafts.purge_expired()} expired drafts deleted")

    app.cli.add_command(drafts_cli)

    refusals_cli = AppGroup("refusals", help="Refused offline kiosk deliveries (backend/delivery_refusals.py).")

    @refusals_cli.command("purge")
    @click.option("--every", type=float, default=None, metavar="SECONDS",
                  help="Run again every SECONDS until stopped (the worker loop of the Procfile).")
    def purge_refusals(every: float | None) -> None:
        """Delete the kept reports of refusals left open longer than REFUSAL_RETENTION_DAYS."""
        from backend import delivery_refusals

        if not every:
            click.echo(f"{delivery_refusals.purge_expired()} refused kiosk reports deleted")
            return
        task = {"refusals": housekeeping.TASKS["refusals"]}
        housekeeping.run_every(every, housekeeping.stop_on_signals(), task)

    app.cli.add_command(refusals_cli)

    @app.cli.command("housekeeping")
    @click.option("--every", type=float, default=None, metavar="SECONDS",
                  help="Run again every SECONDS until stopped (the worker loop of the Procfile).")
    def housekeeping_command(every: float | None) -> None:
        """Purge expired drafts and refused kiosk reports; erase personal data past its retention period."""
        if every:
            housekeeping.run_every(every, housekeeping.stop_on_signals())
            return
        failed = []
        for name, done in housekeeping.run_round().items():
            click.echo(f"{name}: {done}" if done is not None else f"{name}: FAILED (see the log)")
            if done is None:
                failed.append(name)
        if failed:
            raise SystemExit(1)

    privacy_cli = AppGroup("privacy", help="Personal data of complaints (backend/retention.py).")

    @privacy_cli.command("erase-expired")
    def erase_expired() -> None:
        """Erase the personal data of complaints finished more than PERSONAL_DATA_RETENTION_DAYS ago."""
        from backend import retention

        erased = retention.erase_expired()
        click.echo(f"{erased.complaints} complaints' personal data erased (finished more than "
                   f"{retention.retention().days} days ago), {erased.photos} photos deleted")

    app.cli.add_command(privacy_cli)

    from backend.crm.cli import crm_cli

    app.cli.add_command(crm_cli)

    from backend.users_cli import users_cli

    app.cli.add_command(users_cli)

    from backend.monitoring.cli import monitoring_cli

    app.cli.add_command(monitoring_cli)
