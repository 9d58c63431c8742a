"""/lacak: anyone may track by number; never any personal data or content."""
import pytest
from sqlalchemy import select

from backend import damm
from backend.extensions import db
from backend.models import Complaint, StatusEvent, utcnow
from backend.statuses import Status
from tests.flowdriver import GOOD


def test_lookup_redirects_to_the_canonical_number(client, flow):
    number = flow.file_complaint()
    r = client.get("/lacak/?nomor=" + number.replace("-", " "))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/lacak/{number}")
    r = client.get("/lacak/" + number.replace("-", ""))
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/lacak/{number}")


def test_wrong_shape_and_wrong_check_digit_get_different_clear_messages(client):
    shape = client.get("/lacak/?nomor=12345")
    assert shape.status_code == 400 and "12 angka" in shape.get_data(as_text=True)
    body = "01012600042"
    wrong = body + str((int(damm.check_digit(body)) + 1) % 10)
    check = client.get("/lacak/?nomor=" + wrong)
    html = check.get_data(as_text=True)
    assert check.status_code == 400 and "salah ketik" in html


def test_unknown_number_is_404_with_a_message(client):
    body = "09092699999"
    r = client.get("/lacak/0909-26-99999-" + damm.check_digit(body))
    assert r.status_code == 404 and "nomor ini" in r.get_data(as_text=True).lower()


def test_tracking_page_shows_progress_but_nothing_personal(app, client, flow):
    number = flow.file_complaint(description="Genangan setinggi lutut di gang sebelah pos ronda RT 05.")
    html = client.get(f"/lacak/{number}").get_data(as_text=True)
    assert "Kelurahan Tebet Timur" in html and "Jalan rusak" in html
    for private in ("Genangan setinggi lutut", GOOD["name"], "3456", "siti@example.id", GOOD["nik"], GOOD["address"]):
        assert private not in html
    assert "<img" not in html  # no photo, ever


def test_crm_number_and_its_tracking_link_appear_once_known(app, client, flow):
    number = flow.file_complaint()
    with app.app_context():
        c = db.session.execute(select(Complaint).filter_by(number=number)).scalar_one()
        c.crm_number = "JK2611280042"
        c.status = Status.PROSES
        db.session.add_all([
            StatusEvent(complaint=c, status=Status.FORWARDED, at=utcnow(), source="crm"),
            StatusEvent(complaint=c, status=Status.PROSES, at=utcnow(), source="crm"),
        ])
        db.session.commit()
    html = client.get(f"/lacak/{number}").get_data(as_text=True)
    assert "JK2611280042" in html
    assert "https://crm.jakarta.go.id/?lacak=JK2611280042" in html
    assert "badge--progress" in html and "Proses" in html
    assert html.index("Proses") < html.index("timeline__item--neutral")  # newest first
