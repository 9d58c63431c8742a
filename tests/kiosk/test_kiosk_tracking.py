"""A citizen back at the office with a receipt, often without a phone, checks
the complaint at the kiosk (kiosk/intake/views.py track_lookup, track_detail):
the public tracking pages inside the kiosk's screen, with its idle reset and
no link out; on both database lanes."""
from __future__ import annotations

import re

from sqlalchemy import select

from backend.extensions import db
from backend.models import Kiosk
from tests.flowdriver import FlowDriver

START = "/k/tebet-timur/"
LOOKUP = "/k/tebet-timur/lacak"
PAGES_CSS = "/static/css/pages.css"


def _head(html: str) -> str:
    return html[:html.index("</head>")]


def test_the_kiosk_start_screen_offers_it_and_the_phone_has_its_own(client):
    assert f'href="{LOOKUP}"' in client.get(START).get_data(as_text=True)
    assert LOOKUP not in client.get("/k/tebet-timur/luring/").get_data(as_text=True)  # offline: the server knows
    assert f'href="{LOOKUP}"' not in client.get("/lapor/").get_data(as_text=True)
    r = client.get("/lapor/lacak", query_string={"nomor": "x"})
    assert r.status_code == 301 and r.headers["Location"] == "/lacak/?nomor=x"
    # Only the number goes along (url_for's own arguments, such as _scheme, are not the query's to set).
    r = client.get("/lapor/lacak", query_string={"_scheme": "x", "_external": "", "nomor": "1"})
    assert r.status_code == 301 and r.headers["Location"] == "/lacak/?nomor=1"
    r = client.get("/lapor/lacak/0101-26-00001-5")
    assert r.status_code == 301 and r.headers["Location"] == "/lacak/0101-26-00001-5"


def test_the_lookup_stays_in_the_kiosks_screen(client):
    r = client.get(LOOKUP)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Lacak laporan" in html
    assert "Kelurahan Tebet Timur" in html and 'id="idle"' in html  # the kiosk's header and idle reset
    assert f'action="{LOOKUP}"' in html and 'inputmode="numeric"' in html
    # Its own styles come with the screen (htmx swaps #page only), never in a kiosk page's <head>.
    assert PAGES_CSS not in _head(html) and PAGES_CSS in html
    assert 'action="/k/tebet-timur/selesai"' in html and "Lacak nomor lain" not in html


def test_a_mistyped_number_is_told_on_the_same_screen(client):
    r = client.get(LOOKUP, query_string={"nomor": "0101-26-00001-4"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Ada salah ketik pada nomor ini" in html
    assert 'value="0101-26-00001-4"' in html and 'id="idle"' in html
    r = client.get(LOOKUP, query_string={"nomor": "12"})
    assert r.status_code == 400 and "12 angka" in r.get_data(as_text=True)


def test_a_number_shows_its_progress_and_nothing_of_its_content(app, flow):
    number = flow.file_complaint(description="Saluran air tersumbat di depan rumah nomor 12.", name="Siti Rahayu")
    other = FlowDriver(app.test_client())
    r = other.client.get(LOOKUP, query_string={"nomor": number.replace("-", " ")})
    assert r.status_code == 303 and r.headers["Location"] == f"{LOOKUP}/{number}"
    r = other.client.get(f"{LOOKUP}/{number}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Diterima, sedang dikirim ke CRM" in html
    assert "Saluran air tersumbat" not in html and "Siti Rahayu" not in html
    assert 'id="idle"' in html and 'action="/k/tebet-timur/selesai"' in html and f'href="{LOOKUP}"' in html
    # No way out of the kiosk: the page's QR code to take along instead of a link to another site.
    assert f'src="/lacak/{number}/qr.svg"' in html
    assert not re.search(r'href="https?://', html.split('<main', 1)[1])
    # A number without dashes is shown under its own address.
    r = other.client.get(f"{LOOKUP}/{number.replace('-', '')}")
    assert r.status_code == 301 and r.headers["Location"] == f"{LOOKUP}/{number}"


def test_an_unknown_number_is_told_in_the_kiosks_screen(client):
    r = client.get(f"{LOOKUP}/0101-26-99999-6")
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "Kami tidak menemukan" in html and 'id="idle"' in html


def test_a_kiosk_out_of_service_tracks_nothing(app, client):
    with app.app_context():
        db.session.execute(select(Kiosk).filter_by(code="tebet-timur")).scalar_one().active = False
        db.session.commit()
    assert client.get(LOOKUP).status_code == 503
