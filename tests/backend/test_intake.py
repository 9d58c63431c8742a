import uuid

import pytest
from sqlalchemy import func, select

from backend import damm, intake
from backend.extensions import db
from backend.models import Complaint, OutboxItem, StatusEvent
from backend.statuses import Channel, Status


def request(**overrides) -> intake.IntakeRequest:
    fields = dict(
        idempotency_key=uuid.uuid4().hex, channel=Channel.KIOSK, category_code="JALAN_RUSAK", kelurahan_code="0101",
        description="Lubang besar di depan sekolah, berbahaya untuk anak-anak.", identity="named",
        consent=True, name="Budi", phone="081234567890", email="budi@example.id", nik="3174011234567890",
        kiosk_code="tebet-timur",
    )
    fields.update(overrides)
    return intake.IntakeRequest(**fields)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_submit_stores_complaint_event_and_outbox_together(app_ctx):
    result = intake.submit(request())
    c = result.complaint
    assert not result.replayed
    assert c.number.startswith("0101-")  # the kiosk's office, Kelurahan Tebet Timur
    assert damm.is_valid(c.number.replace("-", ""))
    assert c.status == Status.SUBMITTED
    assert c.reporter_phone == "+6281234567890"
    assert c.agency.code == "BINAMARGA" and c.follow_up_office.code == "0101"
    assert [e.status for e in c.events] == [Status.SUBMITTED]
    outbox = db.session.execute(select(OutboxItem).filter_by(complaint_id=c.id)).scalar_one()
    assert outbox.state == "pending"


def test_numbers_follow_each_other_per_office(app_ctx):
    a = intake.submit(request()).complaint.number
    b = intake.submit(request()).complaint.number
    c = intake.submit(request(kiosk_code="tebet")).complaint.number
    assert a.split("-")[2] == "00001" and b.split("-")[2] == "00002"
    assert c.startswith("0100-") and c.split("-")[2] == "00001"


def test_same_key_same_answers_returns_the_same_complaint(app_ctx):
    req = request()
    first = intake.submit(req).complaint.number
    again = intake.submit(req)
    assert again.replayed and again.complaint.number == first
    assert count(Complaint) == 1 and count(OutboxItem) == 1 and count(StatusEvent) == 1


def test_same_key_different_answers_is_a_conflict(app_ctx):
    req = request()
    intake.submit(req)
    with pytest.raises(intake.IdempotencyConflict):
        intake.submit(request(idempotency_key=req.idempotency_key, description="Sesuatu yang lain sama sekali."))
    assert count(Complaint) == 1


def test_anonymous_keeps_no_identity_at_all(app_ctx):
    c = intake.submit(request(identity="anonymous")).complaint
    assert (c.reporter_name, c.reporter_phone, c.reporter_email, c.reporter_nik) == (None, None, None, None)


def test_invalid_requests_store_nothing(app_ctx):
    with pytest.raises(intake.IntakeInvalid) as err:
        intake.submit(request(category_code="NOPE", kelurahan_code="0100", description="", phone="123",
                              nik="12", consent=False))
    assert set(err.value.errors) >= {"category", "kelurahan", "description", "phone", "nik", "consent"}
    assert count(Complaint) == 0 and count(OutboxItem) == 0


def test_phone_channel_is_received_by_the_chosen_kelurahan(app_ctx):
    c = intake.submit(request(channel=Channel.PHONE, kiosk_code=None, kelurahan_code="0601")).complaint
    assert c.number.startswith("0601-") and c.kiosk is None and c.channel == "phone"


def test_manual_crm_mode_queues_for_typing(app_ctx):
    app_ctx.config["CRM_MODE"] = "manual"
    c = intake.submit(request()).complaint
    assert db.session.execute(select(OutboxItem.state).filter_by(complaint_id=c.id)).scalar_one() == "manual"


def test_migrations_match_the_models(app_ctx):
    """The schema is built by migrations; they must describe the models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_sqlite_takes_the_write_lock_before_numbering(app_ctx, lane):
    """On SQLite the numbering transaction must start with BEGIN IMMEDIATE."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.split()[0].upper() + (" " + statement.split()[1].upper() if statement.upper().startswith("BEGIN ") else ""))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        intake.submit(request())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if lane == "sqlite":
        assert "BEGIN IMMEDIATE" in seen
        assert seen.index("BEGIN IMMEDIATE") < seen.index("INSERT")
    else:
        assert "BEGIN IMMEDIATE" not in seen
