"""The channels page /kanal, its data, and the channels and posters in the
officer console (admin edits, downloads per office and all at once)."""
from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import time as clock

import pytest
from sqlalchemy import delete, select

from backend import seed, workdays
from backend.extensions import db
from backend.models import Office, OfficeHours, OfficialChannel
from tests.conftest import TEST_CONFIG
from tests.officers import csrf_token, make_user, sign_in

BASE = TEST_CONFIG["PUBLIC_BASE_URL"]
COLUMNS = ("code", "kind", "name_id", "name_en", "description_id", "description_en", "link", "display", "sort",
           "active")


@pytest.fixture
def channels(app):
    """The channel rows as the seed left them, put back after the test."""
    with app.app_context():
        saved = [{c: getattr(ch, c) for c in COLUMNS} for ch in db.session.scalars(select(OfficialChannel))]
    yield
    with app.app_context():
        db.session.execute(delete(OfficialChannel))
        db.session.add_all(OfficialChannel(**row) for row in saved)
        db.session.commit()


def entries(html: str) -> dict[str, str]:
    """data-channel -> the href of its button, in page order."""
    out = {}
    for block in html.split('<li class="channel ')[1:]:
        code = re.search(r'data-channel="([^"]+)"', block).group(1)
        out[code] = re.search(r'class="btn [^"]*channel__open" href="([^"]+)"', block).group(1).replace("&amp;", "&")
    return out


def test_seed_data_holds_the_official_channels(app_ctx):
    rows = {c.code: c for c in db.session.scalars(select(OfficialChannel))}
    assert {"jaki", "crm", "x", "instagram", "facebook", "email", "sms", "whatsapp", "lapor", "lapor_sms", "office",
            "this_app"} <= set(rows)
    assert rows["email"].link == "mailto:dki@jakarta.go.id"
    assert rows["sms"].link == "sms:08111272206" and rows["whatsapp"].link == "https://wa.me/628111272206"
    assert rows["lapor_sms"].link == "sms:1708" and rows["lapor"].link.startswith("https://www.lapor.go.id")
    assert rows["x"].display == "@DKIJakarta" and rows["instagram"].display == "@DKIJakarta"
    assert rows["facebook"].display == "Pemprov DKI Jakarta"
    assert not any(c.link in ("tel:112", "sms:112") or c.display == "112" for c in rows.values())  # 112 is no channel


def test_seed_again_keeps_what_admins_changed(app_ctx, channels):
    jaki = db.session.execute(select(OfficialChannel).filter_by(code="jaki")).scalar_one()
    jaki.description_id = "Diubah oleh admin."
    db.session.delete(db.session.execute(select(OfficialChannel).filter_by(code="lapor_sms")).scalar_one())
    db.session.commit()
    seed.load_channels()
    db.session.commit()
    rows = {c.code: c for c in db.session.scalars(select(OfficialChannel))}
    assert rows["jaki"].description_id == "Diubah oleh admin."  # not overwritten
    assert "lapor_sms" in rows  # a missing one comes back


def test_page_lists_every_active_channel_and_none_of_the_inactive(app, client, channels):
    with app.app_context():
        db.session.execute(select(OfficialChannel).filter_by(code="facebook")).scalar_one().active = False
        db.session.add(OfficialChannel(code="uji_nonaktif", kind="web", name_id="Kanal Uji Nonaktif",
                                       name_en="Inactive test channel", link="https://nonaktif.example/",
                                       sort=5, active=False))
        db.session.add(OfficialChannel(code="uji_aktif", kind="phone", name_id="Telepon Uji", name_en="Test phone",
                                       description_id="Untuk uji.", link="tel:0211234567", sort=15, active=True))
        db.session.commit()
        active = db.session.scalars(select(OfficialChannel).filter_by(active=True)
                                    .order_by(OfficialChannel.sort, OfficialChannel.id)).all()
        expected = [(c.code, c.name_id) for c in active]
    html = client.get("/kanal").get_data(as_text=True)
    found = entries(html)
    assert list(found) == [code for code, _ in expected]  # every active one, in order
    for code, name in expected:
        assert name in html
    assert "facebook" not in found and "kotak masuk halaman" not in html and "facebook.com" not in html
    assert "uji_nonaktif" not in found and "Kanal Uji Nonaktif" not in html and "nonaktif.example" not in html
    assert found["uji_aktif"] == "tel:0211234567"


def test_each_entry_opens_its_channel_and_has_a_qr_code(client):
    html = client.get("/kanal").get_data(as_text=True)
    found = entries(html)
    for code, href in found.items():
        assert href.split(":", 1)[0] in ("https", "tel", "sms", "mailto"), (code, href)
    assert found["this_app"] == f"{BASE}/lapor/"  # no office: the phone flow as it is
    assert found["sms"] == "sms:08111272206" and found["email"] == "mailto:dki@jakarta.go.id"
    assert html.count('<svg class="qr"') == len(found)
    outside = [href for code, href in found.items() if href.startswith("https://") and code != "this_app"]
    for href in outside:  # other sites learn nothing of this page
        assert f'href="{href.replace("&", "&amp;")}" rel="noopener noreferrer"' in html, href
    # 112 set apart, before the list, never an entry of it.
    assert html.index('href="tel:112"') < html.index('class="channel-list"')
    assert not any(href.endswith(":112") for href in found.values())


def test_office_page_shows_its_hours_and_its_own_phone_link(app, client):
    with app.app_context():
        office = db.session.execute(select(Office).filter_by(code="0101")).scalar_one()
        db.session.add(OfficeHours(office_id=office.id, week={"0": ["08:00", "15:00"], "1": ["08:00", "15:00"],
                                                              "2": ["08:00", "15:00"], "3": ["08:00", "15:00"],
                                                              "4": ["08:00", "14:00"]}))
        db.session.commit()
        workdays.invalidate()
    html = client.get("/kanal?kantor=0101").get_data(as_text=True)
    found = entries(html)
    assert found["this_app"] == f"{BASE}/lapor/?kantor=0101"
    assert "query=Kantor+Lurah+Tebet+Timur" in found["office"]
    assert "Jam layanan Kelurahan Tebet Timur" in html
    assert re.search(r"<dt>Senin–Kamis</dt><dd>08\.00–15\.00</dd>", html)
    assert re.search(r"<dt>Jumat</dt><dd>08\.00–14\.00</dd>", html)
    # Another office keeps the default hours; an unknown code is the plain page.
    other = client.get("/kanal?kantor=0601").get_data(as_text=True)
    assert re.search(r"<dt>Senin–Kamis</dt><dd>07\.30–16\.00</dd>", other)
    assert client.get("/kanal?kantor=9999").status_code == 200
    assert entries(client.get("/kanal?kantor=<x>").get_data(as_text=True))["this_app"] == f"{BASE}/lapor/"


def test_page_in_english(client):
    html = client.get("/kanal").get_data(as_text=True)
    token = csrf_token(html)
    client.post("/bahasa", data={"lang": "en", "next": "/kanal", "csrf_token": token})
    html = client.get("/kanal").get_data(as_text=True)
    assert "Official complaint channels" in html and "JAKI app" in html and "Send an SMS" in html
    assert "Emergency? Call 112." in html


def test_front_page_and_footer_lead_to_the_channels(client):
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/kanal"') >= 2  # the panel and the footer
    phone = client.get("/lapor/?kantor=0101").get_data(as_text=True)
    assert 'href="/kanal?kantor=0101"' in phone


# --- console ---------------------------------------------------------------

def _user(app, client, username, role, office=None):
    with app.app_context():
        uid = make_user(username, role, office)
    sign_in(app, client, uid)
    return uid


def _channel_id(app, code):
    with app.app_context():
        return db.session.execute(select(OfficialChannel.id).filter_by(code=code)).scalar_one()


def test_admin_edits_a_channel_and_the_page_follows(app, client, channels):
    _user(app, client, "admin.kanal", "admin")
    cid = _channel_id(app, "whatsapp")
    page = client.get(f"/petugas/kanal/{cid}")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    form = {"csrf_token": token, "kind": "whatsapp", "name_id": "WhatsApp Pemprov", "name_en": "WhatsApp",
            "description_id": "Kirim pesan lewat WhatsApp.", "description_en": "Message us on WhatsApp.",
            "link": "javascript:alert(1)", "display": "0811-1272-206", "sort": "90", "active": "y"}
    r = client.post(f"/petugas/kanal/{cid}", data=form)
    assert r.status_code == 422 and "https://" in r.get_data(as_text=True)  # refused, with the reason
    r = client.post(f"/petugas/kanal/{cid}", data={**form, "link": "https://wa.me/6281100000000"})
    assert r.status_code == 303
    html = client.get("/kanal").get_data(as_text=True)
    assert entries(html)["whatsapp"] == "https://wa.me/6281100000000" and "WhatsApp Pemprov" in html
    # Taken off: gone from the page.
    form.pop("active")
    assert client.post(f"/petugas/kanal/{cid}", data={**form, "link": "https://wa.me/6281100000000"}).status_code == 303
    assert "whatsapp" not in entries(client.get("/kanal").get_data(as_text=True))
    # A new channel.
    token = csrf_token(client.get("/petugas/kanal/baru").get_data(as_text=True))
    r = client.post("/petugas/kanal/baru", data={
        "csrf_token": token, "code": "call_center", "kind": "phone", "name_id": "Pusat panggilan",
        "name_en": "Call centre", "description_id": "Telepon pada jam kerja.", "description_en": "Call in office hours.",
        "link": "tel:0211500000", "display": "(021) 1500-000", "sort": "95", "active": "y"})
    assert r.status_code == 303
    assert entries(client.get("/kanal").get_data(as_text=True))["call_center"] == "tel:0211500000"
    with app.app_context():
        from backend.models import AuditLog

        actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"channel_update", "channel_create"} <= actions


@pytest.mark.parametrize("role, office", [("petugas", "0101"), ("pimpinan", "0100"), ("monitor", None)])
def test_only_admins_edit_channels(app, client, channels, role, office):
    cid = _channel_id(app, "jaki")
    anonymous = app.test_client()
    for url in (f"/petugas/kanal/{cid}", "/petugas/kanal/baru"):
        r = anonymous.get(url)
        assert r.status_code == 302 and "/petugas/masuk" in r.headers["Location"]
        assert anonymous.post(url, data={"link": "https://evil.example/"}).status_code == 302
    _user(app, client, f"{role}.kanal", role, office)
    listing = client.get("/petugas/kanal")
    assert listing.status_code == 200
    assert f"/petugas/kanal/{cid}" not in listing.get_data(as_text=True)  # no edit links
    token = csrf_token(listing.get_data(as_text=True))
    for url in (f"/petugas/kanal/{cid}", "/petugas/kanal/baru"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"csrf_token": token, "kind": "web", "name_id": "X", "name_en": "X",
                                      "link": "https://evil.example/", "code": "evil"}).status_code == 403
    assert client.get("/petugas/kanal/poster-semua.zip").status_code == 403
    with app.app_context():
        assert db.session.execute(select(OfficialChannel.link).filter_by(code="jaki")).scalar_one() \
            == "https://jaki.jakarta.go.id/"


def test_officer_downloads_the_posters_of_their_office_only(app, client):
    _user(app, client, "petugas.poster", "petugas", "0101")
    r = client.get("/petugas/kanal/poster.pdf")  # their own office by default
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert "poster-a4-0101-kelurahan-tebet-timur.pdf" in r.headers["Content-Disposition"]
    r = client.get("/petugas/kanal/poster.pdf?kantor=0101&ukuran=a5")
    assert r.status_code == 200 and "kartu-meja-a5-0101" in r.headers["Content-Disposition"]
    assert client.get("/petugas/kanal/poster.pdf?kantor=0601").status_code == 403
    assert client.get("/petugas/kanal/poster.pdf?kantor=0101&ukuran=a3").status_code == 404
    listing = client.get("/petugas/kanal").get_data(as_text=True)
    assert "kantor=0101" in listing and "kantor=0601" not in listing


def test_head_of_office_downloads_the_posters_of_the_offices_under_it(app, client):
    _user(app, client, "camat.poster", "pimpinan", "0100")
    listing = client.get("/petugas/kanal").get_data(as_text=True)
    assert "kantor=0100" in listing and "kantor=0101" in listing and "kantor=0601" not in listing
    assert client.get("/petugas/kanal/poster.pdf?kantor=0102&ukuran=a5").status_code == 200
    assert client.get("/petugas/kanal/poster.pdf?kantor=0600").status_code == 403


def test_admin_downloads_every_office_at_once_as_a_streamed_zip(app, client, monkeypatch):
    """The ZIP's parts are made while it is sent: the first bytes leave before
    the last PDF exists. (Real renders: tests/printing/test_posters.py.)"""
    from kiosk.channels import poster_cache

    made = []

    def fake_pdf(data, size):
        made.append((data.office_code, size))
        return f"%PDF-fake {data.office_code} {size}".encode()

    _user(app, client, "admin.poster", "admin")
    with app.app_context():
        monkeypatch.setattr(poster_cache(), "pdf", fake_pdf)
        offices = db.session.scalars(select(Office.code).order_by(Office.code)).all()
    assert len(offices) == 76
    started = time.perf_counter()
    r = client.get("/petugas/kanal/poster-semua.zip", buffered=False)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert 'filename="poster-kanal-pengaduan-76-kantor.zip"' in r.headers["Content-Disposition"]
    stream = r.response
    first = next(iter(stream))
    assert first.startswith(b"PK") and len(made) == 1  # one PDF made, already on its way
    body = first + b"".join(stream)
    r.close()
    assert time.perf_counter() - started < 10
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        assert len(names) == 152
        assert "poster-a4/poster-a4-0101-kelurahan-tebet-timur.pdf" in names
        assert "kartu-meja-a5/kartu-meja-a5-0000-kantor-walikota-jakarta-selatan.pdf" in names
        assert archive.read("poster-a4/poster-a4-0101-kelurahan-tebet-timur.pdf") == b"%PDF-fake 0101 a4"
        assert archive.testzip() is None
    assert sorted({code for code, _ in made}) == sorted(offices)
