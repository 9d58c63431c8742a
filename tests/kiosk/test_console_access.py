"""Every officer and admin route refuses an anonymous user and a user of the
wrong role or office. The routes are read from the app's URL map, so a route
added later is checked without anyone remembering to add it here."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from backend import intake
from backend.extensions import db
from backend.models import (
    Agency, Category, DutySection, HolidayOverride, Kiosk, KioskDeliveryRefusal, OfficeHours, OfficialChannel,
)
from tests.officers import make_user, sign_in

PREFIXES = ("/petugas",)  # the console and its admin pages (/petugas/admin)
PUBLIC = {"console.login"}

# Who may use a route, by the permission it declares: this table is the
# test's own statement of the rules, independent of backend/auth.py.
USERS = {
    "petugas_0101": ("petugas", "0101"),
    "petugas_0601": ("petugas", "0601"),
    "pimpinan_0100": ("pimpinan", "0100"),  # camat of Tebet: Tebet Timur (0101) is under it
    "pimpinan_0600": ("pimpinan", "0600"),  # camat of Cilandak
    "pimpinan_0000": ("pimpinan", "0000"),  # the mayor's office: every office is under it
    "monitor": ("monitor", None),
    "admin": ("admin", None),
}
EVERYONE = set(USERS)
WORKERS = {"petugas_0101", "petugas_0601", "pimpinan_0100", "pimpinan_0600", "pimpinan_0000", "admin"}
EXPECTED = {
    "console": EVERYONE,
    "queue": EVERYONE,
    "personal_data": WORKERS,
    "intake": WORKERS,
    "crm": WORKERS,
    "reprint": WORKERS,
    "privacy_requests": WORKERS,
    "kiosks": {"pimpinan_0100", "pimpinan_0600", "pimpinan_0000", "admin"},
    "kiosk_refusals": WORKERS,  # the desk deals with its kiosks' refused deliveries; kiosk management stays above
    "roster_edit": {"pimpinan_0000", "admin"},
    "export": {"pimpinan_0100", "pimpinan_0600", "pimpinan_0000", "monitor", "admin"},
    "admin": {"admin"},
    "monitoring": {"pimpinan_0100", "pimpinan_0600", "pimpinan_0000", "monitor", "admin"},
    "export_personal": {"pimpinan_0100", "pimpinan_0600", "pimpinan_0000", "admin"},
}
# Route parameters that name an object of office 0101 (Tebet Timur): only
# users whose scope covers 0101 may reach it.
SEES_0101 = {"petugas_0101", "pimpinan_0100", "pimpinan_0000", "monitor", "admin"}
SCOPED_PARAMS = {"number", "kiosk_id"}


def console_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIXES)]
    assert len(rules) > 40  # the walk found the console
    return sorted(rules, key=lambda r: r.rule)


@pytest.fixture
def world(app):
    """One object of each kind a console URL can name, and the users."""
    with app.app_context():
        users = {name: make_user(name.replace("_", "."), role, office) for name, (role, office) in USERS.items()}
        complaint = intake.submit(intake.IntakeRequest(
            idempotency_key="walker-1", channel="kiosk", category_code="JALAN_RUSAK", kelurahan_code="0101",
            description="Lubang besar di tengah jalan sejak minggu lalu.", identity="named", consent=True,
            name="Siti Rahayu", phone="0812 3456 7890", kiosk_code="tebet-timur",
        )).complaint
        section = DutySection(name="Bagian Pemerintahan", sort=1)
        hours = OfficeHours(office_id=None, starts=date(2027, 2, 8), ends=date(2027, 3, 9), label="Ramadan",
                            week={"0": ["07:00", "14:00"]})
        holiday = HolidayOverride(day=date(2027, 1, 4), closed=True, name="Keputusan Gubernur")
        kiosk = db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one()
        refusal = KioskDeliveryRefusal(kiosk_id=kiosk.id, office_id=kiosk.office_id, idempotency_key="walker-refused",
                                       leased_number=None, reasons=["category"],
                                       report={"answers": {"name": "Siti Rahayu"}, "language": "id"})
        db.session.add_all([section, hours, holiday, refusal])
        db.session.commit()
        values = {
            "number": complaint.number,
            "kiosk_id": db.session.execute(select(Kiosk.id).filter_by(code="tebet-timur")).scalar_one(),
            "user_id": users["petugas_0101"],
            "office_code": "0101",
            "category_id": db.session.scalars(select(Category.id)).first(),
            "agency_id": db.session.scalars(select(Agency.id)).first(),
            "section_id": section.id,
            "hours_id": hours.id,
            "holiday_id": holiday.id,
            "day": "2026-12-01",
            "channel_id": db.session.scalars(select(OfficialChannel.id)).first(),
            "refusal_id": refusal.id,  # of tebet-timur, with a kept report and no photo
        }
    return users, values


def _url(app, rule, values):
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: give the walker a value for {missing}"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def test_every_console_route_declares_who_may_use_it(app):
    for rule in console_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        assert permission in EXPECTED, f"{rule.rule} ({rule.endpoint}) declares no known permission: {permission!r}"


def test_every_console_route_refuses_anonymous_and_wrong_role_or_office(app, world):
    users, values = world
    clients = {}
    for name, uid in users.items():
        clients[name] = app.test_client()
        sign_in(app, clients[name], uid)
    anonymous = app.test_client()
    checked = 0
    for rule in console_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = _url(app, rule, values)
        permission = app.view_functions[rule.endpoint].permission
        scoped = bool(SCOPED_PARAMS & set(rule.arguments))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = anonymous.open(url, method=method)
            assert r.status_code == 302 and "/petugas/masuk" in r.headers["Location"], (method, rule.rule, r.status_code)
            for name, client in clients.items():
                allowed = name in EXPECTED[permission] and (not scoped or name in SEES_0101)
                if not allowed:
                    r = client.open(url, method=method)
                    assert r.status_code == 403, (method, rule.rule, name, r.status_code)
                elif method == "GET":
                    r = client.get(url)
                    # The walker's complaint and refusal have no photo: their photos are the 404s.
                    expected = 404 if rule.endpoint in ("console.photo", "console.kiosk_refusal_photo") else 200
                    assert r.status_code == expected, (method, rule.rule, name, r.status_code)
                checked += 1
    assert checked > 300


def test_a_route_without_a_permission_is_refused_to_everyone(app, client):
    """Fail closed: a console view that forgot @requires answers 403 even to an admin."""
    from kiosk.console import access

    with app.app_context():
        uid = make_user("admin.x", "admin")
    sign_in(app, client, uid)
    view = app.view_functions["console.admin_users"]
    saved = view.permission
    try:
        del view.permission
        assert client.get("/petugas/admin/pengguna").status_code == 403
    finally:
        view.permission = saved
    assert access.PUBLIC_ENDPOINTS == {"console.login"}
