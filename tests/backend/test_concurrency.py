"""Several processes submit at once: every number unique, valid and gap-free."""
import multiprocessing as mp
import os
import uuid

from sqlalchemy import select

from backend import damm
from backend.extensions import db
from backend.models import Complaint
from backend.numbering import parse_number

PROCESSES = 4
EACH = 12


def _worker(db_url: str, instance: str, barrier, results, worker: int) -> None:
    os.environ["KIOS_INSTANCE_PATH"] = instance
    from backend import create_app, intake
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url})
    numbers = []
    with app.app_context():
        barrier.wait(timeout=30)
        for i in range(EACH):
            req = intake.IntakeRequest(
                idempotency_key=uuid.uuid4().hex, channel="kiosk", category_code="JALAN_RUSAK",
                kelurahan_code="0101", description=f"Laporan uji serentak {worker}-{i}, jalan rusak.",
                identity="anonymous", consent=True, kiosk_code="tebet-timur",
            )
            numbers.append(intake.submit(req).complaint.number)
    results.put(numbers)


def test_concurrent_submissions_get_unique_valid_numbers(app, db_url, tmp_path):
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db_url, str(tmp_path), barrier, results, w)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in results.get(timeout=120)]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(numbers) == PROCESSES * EACH
    assert len(set(numbers)) == len(numbers)
    assert all(damm.is_valid(n.replace("-", "")) for n in numbers)
    sequences = sorted(parse_number(n).sequence for n in numbers)
    assert sequences == list(range(1, PROCESSES * EACH + 1))  # no gaps, no repeats
    with app.app_context():
        stored = db.session.scalars(select(Complaint.number)).all()
    assert sorted(stored) == sorted(numbers)
