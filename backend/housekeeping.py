"""Housekeeping: the deletions the privacy notice and the retention settings
promise, run together (`flask housekeeping --every 3600`, the Procfile's
`housekeeping:` line).

Each round runs every task of `TASKS`, each on its own: a task that fails
(the database away, a bug) is logged and rolled back, and the others still
run. `run_every` repeats rounds until stopped (SIGTERM, SIGINT: the round in
progress finishes first).
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from backend.extensions import db

log = logging.getLogger(__name__)


def _drafts() -> str:
    from backend import drafts

    return f"{drafts.purge_expired()} expired drafts deleted"


def _refusals() -> str:
    from backend import delivery_refusals

    return f"{delivery_refusals.purge_expired()} refused kiosk reports deleted"


def _retention() -> str:
    from backend import retention

    erased = retention.erase_expired()
    return (f"{erased.complaints} complaints' personal data erased at the end of the retention period "
            f"({erased.photos} photos deleted)")


# name -> task; a task does its work and says what it did in one line.
TASKS: dict[str, Callable[[], str]] = {
    "drafts": _drafts,
    "refusals": _refusals,
    "retention": _retention,
}


def run_task(name: str, task: Callable[[], str]) -> str | None:
    """Run one task; None if it failed (logged, its transaction rolled back)."""
    try:
        return task()
    except Exception:
        db.session.rollback()
        log.exception("housekeeping: %s failed; trying again at the next round", name)
        return None
    finally:
        db.session.remove()


def run_round(tasks: dict[str, Callable[[], str]] | None = None) -> dict[str, str | None]:
    """Every task once, in order; what each did (None: it failed)."""
    tasks = TASKS if tasks is None else tasks
    return {name: run_task(name, task) for name, task in tasks.items()}


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (honcho, systemd, Ctrl-C)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    return stop


def run_every(every: float, stop: threading.Event, tasks: dict[str, Callable[[], str]] | None = None) -> None:
    """A round every `every` seconds (at least 1) until `stop` is set."""
    while not stop.is_set():
        run_round(tasks)
        stop.wait(max(1.0, every))
