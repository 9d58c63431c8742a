"""CRM_MODE=manual: officers type complaints into the CRM and record its number."""
import httpx
import pytest
from sqlalchemy import update

from backend.crm import sync
from backend.crm.manual import ManualEntryError, record_crm_number
from backend.crm.relay import Relay
from backend.extensions import db
from backend.models import OutboxItem, utcnow
from backend.statuses import Status
from tests.backend.crm.conftest import complaints, file_complaints, outbox_rows


@pytest.fixture
def manual(crm):
    crm.config["CRM_MODE"] = "manual"
    return crm


def test_a_recorded_number_forwards_the_complaint_like_the_relay(manual, standin):
    a, b = file_complaints(2)
    assert {r.state for r in outbox_rows()} == {"manual"}
    with Relay() as relay:
        assert relay.run_once().claimed == 0
    assert standin.stats()["posts"] == 0
    # The officer types the complaint into the CRM (here: the stand-in's form) and gets a number.
    page = standin.http.post(standin.root + "/admin/requests", data={
        "service_code": "JALAN_RUSAK", "description": "Jalan berlubang (diketik petugas)", "local_number": a.number,
    })
    assert page.status_code == 303
    crm_number = standin.records()[0]["crm_number"]
    c = record_crm_number(a.number.replace("-", " "), crm_number.lower(), by="petugas-1")
    assert c.crm_number == crm_number and c.status == Status.FORWARDED and c.forwarded_at is not None
    a, b = complaints()
    forwarded = [e for e in a.events if e.status == Status.FORWARDED]
    assert len(forwarded) == 1 and forwarded[0].source == "officer" and forwarded[0].note == "petugas-1"
    assert [r.state for r in outbox_rows()] == ["delivered", "manual"]
    # Recording it again is harmless.
    record_crm_number(a.number, crm_number)
    assert [e.status for e in complaints()[0].events].count(Status.FORWARDED) == 1
    # From then on the CRM's statuses come back as for any forwarded complaint.
    standin.set_status(crm_number, "Disposisi")
    sync.run_once()
    assert complaints()[0].status == Status.DISPOSISI
    assert b.status == Status.SUBMITTED and b.crm_number is None


def test_mistakes_are_refused_with_a_reason(manual):
    a, b = file_complaints(2)
    record_crm_number(a.number, "JK2611280042")
    cases = [
        (b.number, "12345", "JK"),                   # not the CRM's shape
        (b.number, "JK2611280042", a.number),        # already used for another complaint
        (a.number, "JK2611280043", "JK2611280042"),  # this one already has a number
        ("0101-26-99999-1", "JK2611280044", "0101-26-99999"),  # no such complaint (or a typo)
    ]
    for number, crm_number, mentioned in cases:
        with pytest.raises(ManualEntryError) as err:
            record_crm_number(number, crm_number)
        assert mentioned in str(err.value.message)
    assert complaints()[1].crm_number is None


def test_not_while_a_relay_is_sending_it(crm, standin):
    (c,) = file_complaints(1)
    with Relay() as relay:
        assert len(relay.claim(5)) == 1  # leased: on the wire now
        with pytest.raises(ManualEntryError):
            record_crm_number(c.number, "JK2611280042")
    # A given-up one can be typed in by hand.
    db.session.execute(update(OutboxItem).values(state="given_up", lease_until=None))
    db.session.commit()
    record_crm_number(c.number, "JK2611280042")
    assert outbox_rows()[0].state == "delivered"


def test_flask_crm_record(manual):
    (c,) = file_complaints(1)
    runner = manual.test_cli_runner()
    ok = runner.invoke(args=["crm", "record", c.number, "JK2611280042"])
    assert ok.exit_code == 0 and "JK2611280042" in ok.output
    bad = runner.invoke(args=["crm", "record", c.number, "JK2611280043"])
    assert bad.exit_code != 0 and "JK2611280042" in bad.output
    status = runner.invoke(args=["crm", "status"])
    assert "delivered 1" in status.output


def test_health_counts_the_manual_queue_without_alerting(manual, client):
    file_complaints(2)
    body = client.get("/healthz").json
    assert body["status"] == "ok" and body["crm"]["manual"] == 2 and body["crm"]["alert"] is False
    assert client.get("/healthz/crm").status_code == 200


def test_a_pending_complaint_waiting_too_long_raises_an_alert(crm, client):
    file_complaints(1)
    crm.config["CRM_PENDING_ALERT_SECONDS"] = 60
    assert client.get("/healthz/crm").status_code == 200
    db.session.execute(update(OutboxItem).values(created_at=utcnow().replace(year=2020)))
    db.session.commit()
    r = client.get("/healthz/crm")
    assert r.status_code == 503 and r.json["pending"] == 1 and r.json["oldest_pending_age_seconds"] > 60
    assert client.get("/healthz").status_code == 200  # the web itself is fine


def test_the_stand_ins_typed_records_have_crm_numbers(standin):
    r = httpx.post(standin.root + "/admin/requests", data={"service_code": "SAMPAH", "description": "x"})
    assert r.status_code == 303
    assert standin.records()[0]["crm_number"].startswith("JK")
