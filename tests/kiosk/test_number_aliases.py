"""A kiosk's online "Kirim laporan" is stored but its answer is lost; the offline
page delivers the same report under the same key with a leased number: one
complaint, and the leased number leads to it (API, tracking, console)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Complaint, ComplaintNumberAlias
from tests.flowdriver import GOOD, receipt_number
from tests.kiosk.test_api import api_settings  # noqa: F401 (fixture: fresh rate limits, config put back)
from tests.officers import make_user, sign_in

KIOSK = "tebet-timur"
SUBMIT = f"/k/{KIOSK}/api/laporan"
_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')

# The flow driver's answers as flow.js `asServer` sends a report carried from the online flow.
AS_SERVER = {
    "category": GOOD["category"], "kelurahan": GOOD["kelurahan"], "address": GOOD["address"], "rt": "005",
    "rw": "002", "description": GOOD["description"], "identity": "named", "consent": True,
    "name": GOOD["name"], "phone": "+6281234567890", "email": GOOD["email"], "nik": GOOD["nik"],
}


def stored_online(flow) -> tuple[str, str]:
    """The kiosk's page flow up to a stored complaint: (its number, the review form's key)."""
    flow.fill_all()
    key = _KEY.search(flow.get("/periksa").html).group(1)
    page = flow.post("/kirim", {"idempotency_key": key})
    assert page.status == 200, page.html[:2000]
    return receipt_number(page.html), key


def leased(client) -> list[str]:
    r = client.post(f"/k/{KIOSK}/api/nomor")
    assert r.status_code == 200
    return [n["number"] for n in r.get_json()["numbers"]]


def deliver(client, key: str, number: str | None, *, created_at="2026-05-04T09:15:00+07:00", **changes):
    body = {"idempotency_key": key, "language": "id", "created_at": created_at,
            "answers": {**AS_SERVER, **changes}, "photo": None, "leased_number": number}
    return client.post(SUBMIT, json=body)


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Complaint)),
                db.session.scalar(select(func.count()).select_from(ComplaintNumberAlias)))


def linked(app, client, flow) -> tuple[str, str]:
    number, key = stored_online(flow)
    lease = leased(client)[0]
    r = deliver(client, key, lease)
    assert r.status_code == 200, r.get_json()
    return number, lease


def test_the_offline_delivery_of_a_report_stored_online_is_one_complaint(app, client, flow):
    number, key = stored_online(flow)
    lease = leased(client)[0]
    assert lease != number
    r = deliver(client, key, lease)
    assert r.status_code == 200, r.get_json()
    data = r.get_json()
    assert data["number"] == number and data["replayed"] is True
    assert data["leased_number"] == lease and data["alias_of"] == number
    assert data["tracking_url"].endswith(f"/lacak/{number}")
    assert counts(app) == (1, 1)
    with app.app_context():
        alias = db.session.execute(select(ComplaintNumberAlias)).scalar_one()
        assert alias.number == lease and alias.complaint.number == number and alias.kiosk_id is not None
    # The queue sends it again (a second trigger, another device time): the same answer, nothing new.
    again = deliver(client, key, lease, created_at="2026-05-04T09:20:00+07:00")
    assert again.status_code == 200
    # The same answer; the receipt link is signed afresh (its time stamp may be a second on).
    answer = again.get_json()
    assert {k: v for k, v in answer.items() if k != "receipt_url"} == {k: v for k, v in data.items() if k != "receipt_url"}
    assert answer["receipt_url"].split(".")[0] == data["receipt_url"].split(".")[0]  # the same complaint and key
    assert counts(app) == (1, 1)


def test_a_linked_leased_number_is_not_handed_out_or_used_again(app, client, flow):
    _number, lease = linked(app, client, flow)
    assert lease not in leased(client)
    other = deliver(client, "another-report-key", lease, description="Pohon tumbang menutup jalan di depan pasar.")
    assert other.status_code == 422
    assert other.get_json()["errors"] == {"leased_number": "Nomor ini sudah dipakai untuk laporan lain."}
    assert counts(app) == (1, 1)


def test_other_answers_under_the_same_key_are_still_a_conflict(app, client, flow):
    _number, key = stored_online(flow)
    r = deliver(client, key, leased(client)[0], rt="5")  # not as the server keeps it: another fingerprint
    assert r.status_code == 422 and r.get_json()["conflict"] is True
    assert counts(app) == (1, 0)


def test_a_plain_replay_and_a_new_offline_report_link_nothing(app, client, flow):
    number, key = stored_online(flow)
    r = deliver(client, key, None)
    assert r.status_code == 200 and r.get_json()["number"] == number
    assert "leased_number" not in r.get_json() and "alias_of" not in r.get_json()
    lease = leased(client)[0]
    new = deliver(client, "a-report-made-offline", lease, description="Lampu jalan mati sejak tiga hari.")
    assert new.status_code == 201 and new.get_json()["number"] == lease
    assert deliver(client, "a-report-made-offline", lease, description="Lampu jalan mati sejak tiga hari.") \
        .get_json().get("leased_number") is None  # stored under the leased number itself
    assert counts(app) == (2, 0)


# --- tracking -------------------------------------------------------------------------------

def test_tracking_a_linked_leased_number_shows_the_stored_complaint(app, client, flow):
    number, lease = linked(app, client, flow)
    r = client.get(f"/lacak/{lease}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert (f"Laporan dengan nomor tanda terima {lease} tercatat dengan nomor {number}. "
            f"Gunakan nomor {number} untuk melacaknya.") in html
    assert f'data-alias="{lease}"' in html
    assert "".join(f'<span class="number__group">{g}</span>' for g in number.split("-")) in html.replace("\n", "")
    for personal in ("Siti", "0812", "+62812", "siti@example.id", "3174011234567890", "Lubang besar"):
        assert personal not in html
    # Typed without dashes: the canonical address, then the same page.
    r = client.get(f"/lacak/{lease.replace('-', '')}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/lacak/{lease}")
    # Its own number: no notice.
    assert "data-alias" not in client.get(f"/lacak/{number}").get_data(as_text=True)
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    english = client.get(f"/lacak/{lease}").get_data(as_text=True)
    assert f"The report with receipt number {lease} is registered under number {number}." in english


def test_the_tracking_api_resolves_a_linked_leased_number(app, client, flow):
    number, lease = linked(app, client, flow)
    r = client.get(f"/api/v1/lacak/{lease}")
    assert r.status_code == 200
    data = r.get_json()
    assert data["number"] == number and data["leased_number"] == lease and data["alias_of"] == number
    assert data["status"] == "submitted"
    assert data["notice"] == (f"Laporan dengan nomor tanda terima {lease} tercatat dengan nomor {number}. "
                              f"Gunakan nomor {number} untuk melacaknya.")
    english = client.get(f"/api/v1/lacak/{lease}", headers={"Accept-Language": "en"}).get_json()
    assert english["notice"].startswith(f"The report with receipt number {lease} is registered under number {number}")
    own = client.get(f"/api/v1/lacak/{number}").get_json()
    assert own["number"] == number and "leased_number" not in own and "notice" not in own


# --- the officer console --------------------------------------------------------------------

def test_officers_find_the_complaint_by_its_leased_number_and_see_it(app, client, flow):
    number, lease = linked(app, client, flow)
    with app.app_context():
        petugas = make_user("budi", "petugas", "0101")
    officer = app.test_client()
    sign_in(app, officer, petugas)
    html = officer.get(f"/petugas/?q={lease}").get_data(as_text=True)
    assert f"/petugas/aduan/{number}" in html
    html = officer.get(f"/petugas/?q={lease.replace('-', ' ')}").get_data(as_text=True)
    assert f"/petugas/aduan/{number}" in html
    detail = officer.get(f"/petugas/aduan/{number}")
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert "Nomor tanda terima luring" in page and lease in page
