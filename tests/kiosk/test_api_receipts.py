"""Receipt links for reports delivered later, and the tracking API of "Laporan saya"."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from backend.extensions import db
from backend.models import Complaint, StatusEvent, utcnow
from backend.numbering import format_number
from kiosk.api import receipt_links
from tests.kiosk.test_api import URL, api_settings, report  # noqa: F401 (fixture)


def send(client, **kw) -> dict:
    r = client.post(URL, json=report(**kw))
    assert r.status_code == 201
    return r.get_json()


def groups(number: str) -> list[str]:
    return number.split("-")


# --- receipt links ------------------------------------------------------------------------

def test_a_receipt_link_opens_the_receipt_without_a_session(app, client):
    sent = send(client)
    phone = app.test_client()  # the service worker delivered it; the page has no session of that send
    r = phone.get(sent["receipt_url"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    found = re.findall(r'class="number__group">(\d+)<', html)
    assert found == groups(sent["number"])
    assert "Terima kasih, laporan Anda sudah kami terima" in html
    assert f'href="{sent["receipt_url"]}.pdf?ukuran=a6"' in html  # "Unduh PDF" on this link, not the session's
    assert r.headers["X-Robots-Tag"] == "noindex" and r.headers["Cache-Control"] == "no-store"
    # The same receipt in the language the report was made in.
    sent_en = send(client, language="en")
    html_en = phone.get(sent_en["receipt_url"]).get_data(as_text=True)
    assert "Thank you, your report has been received" in html_en


def test_a_receipt_link_downloads_the_pdf(app, client):
    sent = send(client)
    r = app.test_client().get(sent["receipt_url"] + ".pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    assert f'tanda-terima-{sent["number"]}-a6.pdf' in r.headers["Content-Disposition"]
    assert app.test_client().get(sent["receipt_url"] + ".pdf?ukuran=a4").status_code == 200
    assert app.test_client().get(sent["receipt_url"] + ".pdf?ukuran=b5").status_code == 400


def test_make_another_report_goes_to_the_phone_flow(client):
    sent = send(client)
    r = client.post(sent["receipt_url"] + "/selesai")
    assert r.status_code == 303 and r.headers["Location"].endswith("/lapor/")


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_tampered_or_foreign_token_is_404(app, client):
    sent = send(client)
    token = _token(sent["receipt_url"])
    body, sig = token.rsplit(".", 1)
    flipped = f"{body}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"  # the first character: six bits that count
    assert client.get(f"/tanda-terima/{flipped}").status_code == 404
    assert client.get("/tanda-terima/rubbish").status_code == 404
    assert client.get("/tanda-terima/rubbish.pdf").status_code == 404
    other_secret = URLSafeTimedSerializer("not-our-secret", salt=receipt_links.SALT)
    forged = other_secret.dumps({"n": sent["number"], "k": "0" * 32})
    assert client.get(f"/tanda-terima/{forged}").status_code == 404
    # Signed by us, but for the number alone (a guessed number): the key's digest does not match.
    with app.app_context():
        guessed = URLSafeTimedSerializer(app.secret_key, salt=receipt_links.SALT).dumps(
            {"n": sent["number"], "k": "0" * 32})
    r = client.get(f"/tanda-terima/{guessed}")
    assert r.status_code == 404
    assert sent["number"] not in r.get_data(as_text=True)
    assert "Tautan tanda terima ini tidak sah" in r.get_data(as_text=True)


def test_an_expired_link_is_410_and_names_the_number(api_settings, client):
    sent = send(client)
    api_settings["RECEIPT_LINK_MAX_AGE_SECONDS"] = -1
    r = client.get(sent["receipt_url"])
    assert r.status_code == 410
    html = r.get_data(as_text=True)
    assert "sudah kedaluwarsa" in html and sent["number"] in html
    assert client.get(sent["receipt_url"] + ".pdf").status_code == 410


def test_a_replay_gets_a_working_receipt_link_too(client):
    body = report()
    client.post(URL, json=body)
    again = client.post(URL, json=body).get_json()
    assert again["replayed"] is True
    assert client.get(again["receipt_url"]).status_code == 200


# --- tracking API ----------------------------------------------------------------------------

def test_tracking_gives_the_public_status_only(app, client):
    sent = send(client)
    number = sent["number"]
    r = client.get(f"/api/v1/lacak/{number}")
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) == {"number", "status", "status_label", "crm_number", "updated_at"}
    assert data["number"] == number and data["status"] == "submitted" and data["crm_number"] is None
    assert data["status_label"] == "Diterima, sedang dikirim ke CRM"
    assert datetime.fromisoformat(data["updated_at"]) == datetime.fromisoformat(sent["submitted_at"])
    # Typed without dashes, in English.
    r = client.get(f"/api/v1/lacak/{number.replace('-', '')}", headers={"Accept-Language": "en"})
    assert r.get_json()["status_label"] == "Received, being sent to the CRM"
    # The CRM took it and is working on it.
    later = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        c.crm_number, c.status = "JK2605040001", "proses"
        db.session.add(StatusEvent(complaint=c, status="proses", at=later, source="crm"))
        db.session.commit()
    data = client.get(f"/api/v1/lacak/{number}").get_json()
    assert (data["status"], data["status_label"], data["crm_number"]) == ("proses", "Sedang diproses",
                                                                           "JK2605040001")
    assert datetime.fromisoformat(data["updated_at"]) == later


def test_tracking_an_unknown_number_is_404(client):
    r = client.get(f"/api/v1/lacak/{format_number('0101', 26, 99999)}")
    assert r.status_code == 404
    assert r.get_json()["error"].startswith("Kami tidak menemukan laporan dengan nomor ini.")


@pytest.mark.parametrize("typed, reason", [("12345", "shape"), ("0101-26-00042-0", "check")])
def test_tracking_a_mistyped_number_is_422_as_the_page_says(client, typed, reason):
    if reason == "check":
        good = format_number("0101", 26, 42)
        typed = good[:-1] + str((int(good[-1]) + 1) % 10)
    r = client.get(f"/api/v1/lacak/{typed}")
    assert r.status_code == 422
    assert r.get_json()["reason"] == reason
    page = client.get(f"/lacak/{typed}").get_data(as_text=True)
    assert r.get_json()["error"] in page.replace("&#39;", "'")


def test_tracking_is_rate_limited(api_settings, client):
    api_settings["RATELIMIT_API_TRACK"] = "3 per minute"
    number = format_number("0101", 26, 1)
    for _ in range(3):
        assert client.get(f"/api/v1/lacak/{number}").status_code == 404
    r = client.get(f"/api/v1/lacak/{number}")
    assert r.status_code == 429 and r.headers["Retry-After"]
