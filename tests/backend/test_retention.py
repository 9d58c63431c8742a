"""Erasing reporters' personal data at the end of the retention period
(backend/retention.py), the housekeeping round that runs it with the other
purges (backend/housekeeping.py, `flask housekeeping`), and migration 0012."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, text, update

from backend import delivery_refusals, intake, privacy, retention
from backend.crm import payload
from backend.extensions import db
from backend.models import (
    AuditLog, Complaint, ComplaintPhoto, Draft, Kiosk, KioskDeliveryRefusal, OutboxItem, StatusEvent, utcnow,
)
from backend.photos import CleanPhoto
from backend.statuses import Channel, Status

DAYS = 730
PERSONAL = ("Siti Rahayu", "+6281234567890", "siti@example.id", "3174011234567890")
# Columns the erasure must leave as they were: everything but the personal data and the erasure's own record.
KEPT = [c.name for c in Complaint.__table__.columns
        if c.name not in (*privacy.COLUMNS, "personal_data_erased_at", "personal_data_erased_reason")]


def file(key: str, *, identity: str = "named", photo: bool = False) -> int:
    req = intake.IntakeRequest(
        idempotency_key=f"{key}-{uuid.uuid4().hex[:8]}", channel=Channel.KIOSK, category_code="JALAN_RUSAK",
        kelurahan_code="0101", description="Lubang besar di depan sekolah, berbahaya untuk anak-anak.",
        identity=identity, consent=True, name="Siti Rahayu", phone="081234567890", email="siti@example.id",
        nik="3174011234567890", kiosk_code="tebet-timur",
        photo=CleanPhoto(data=b"\x89PNG fake", mime="image/png", width=4, height=3) if photo else None)
    return intake.submit(req).complaint.id


def set_state(cid: int, *, status: Status, closed_days_ago: float | None, submitted_days_ago: float = 1000) -> None:
    now = utcnow()
    db.session.execute(update(Complaint).where(Complaint.id == cid).values(
        status=status, submitted_at=now - timedelta(days=submitted_days_ago),
        closed_at=None if closed_days_ago is None else now - timedelta(days=closed_days_ago)))
    db.session.commit()


def snapshot() -> dict[int, tuple]:
    rows = db.session.execute(select(Complaint.__table__.c.id, *[Complaint.__table__.c[n] for n in KEPT])).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def personal(cid: int) -> tuple:
    db.session.expire_all()
    c = db.session.get(Complaint, cid)
    return tuple(getattr(c, col) for col in privacy.COLUMNS)


def has_photo(cid: int) -> bool:
    return db.session.scalar(select(func.count()).select_from(ComplaintPhoto)
                             .where(ComplaintPhoto.complaint_id == cid)) == 1


def audit_rows(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).filter_by(action=action).order_by(AuditLog.id)))


@pytest.fixture
def dataset(app_ctx):
    assert app_ctx.config["PERSONAL_DATA_RETENTION_DAYS"] == DAYS
    ids = {
        "old_with_photo": file("old-photo", photo=True),
        "old_confidential": file("old-confidential", identity="confidential"),
        "old_anonymous_photo": file("old-anon", identity="anonymous", photo=True),
        "old_closed": file("old-closed"),
        "recent": file("recent", photo=True),
        "just_inside": file("just-inside", photo=True),
        "never_closed": file("never", photo=True),
        "reopened": file("reopened", photo=True),
        "rejected": file("rejected"),
    }
    set_state(ids["old_with_photo"], status=Status.SELESAI, closed_days_ago=DAYS + 1)
    set_state(ids["old_confidential"], status=Status.SELESAI, closed_days_ago=DAYS + 300)
    set_state(ids["old_anonymous_photo"], status=Status.SELESAI, closed_days_ago=DAYS + 20)
    set_state(ids["old_closed"], status=Status.CLOSED, closed_days_ago=DAYS + 5)
    set_state(ids["recent"], status=Status.SELESAI, closed_days_ago=100)
    set_state(ids["just_inside"], status=Status.SELESAI, closed_days_ago=DAYS - 1)
    set_state(ids["never_closed"], status=Status.PROSES, closed_days_ago=None, submitted_days_ago=2000)
    # Finished long ago, then the CRM reopened it: the sync cleared closed_at.
    set_state(ids["reopened"], status=Status.PROSES, closed_days_ago=None, submitted_days_ago=2000)
    # TL Ditolak keeps a complaint open (backend/crm/sync.py): the agency must follow it up again.
    set_state(ids["rejected"], status=Status.TL_DITOLAK, closed_days_ago=None, submitted_days_ago=2000)
    return ids


EXPIRED = {"old_with_photo", "old_confidential", "old_anonymous_photo", "old_closed"}


def test_exactly_the_expired_complaints_are_erased(dataset):
    before = snapshot()
    events = db.session.scalar(select(func.count()).select_from(StatusEvent))
    outbox = db.session.scalar(select(func.count()).select_from(OutboxItem))
    start = utcnow()
    result = retention.erase_expired(batch_size=3)  # two batches
    assert result == retention.Erased(complaints=4, photos=2)
    for name, cid in dataset.items():
        c = db.session.get(Complaint, cid)
        if name in EXPIRED:
            assert personal(cid) == (None, None, None, None), name
            assert not has_photo(cid), name
            assert c.personal_data_erased_reason == "retention"
            assert start <= c.personal_data_erased_at <= utcnow()
        else:
            assert personal(cid) == (PERSONAL if name != "old_anonymous_photo" else (None,) * 4), name
            assert has_photo(cid) == (name not in ("rejected",)), name
            assert c.personal_data_erased_at is None and c.personal_data_erased_reason is None, name
    # The public-service record and the statistics stay whole, identity included.
    assert snapshot() == before
    assert db.session.get(Complaint, dataset["old_anonymous_photo"]).identity == "anonymous"
    assert db.session.scalar(select(func.count()).select_from(StatusEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == outbox
    # One audit row for the run, by nobody, saying how many; no personal data in it.
    [row] = audit_rows("privacy.retention")
    assert row.user_id is None and row.complaint_number is None
    assert row.detail.startswith("4 complaints erased") and "2 photos" in row.detail
    assert not any(value in row.detail for value in PERSONAL)


def test_a_second_run_changes_nothing(dataset):
    retention.erase_expired()
    erased_at = {cid: db.session.get(Complaint, cid).personal_data_erased_at for cid in dataset.values()}
    before = snapshot()
    assert retention.erase_expired() == retention.Erased(0, 0)
    db.session.expire_all()
    assert {cid: db.session.get(Complaint, cid).personal_data_erased_at for cid in dataset.values()} == erased_at
    assert snapshot() == before
    assert len(audit_rows("privacy.retention")) == 1


def test_a_run_that_fails_halfway_still_records_what_it_erased(dataset, monkeypatch):
    def broken(_numbers):
        raise RuntimeError("after the first batch")

    monkeypatch.setattr(privacy, "notify_changed", broken)
    with pytest.raises(RuntimeError):
        retention.erase_expired(batch_size=3)
    [row] = audit_rows("privacy.retention")
    assert row.detail.startswith("3 complaints erased")
    db.session.expire_all()
    erased = {n for n in EXPIRED if db.session.get(Complaint, dataset[n]).personal_data_erased_at is not None}
    assert erased == {"old_with_photo", "old_confidential", "old_anonymous_photo"}  # the first batch, by id


def test_the_period_follows_the_setting(dataset, app_ctx):
    app_ctx.config["PERSONAL_DATA_RETENTION_DAYS"] = 50
    try:
        assert retention.erase_expired().complaints == 6  # now also "recent" and "just_inside"
    finally:
        app_ctx.config["PERSONAL_DATA_RETENTION_DAYS"] = DAYS
    assert personal(dataset["recent"]) == (None,) * 4
    assert personal(dataset["never_closed"]) == PERSONAL


def test_an_erased_complaint_still_pending_goes_to_the_crm_without_personal_data(app_ctx):
    cid = file("pending")
    c = db.session.get(Complaint, cid)
    user_form = payload.build(c).form()
    assert user_form["email"] == "siti@example.id" and user_form["first_name"] == "Siti"
    retention.erase_on_request(c, user=None, note="Di loket, 3 Maret")
    db.session.expire_all()
    c = db.session.get(Complaint, cid)
    request = payload.build(c)
    assert (request.first_name, request.last_name, request.email, request.phone) == (None, None, None, None)
    form = request.form()
    assert not {"first_name", "last_name", "email", "phone"} & set(form)
    assert not any(value in str(form) for value in (*PERSONAL, "Siti"))
    assert db.session.execute(select(OutboxItem.state).filter_by(complaint_id=cid)).scalar_one() == "pending"


def test_cached_receipts_naming_the_reporter_are_deleted(app_ctx):
    from kiosk.receipts import receipt_cache

    folder = receipt_cache().directory
    folder.mkdir(parents=True, exist_ok=True)
    ids = [file(f"receipt-{i}") for i in range(2)]
    numbers = [db.session.get(Complaint, cid).number for cid in ids]
    for number in numbers:
        (folder / f"{number}-80-abcdef.pdf").write_bytes(b"%PDF Siti Rahayu")
    retention.erase_on_request(db.session.get(Complaint, ids[0]), user=None, note="Lewat telepon, 4 Maret")
    assert not (folder / f"{numbers[0]}-80-abcdef.pdf").exists()
    assert (folder / f"{numbers[1]}-80-abcdef.pdf").exists()
    # A retention batch lists the folder once instead of once per complaint.
    many = {f"0101-20-{n:05d}-0" for n in range(30)}
    for number in many:
        (folder / f"{number}-58-abc.pdf").write_bytes(b"%PDF")
    privacy.notify_changed(many | {numbers[1]})
    assert not list(folder.glob("0101-20-*.pdf")) and not (folder / f"{numbers[1]}-80-abcdef.pdf").exists()


def test_erasing_twice_on_request_is_refused(app_ctx):
    c = db.session.get(Complaint, file("twice", photo=True))
    retention.erase_on_request(c, user=None, note="Di loket")
    with pytest.raises(privacy.RequestRefused):
        retention.erase_on_request(db.session.get(Complaint, c.id), user=None, note="Di loket lagi")
    c = db.session.get(Complaint, c.id)
    assert c.personal_data_erased_reason == "request" and not has_photo(c.id)
    assert [r.detail for r in audit_rows("privacy.erase")] == ["Di loket"]


# --- housekeeping ---------------------------------------------------------------

@pytest.fixture
def litter(dataset):
    """One of each thing housekeeping deletes: an expired draft, an old refused report, expired complaints."""
    old = utcnow() - timedelta(days=60)
    kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
    db.session.add_all([
        Draft(id="expired-draft", idempotency_key=uuid.uuid4().hex, data={"name": "Siti Rahayu"}, updated_at=old,
              created_at=old),
        Draft(id="fresh-draft", idempotency_key=uuid.uuid4().hex, data={"name": "Budi"}),
        KioskDeliveryRefusal(kiosk_id=kiosk.id, office_id=kiosk.office_id, idempotency_key="old-refused",
                             reasons=["category"], report={"answers": {"name": "Siti Rahayu"}, "language": "id"},
                             first_refused_at=old, last_refused_at=old),
    ])
    db.session.commit()
    return dataset


def _left(dataset) -> dict[str, object]:
    db.session.expire_all()
    return {
        "drafts": sorted(db.session.scalars(select(Draft.id))),
        "refused_report": db.session.scalar(select(KioskDeliveryRefusal.report)),
        "expired_erased": all(personal(dataset[n]) == (None,) * 4 for n in EXPIRED),
    }


def test_housekeeping_runs_every_purge_in_one_round(app_ctx, litter):
    result = app_ctx.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "drafts: 1 expired drafts deleted",
        "refusals: 1 refused kiosk reports deleted",
        "retention: 4 complaints' personal data erased at the end of the retention period (2 photos deleted)",
    ]
    assert _left(litter) == {"drafts": ["fresh-draft"], "refused_report": None, "expired_erased": True}


def test_a_failing_purge_does_not_stop_the_others(app_ctx, litter, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        db.session.execute(text("SELECT 1"))
        raise RuntimeError("database away")

    monkeypatch.setattr(delivery_refusals, "purge_expired", broken)
    result = app_ctx.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 1
    assert "refusals: FAILED" in result.output and "drafts: 1 expired" in result.output
    assert "retention: 4 complaints" in result.output
    assert "housekeeping: refusals failed" in caplog.text
    left = _left(litter)
    assert left["drafts"] == ["fresh-draft"] and left["expired_erased"] is True
    assert left["refused_report"] is not None  # the broken one did nothing


def test_the_loop_runs_rounds_until_stopped(app_ctx):
    import threading

    from backend import housekeeping

    stop, rounds = threading.Event(), []

    def task():
        rounds.append(1)
        if len(rounds) == 2:
            stop.set()
        return "ok"

    housekeeping.run_every(0, stop, {"counting": task, "failing": lambda: 1 / 0})
    assert len(rounds) == 2


def test_erase_expired_command_says_what_it_did(app_ctx, dataset):
    result = app_ctx.test_cli_runner().invoke(args=["privacy", "erase-expired"])
    assert result.exit_code == 0
    assert result.output.strip() == ("4 complaints' personal data erased (finished more than 730 days ago), "
                                     "2 photos deleted")
    result = app_ctx.test_cli_runner().invoke(args=["privacy", "erase-expired"])
    assert result.output.startswith("0 complaints")


def test_the_procfile_runs_the_housekeeping_loop():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "housekeeping: .venv/bin/flask housekeeping --every 3600" in procfile.splitlines()


# --- migration 0012 ------------------------------------------------------------------

def test_migration_0012_upgrades_and_downgrades(lane, tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import scratch_app

    with scratch_app(lane, tmp_path) as app:
        with app.app_context():
            cid = file("migrated", photo=True)
            number = db.session.get(Complaint, cid).number
            retention.erase_on_request(db.session.get(Complaint, cid), user=None, note="Di loket")
            db.session.remove()
            downgrade(revision="0011")
            columns = {c["name"] for c in inspect(db.engine).get_columns("complaints")}
            assert "personal_data_erased_at" not in columns and "personal_data_erased_reason" not in columns
            with db.engine.connect() as conn:  # the complaint and what refers to it survive the table's rebuild
                assert conn.execute(text("SELECT count(*) FROM complaints WHERE number = :n"),
                                    {"n": number}).scalar() == 1
                assert conn.execute(text("SELECT count(*) FROM status_events")).scalar() == 1
            upgrade()
            columns = {c["name"] for c in inspect(db.engine).get_columns("complaints")}
            assert {"personal_data_erased_at", "personal_data_erased_reason"} <= columns
            indexes = {i["name"] for i in inspect(db.engine).get_indexes("complaints")}
            assert "ix_complaints_retention_due" in indexes and "ix_complaints_retention" not in indexes  # 0013
            assert db.session.get(Complaint, cid).personal_data_erased_at is None  # the record went with 0011
