"""The queue page tells the desk which of its office's kiosks are off or
report a printer problem (backend/kiosks.py needing_attention), on both lanes."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Kiosk, utcnow
from tests.officers import make_user, sign_in

NOTICE = re.compile(r'data-kiosk-troubles="(\d+)"')


def _set(app, code, **values):
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one()
        for name, value in values.items():
            setattr(kiosk, name, value)
        db.session.commit()


def _all_well(app):
    with app.app_context():
        for kiosk in db.session.scalars(select(Kiosk)):
            kiosk.last_heartbeat_at, kiosk.printer_status = utcnow(), "ok"
        db.session.commit()


def _queue(app, username, role, office):
    with app.app_context():
        uid = make_user(username, role, office)
    client = app.test_client()
    sign_in(app, client, uid)
    r = client.get("/petugas/")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _troubles(html) -> int:
    m = NOTICE.search(html)
    return int(m.group(1)) if m else 0


def test_nothing_to_say_when_every_kiosk_is_well(app):
    _all_well(app)
    html = _queue(app, "budi", "petugas", "0101")
    assert _troubles(html) == 0 and "Kios yang perlu diperiksa" not in html


def test_the_desk_sees_its_kiosk_off_or_out_of_paper(app):
    _all_well(app)
    _set(app, "tebet-timur", printer_status="paper out")
    html = _queue(app, "budi", "petugas", "0101")
    assert _troubles(html) == 1
    assert "Printer Lobi Kantor Lurah Tebet Timur melaporkan: paper out." in html
    _set(app, "tebet-timur", printer_status="ok", last_heartbeat_at=utcnow() - timedelta(hours=2))
    html = _queue(app, "siti", "petugas", "0101")
    assert _troubles(html) == 1
    assert "Lobi Kantor Lurah Tebet Timur tidak terhubung: tidak ada tanda sejak" in html
    assert "Printer" not in html.split("Kios yang perlu diperiksa", 1)[1].split("</ul>", 1)[0]
    _set(app, "tebet-timur", last_heartbeat_at=None)
    assert "Lobi Kantor Lurah Tebet Timur belum pernah terhubung" in _queue(app, "ani", "petugas", "0101")


def test_only_the_kiosks_of_ones_own_offices(app):
    _all_well(app)
    _set(app, "cilandak-barat", printer_status="paper out")  # office 0601
    assert _troubles(_queue(app, "budi", "petugas", "0101")) == 0
    # The camat of Cilandak sees the kiosks of the kelurahan under the kecamatan; an admin sees every one.
    assert _troubles(_queue(app, "camat", "pimpinan", "0600")) == 1
    html = _queue(app, "admin1", "admin", "0000")
    assert _troubles(html) == 1 and re.search(r'href="/petugas/kios/\d+">Lobi Kantor Lurah Cilandak Barat</a>', html)


@pytest.mark.parametrize("role", ["monitor"])
def test_not_for_those_who_do_not_run_a_desk(app, role):
    _all_well(app)
    _set(app, "walikota-lobi", printer_status="paper out")
    assert _troubles(_queue(app, "pemantau", role, "0000")) == 0


def test_a_kiosk_taken_out_of_service_is_not_listed(app):
    _all_well(app)
    _set(app, "tebet-timur", active=False, last_heartbeat_at=None, printer_status="paper out")
    assert _troubles(_queue(app, "budi", "petugas", "0101")) == 0


def test_a_status_from_the_device_is_text_not_markup(app):
    _all_well(app)
    _set(app, "tebet-timur", printer_status="<b>jammed</b>")
    html = _queue(app, "budi", "petugas", "0101")
    assert "&lt;b&gt;jammed&lt;/b&gt;" in html and "<b>jammed</b>" not in html


def test_a_failed_print_says_when(app):
    _all_well(app)
    from datetime import datetime, timezone

    _set(app, "tebet-timur", printer_status="error: printer unreachable",
         printer_status_at=datetime(2026, 11, 27, 2, 5, tzinfo=timezone.utc))
    html = _queue(app, "budi", "petugas", "0101")
    assert "melaporkan: error: printer unreachable (27 November 2026, 09.05 WIB)." in html
