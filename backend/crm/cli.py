"""`flask crm ...`: the relay, the status sync, manual entry, re-sending, the stand-in."""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

crm_cli = AppGroup("crm", help="The CRM: relay, status sync, manual entry, stand-in.")


def _logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum, _frame):
        logging.getLogger("backend.crm").info("signal %s: finishing the sends in flight, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@crm_cli.command("relay")
@click.option("--once", is_flag=True, help="Send one batch of due complaints, then stop.")
@click.option("--drain", is_flag=True, help="Stop when no complaint is waiting to be sent any more.")
@click.option("--sync/--no-sync", default=True, show_default=True,
              help="Also run the status sync every CRM_SYNC_INTERVAL_SECONDS.")
def relay_command(once: bool, drain: bool, sync: bool) -> None:
    """Send waiting complaints to the CRM (runs until stopped)."""
    from backend.crm.relay import Relay

    _logging()
    cfg = current_app.config
    log = logging.getLogger("backend.crm.relay")
    if cfg.get("CRM_MODE") == "manual":
        log.info("CRM_MODE=manual: the relay sends nothing; officers type complaints into the CRM "
                 "and record its numbers (flask crm record NUMBER CRM_NUMBER)")
    with Relay() as relay:
        if once:
            stats = relay.run_once()
            click.echo(f"claimed {stats.claimed}, delivered {stats.delivered}, failed {stats.failed}, "
                       f"given up {stats.given_up}")
            return
        log.info("CRM relay %s: sending to %s (batch %d, %d at once)", relay.name, cfg["CRM_BASE_URL"],
                 relay.batch_size, relay.concurrency)
        interval = float(cfg["CRM_SYNC_INTERVAL_SECONDS"])
        stats = relay.run(_stop_on_signals(), drain=drain,
                          sync_interval=interval if sync and interval > 0 and cfg.get("CRM_MODE") != "manual" else None)
        log.info("CRM relay %s stopped: delivered %d, failed %d, given up %d", relay.name, stats.delivered,
                 stats.failed, stats.given_up)


@crm_cli.command("sync")
@click.option("--once", is_flag=True, help="Ask the CRM once, then stop.")
def sync_command(once: bool) -> None:
    """Record the CRM's status changes on open complaints (every CRM_SYNC_INTERVAL_SECONDS)."""
    from backend.crm import sync

    _logging()
    if once:
        stats = sync.run_once()
        click.echo(f"checked {stats.checked}, changes {stats.changes}, errors {stats.errors}")
        return
    stop = _stop_on_signals()
    interval = max(1.0, float(current_app.config["CRM_SYNC_INTERVAL_SECONDS"]))
    while not stop.is_set():
        try:
            sync.run_once()
        except Exception:
            from backend.extensions import db

            db.session.rollback()
            logging.getLogger("backend.crm.sync").exception("CRM status sync failed; trying again later")
        stop.wait(interval)


@crm_cli.command("record")
@click.argument("number")
@click.argument("crm_number")
@click.option("--by", default=None, help="Who typed it into the CRM (kept in the timeline note).")
def record_command(number: str, crm_number: str, by: str | None) -> None:
    """Record the CRM number of a complaint typed into the CRM by hand."""
    from backend.crm.manual import ManualEntryError, record_crm_number

    try:
        complaint = record_crm_number(number, crm_number, by=by)
    except ManualEntryError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"{complaint.number}: forwarded as {complaint.crm_number}")


@crm_cli.command("resend")
@click.argument("number")
def resend_command(number: str) -> None:
    """Send a complaint the relay gave up on again (same Idempotency-Key)."""
    from backend.crm.outbox import OutboxError, resend

    try:
        resend(number)
    except OutboxError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"{number}: queued to be sent again; the relay picks it up within seconds")


@crm_cli.command("status")
def status_command() -> None:
    """Counts by outbox state, the oldest waiting complaint, and the given-up ones."""
    from sqlalchemy import func, select

    from backend.crm.outbox import health
    from backend.extensions import db
    from backend.models import Complaint, OutboxItem

    h = health()
    delivered = db.session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state == "delivered"))
    click.echo(f"pending {h.pending}  manual {h.manual}  delivered {delivered}  given_up {h.given_up}")
    if h.oldest_pending_age_seconds is not None:
        click.echo(f"oldest pending: {h.oldest_pending_age_seconds:.0f} s")
    if h.oldest_manual_age_seconds is not None:
        click.echo(f"oldest waiting to be typed in by hand: {h.oldest_manual_age_seconds:.0f} s")
    rows = db.session.execute(
        select(Complaint.number, OutboxItem.attempts, OutboxItem.last_error)
        .join(OutboxItem, OutboxItem.complaint_id == Complaint.id)
        .where(OutboxItem.state == "given_up").order_by(Complaint.id).limit(50)
    ).all()
    for number, attempts, error in rows:
        click.echo(f"GIVEN UP {number} after {attempts} attempts: {error}")
    for reason in h.reasons:
        click.echo(f"ALERT: {reason}")


@crm_cli.command("standin")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--database", default=None, help="SQLite file (default: STANDIN_DATABASE).")
@click.option("--quiet", is_flag=True, help="Do not log every request.")
def standin_command(host: str, port: int, database: str | None, quiet: bool) -> None:
    """Serve the CRM stand-in (Open311 + admin page)."""
    from backend.crm.standin import serve

    serve(host, port, database or current_app.config["STANDIN_DATABASE"], quiet)
