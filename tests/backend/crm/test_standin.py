"""The CRM stand-in on its own: Open311, numbers, idempotency, faults, admin."""
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
FORM = {"service_code": "JALAN_RUSAK", "description": "Lubang di jalan.", "address_string": "Jl. Tebet Raya 1"}


def post(standin, key=None, **form):
    headers = {"Idempotency-Key": key} if key else {}
    return standin.http.post(standin.base_url + "/requests.json", data={**FORM, **form}, headers=headers)


def test_numbers_have_the_crms_shape_and_follow_each_other(standin):
    numbers = [post(standin, key=f"k{i}").json()[0]["service_request_id"] for i in range(3)]
    assert all(re.fullmatch(r"JK\d{6}\d{4}", n) for n in numbers)
    assert [int(n[-4:]) for n in numbers] == [1, 2, 3]
    assert len({n[2:8] for n in numbers}) == 1  # YYMMDD of today (WIB)


def test_the_same_idempotency_key_never_makes_a_second_record(standin):
    first = post(standin, key="same")
    again = post(standin, key="same", description="changed")
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    # Concurrent repeats of one key: still one record.
    results = []
    threads = [threading.Thread(target=lambda: results.append(post(standin, key="race").json()[0]["service_request_id"]))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    stats = standin.stats()
    assert stats["records"] == 2 and stats["posts_by_outcome"] == {"created": 2, "replayed": 8}


def test_open311_endpoints(standin):
    h = standin.http
    assert h.get(standin.base_url + "/discovery.json").json()["endpoints"][0]["specification"].endswith("GeoReport_v2")
    services = h.get(standin.base_url + "/services.json").json()
    assert {"service_code": "JALAN_RUSAK"}.items() <= services[0].items()
    assert h.get(standin.base_url + "/services/JALAN_RUSAK.json").status_code == 200
    number = post(standin, key="a").json()[0]["service_request_id"]
    one = h.get(standin.base_url + f"/requests/{number}.json").json()[0]
    assert one["status"] == "open" and one["crm_status"] == "Menunggu" and one["status_history"][0]["status"] == "Menunggu"
    many = h.get(standin.base_url + "/requests.json", params={"service_request_id": f"{number},JK0000000000"}).json()
    assert [r["service_request_id"] for r in many] == [number]
    token = standin.records()[0]["token"]
    assert h.get(standin.base_url + f"/tokens/{token}.json").json()[0]["service_request_id"] == number
    missing = h.get(standin.base_url + "/requests/JK0000000000.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


@pytest.mark.parametrize("form, message", [
    ({"service_code": "NOPE"}, "service_code"),
    ({"description": ""}, "description is required"),
    ({"description": "x" * 4001}, "4000"),
    ({"address_string": "", "lat": "", "long": ""}, "location"),
    ({"lat": "-6.2"}, "lat and long"),
])
def test_invalid_requests_are_refused_open311_style(standin, form, message):
    r = post(standin, key="bad", **form)
    assert r.status_code == 400 and message in r.json()[0]["description"]
    assert standin.stats()["records"] == 0


def test_an_api_key_can_be_required(tmp_path):
    from backend.crm.standin import create_app

    client = create_app({"STANDIN_DATABASE": str(tmp_path / "s.sqlite3"), "STANDIN_API_KEY": "s3cret"}).test_client()
    assert client.post("/open311/v2/requests.json", data=FORM).status_code == 403
    assert client.post("/open311/v2/requests.json", data={**FORM, "api_key": "s3cret"}).status_code == 201


def test_fault_modes(standin):
    standin.faults("down")
    with pytest.raises(httpx.HTTPError):  # hung up without an answer
        post(standin, key="d")
    standin.faults("error", status=500, remaining=2)
    assert [post(standin, key="e").status_code for _ in range(3)] == [500, 500, 201]
    assert standin.http.get(standin.root + "/admin/api/faults").json()["mode"] == "ok"  # used up
    standin.faults("slow", delay=0.3)
    t = time.monotonic()
    assert post(standin, key="s").status_code == 201 and time.monotonic() - t >= 0.3
    standin.faults("accept_then_timeout", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        standin.http.post(standin.base_url + "/requests.json", data=FORM, headers={"Idempotency-Key": "t"}, timeout=0.3)
    assert any(r["idempotency_key"] == "t" for r in standin.records())  # stored all the same
    with pytest.raises(ValueError):
        from backend.crm.standin.store import Store

        Store(standin.app.config["STANDIN_DATABASE"]).set_faults("sideways")


def test_admin_page_moves_records_through_the_statuses(standin):
    number = post(standin, key="a").json()[0]["service_request_id"]
    page = standin.http.get(standin.root + "/admin/")
    assert page.status_code == 200 and number in page.text and "Menunggu" in page.text
    assert "<script" not in page.text and "http" not in page.text.split("</head>")[0].replace("http-equiv", "")
    later = (datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    r = standin.http.post(standin.root + f"/admin/requests/{number}/status",
                          data={"status": "Koordinasi", "at": later.isoformat()})
    assert r.status_code == 303
    record = standin.http.get(standin.root + f"/admin/api/requests/{number}").json()
    assert [h["status"] for h in record["history"]] == ["Menunggu", "Koordinasi"]
    assert record["history"][1]["at"] == later.isoformat() + "+07:00"  # typed in WIB
    r = standin.http.post(standin.root + "/admin/faults", data={"mode": "slow", "delay": "2", "status": "503"})
    assert r.status_code == 303 and standin.http.get(standin.root + "/admin/api/faults").json()["delay"] == 2.0
    standin.faults("ok")
    assert standin.http.post(standin.root + f"/admin/api/requests/{number}/status",
                             json={"status": "Nope"}).status_code == 400


def test_selesai_is_closed_in_open311_terms(standin):
    number = post(standin, key="a").json()[0]["service_request_id"]
    standin.set_status(number, "Selesai")
    one = standin.http.get(standin.base_url + f"/requests/{number}.json").json()[0]
    assert one["status"] == "closed" and one["crm_status"] == "Selesai"


def test_the_stand_in_keeps_its_data_in_its_own_file_and_imports_nothing_of_the_product(tmp_path):
    code = (
        "import sys; from backend.crm.standin import create_app; "
        f"app = create_app({{'STANDIN_DATABASE': {str(tmp_path / 'own.sqlite3')!r}}}); "
        "c = app.test_client(); "
        "r = c.post('/open311/v2/requests.json', data={'service_code': 'SAMPAH', 'description': 'x', 'address_string': 'y'}); "
        "assert r.status_code == 201, r.data; "
        "bad = [m for m in sys.modules if m == 'kiosk' or m.startswith(('kiosk.', 'backend.models', 'backend.intake'))]; "
        "assert not bad, bad; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert (tmp_path / "own.sqlite3").exists()
