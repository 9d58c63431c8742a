"""The demo complaint history of `flask seed` (backend/demo.py): real numbers
from the counters, timelines, rollups, only on an empty database, never with
--no-demo; the tracking page, the console and the dashboard show it."""
from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import delete, func, select

from backend import demo, intake
from backend.extensions import db
from backend.models import (
    Complaint, KioskUptime, MonitoringDaily, MonitoringFacet, NumberCounter, Office, OutboxItem, StatusEvent,
)
from backend.numbering import parse_number
from backend.statuses import Channel, Identity, Status, info
from backend.workdays import WIB
from tests.officers import make_user, sign_in

CRM_NUMBER = re.compile(r"JK(\d{6})\d{4}")


@pytest.fixture
def demo_app(app, tmp_path, monkeypatch):
    """The app with a stand-in store of this test's own; the kiosks' beats removed after
    (the app fixture clears their last heartbeat, not the hourly counts)."""
    monkeypatch.setitem(app.config, "STANDIN_DATABASE", str(tmp_path / "crm-standin.sqlite3"))
    yield app
    with app.app_context():
        db.session.execute(delete(KioskUptime))
        db.session.commit()


def seed(app, *args: str):
    result = app.test_cli_runner().invoke(args=["seed", *args])
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def check_history(n: int) -> list[Complaint]:
    """What every demo history must be; returns the complaints."""
    complaints = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert len(complaints) == n
    offices = dict(db.session.execute(select(Office.id, Office.code)).all())
    outbox = {o.complaint_id: o for o in db.session.scalars(select(OutboxItem))}
    highest: dict[tuple[str, int], int] = {}
    for c in complaints:
        parsed = parse_number(c.number)  # the Damm check digit holds, or this raises
        assert str(parsed) == c.number
        assert parsed.office_code == offices[c.office_id]
        assert parsed.year == c.submitted_at.astimezone(WIB).year % 100
        key = (parsed.office_code, parsed.year)
        highest[key] = max(highest.get(key, 0), parsed.sequence)
        assert c.reporter_nik is None and c.reporter_phone is None
        if c.identity == Identity.ANONYMOUS:
            assert c.reporter_name is None and c.reporter_email is None
        else:
            assert re.fullmatch(r"Warga Contoh \d+", c.reporter_name)
        assert c.description and c.address
        events = [(e.status, e.source) for e in c.events]
        assert events[0] == (Status.SUBMITTED, "local") and c.events[0].at == c.submitted_at
        row = outbox[c.id]
        if c.crm_number:
            assert row.state == "delivered" and row.delivered_at == c.forwarded_at
            assert CRM_NUMBER.fullmatch(c.crm_number).group(1) == c.forwarded_at.astimezone(WIB).strftime("%y%m%d")
            assert events[1] == (Status.FORWARDED, "local") and c.events[1].at == c.forwarded_at
            crm = [e for e in c.events if e.source == "crm"]
            assert crm[0].status == Status.MENUNGGU and crm[0].at == c.forwarded_at
            assert [e.at for e in crm] == sorted(e.at for e in crm) and len({e.at for e in crm}) == len(crm)
            assert c.status == crm[-1].status
            assert c.closed_at == (crm[-1].at if c.status == Status.SELESAI else None)
        else:
            assert row.state in ("pending", "manual", "given_up")
            assert events == [(Status.SUBMITTED, "local")] and c.status == Status.SUBMITTED
            assert c.forwarded_at is None and c.closed_at is None
    # The counters are past every demo number: a later number cannot collide.
    counters = {(r.office_code, r.year): r.last_value for r in db.session.scalars(select(NumberCounter))}
    assert all(counters[key] >= seq for key, seq in highest.items())
    return complaints


def check_rollups() -> None:
    """The dashboard's rollups agree with a direct count of the complaints."""
    city = db.session.scalar(select(Office.id).where(Office.code == "0000"))
    daily = db.session.execute(
        select(func.sum(MonitoringDaily.complaints), func.sum(MonitoringDaily.in_hours),
               func.sum(MonitoringDaily.delivered), func.sum(MonitoringDaily.given_up),
               func.sum(MonitoringDaily.manual), func.sum(MonitoringDaily.open))
        .where(MonitoringDaily.node_id == city, MonitoringDaily.grain == "day")).one()
    states = Counter(db.session.scalars(select(OutboxItem.state)))
    direct = (count(Complaint), db.session.scalar(select(func.count()).where(Complaint.in_office_hours.is_(True))),
              states["delivered"], states["given_up"], states["manual"],
              db.session.scalar(select(func.count()).where(Complaint.closed_at.is_(None))))
    assert tuple(daily) == direct
    by_status = dict(db.session.execute(
        select(MonitoringFacet.value, func.sum(MonitoringFacet.n))
        .where(MonitoringFacet.node_id == city, MonitoringFacet.grain == "day", MonitoringFacet.facet == "status")
        .group_by(MonitoringFacet.value)).all())
    assert by_status == dict(db.session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all())


def test_seed_creates_a_demo_history_once(demo_app):
    result = seed(demo_app, "--demo-complaints", "300")
    assert result.exit_code == 0, result.output
    assert "300 demo complaints" in result.output
    with demo_app.app_context():
        complaints = check_history(300)
        check_rollups()
        statuses = Counter(c.status for c in complaints)
        assert statuses[Status.SELESAI] > 100 and statuses[Status.SUBMITTED] >= demo.LIVE
        channels = {c.channel for c in complaints}
        assert channels == {ch.value for ch in Channel}
        assert len({c.office_id for c in complaints}) == 76  # every office
        assert Counter(c.identity for c in complaints)[Identity.ANONYMOUS] > 100
        # The newest wait for the relay, to be delivered live when `make run` starts.
        newest = complaints[-demo.LIVE:]
        assert all(c.crm_number is None for c in newest)
        assert db.session.scalar(select(func.count()).where(OutboxItem.state == "pending")) == demo.LIVE
        assert {c.kiosk_id for c in complaints if c.channel == Channel.KIOSK} - {None}  # the demo kiosks' own
        events = count(StatusEvent)
        numbers = {c.number for c in complaints}

    again = seed(demo_app)
    assert again.exit_code == 0, again.output
    assert "already holds complaints" in again.output and "demo complaints" not in again.output.splitlines()[-1]
    with demo_app.app_context():
        assert count(Complaint) == 300 and count(StatusEvent) == events

        # A real submission afterwards gets the next number of its office and year.
        c = intake.submit(intake.IntakeRequest(
            idempotency_key=uuid.uuid4().hex, channel=Channel.KIOSK, category_code="JALAN_RUSAK",
            kelurahan_code="0101", description="Lubang besar di depan sekolah, berbahaya.", identity="anonymous",
            consent=True, kiosk_code="tebet-timur")).complaint
        parsed = parse_number(c.number)
        assert c.number not in numbers
        demo_sequences = [parse_number(n).sequence for n in numbers
                          if parse_number(n).office_code == "0101" and parse_number(n).year == parsed.year]
        assert parsed.sequence == max(demo_sequences, default=0) + 1


def test_no_demo_creates_no_complaints(demo_app):
    result = seed(demo_app, "--no-demo")
    assert result.exit_code == 0, result.output
    assert "demo complaints" not in result.output
    assert "flask users create" in result.output  # no officer yet: how to make the first one
    result = seed(demo_app, "--demo-complaints", "0")
    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        assert count(Complaint) == 0 and count(StatusEvent) == 0 and count(KioskUptime) == 0


def test_seed_says_how_to_make_the_first_officer_only_while_there_is_none(demo_app):
    with demo_app.app_context():
        make_user("petugas.demo", "petugas", "0101")
    result = seed(demo_app, "--no-demo")
    assert result.exit_code == 0, result.output
    assert "flask users create" not in result.output


def test_the_mayors_office_gets_a_demo_roster_once(demo_app):
    from backend import roster, workdays
    from backend.models import DutyDay, DutySection
    from backend.offices import KOTA_CODE

    assert seed(demo_app, "--demo-complaints", "5").exit_code == 0
    with demo_app.app_context():
        assert [s.name for s in roster.active_sections()] == list(demo.SECTIONS)
        today = roster.today_wib()
        calendar = workdays.calendar_for(KOTA_CODE)
        days = roster.month_roster(today.year, today.month)
        working = [d for d in roster.month_days(today.year, today.month) if calendar.hours(d) is not None]
        assert working and sorted(days) == working  # every working day has a section, no other day
        turns = [days[d].section.name for d in working[:len(demo.SECTIONS)]]
        assert sorted(turns) == sorted(demo.SECTIONS[:len(turns)]) and len(set(turns)) == len(turns)  # in turn
        before = count(DutyDay)
        # Sections set up by hand are never added to.
        assert demo.load_demo_roster() == 0
        assert count(DutySection) == len(demo.SECTIONS) and count(DutyDay) == before


def test_bad_count_is_refused_with_a_message(demo_app):
    result = seed(demo_app, "--demo-complaints", "-3")
    assert result.exit_code == 2
    assert "--demo-complaints" in result.output and "-3" in result.output
    with demo_app.app_context():
        assert count(Complaint) == 0


def test_a_database_with_complaints_is_left_alone(demo_app):
    with demo_app.app_context():
        intake.submit(intake.IntakeRequest(
            idempotency_key=uuid.uuid4().hex, channel=Channel.PHONE, category_code="SAMPAH", kelurahan_code="0601",
            description="Sampah menumpuk di pinggir jalan.", identity="anonymous", consent=True))
        assert demo.load_demo_complaints(50) == 0
        assert count(Complaint) == 1 and count(KioskUptime) == 0


def test_numbers_take_the_year_of_each_complaint(demo_app):
    now = datetime(2027, 1, 20, 3, 0, tzinfo=timezone.utc)
    with demo_app.app_context():
        assert demo.load_demo_complaints(200, days=60, now=now) == 200
        complaints = check_history(200)
        check_rollups()
        assert {c.number[5:7] for c in complaints} == {"26", "27"}
        assert max(c.submitted_at for c in complaints) <= now
        assert min(c.submitted_at for c in complaints) >= now - timedelta(days=61)  # office hours of the first day
        assert all(e.at <= now for c in complaints for e in c.events)


def test_tracking_console_and_dashboard_show_it(demo_app):
    assert seed(demo_app, "--demo-complaints", "200").exit_code == 0
    with demo_app.app_context():
        complaints = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
        delivered = next(c for c in reversed(complaints) if c.crm_number and len(c.events) > 3)
        waiting = complaints[-1]
        numbers = {c.number: (c.status, c.crm_number, len(c.events)) for c in (delivered, waiting)}
        detail = delivered.number
        first = min(c.submitted_at for c in complaints).astimezone(WIB).date()
        uid = make_user("admin.demo", "admin", "0000")
        monitor = make_user("monitor.demo", "monitor")
    client = demo_app.test_client()
    for number, (status, crm_number, n_events) in numbers.items():
        r = client.get(f"/lacak/{number}")
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        with demo_app.test_request_context(), force_locale("id"):
            label = str(escape(str(info(status).label)))
        assert f"badge--{info(status).tone}" in html and label in html
        assert html.count('class="timeline__item ') == n_events
        assert (crm_number in html) if crm_number else ('class="crm__number"' not in html)
    sign_in(demo_app, client, uid)
    r = client.get(f"/petugas/aduan/{detail}")
    assert r.status_code == 200 and detail in r.get_data(as_text=True)

    dash = demo_app.test_client()
    sign_in(demo_app, dash, monitor)
    r = dash.get("/petugas/pemantauan", query_string={"periode": "custom", "dari": first.isoformat(),
                                                       "sampai": datetime.now(WIB).date().isoformat()})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(r'data-figure="complaints"[^>]*>200<', html)
    calls = 0
    for code in ("walikota-lobi", "tebet", "tebet-timur", "cilandak-barat"):
        row = re.search(rf'<tr data-kiosk="{code}">(.*?)</tr>', html, re.S).group(1)
        uptime = re.findall(r'<td class="num">([^<]*)</td>', row)[-1]
        assert uptime.endswith("%") and int(uptime[:-1]) >= 80, (code, uptime)
        # Now and then a citizen called an officer, answered within minutes.
        calls += int(re.search(r"data-help-calls>(\d+)<", row).group(1))
        wait = re.search(r"data-help-wait>([^<]*)<", row).group(1)
        assert wait == "–" or (wait.endswith(" mnt") and 1 <= int(wait.split()[0]) <= 15), (code, wait)
    assert calls >= 4
