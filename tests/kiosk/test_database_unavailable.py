"""When the database cannot be reached: a 503 "for a moment" in the user's
language with Retry-After (kiosks and phones then carry on offline), never a
500; and a kiosk taken out of service still says so, mid-flow too."""
import json

import pytest

from tests.conftest import LANES, make_app

# Where no database answers: a SQLite file in a folder that does not exist,
# a PostgreSQL server on a closed port.
UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-kios-aduan-folder/kios.sqlite3",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/kios?connect_timeout=2",
}


@pytest.fixture(params=LANES)
def down(request, tmp_path):
    app = make_app(UNREACHABLE[request.param], tmp_path / "instance")
    return app.test_client()


@pytest.mark.parametrize("path", ["/k/tebet-timur/", "/k/tebet-timur/luring/", "/lapor/mulai", "/lacak/0101-26-00001-0"])
def test_pages_answer_503_for_a_moment_in_indonesian(down, path):
    r = down.post(path, data={}) if path.endswith("mulai") else down.get(path)
    html = r.get_data(as_text=True)
    assert r.status_code == 503, html[:300]
    assert r.headers["Retry-After"] == "30"
    assert "tidak dapat dihubungi sebentar" in html and "Jawaban Anda sebelumnya tetap tersimpan" in html


def test_the_api_answers_503_in_json_so_the_device_queue_retries(down):
    r = down.get("/api/v1/lacak/0101-26-00001-0", headers={"Accept-Language": "en"})
    # (Retry-After here is the rate limiter's window, which it sets on the API's answers.)
    assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
    body = json.loads(r.get_data(as_text=True))
    assert "cannot be reached for a moment" in body["error"]


def test_a_kiosk_out_of_service_says_so_mid_flow_without_retry_after(app, flow):
    from backend.extensions import db
    from backend.models import Kiosk

    flow.start()
    with app.app_context():
        kiosk = db.session.query(Kiosk).filter_by(code="tebet-timur").one()
        kiosk.active = False
        db.session.commit()
    try:
        r = flow.client.post("/k/tebet-timur/kategori", data={"category": "JALAN_RUSAK", "csrf_token": flow.token},
                             headers={"HX-Request": "true", "HX-Target": "page"})
        # htmx does not swap a 503 in: it is told to load the whole page, which shows it.
        assert r.status_code == 503 and r.headers["HX-Refresh"] == "true"
        assert "Retry-After" not in r.headers  # not "for a moment": the kiosk must not carry on offline
        page = flow.get("/kategori")
        assert page.status == 503 and "HX-Refresh" not in page.html
    finally:
        with app.app_context():
            kiosk = db.session.query(Kiosk).filter_by(code="tebet-timur").one()
            kiosk.active = True
            db.session.commit()
