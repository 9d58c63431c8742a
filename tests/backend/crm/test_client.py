"""The Open311 client's reading of answers (a mock transport: each answer exactly as written)."""
from datetime import datetime, timezone

import httpx
import pytest

from backend.crm.client import CrmRejected, CrmUnavailable, Open311Client, ServiceRequest, parse_time

REQ = ServiceRequest(service_code="JALAN_RUSAK", description="x" * 5000, address_string="Tebet",
                     attributes={"local_number": "0101-26-00001-0"})


def client_answering(*responses, seen=None):
    answers = iter(responses)

    def handler(request: httpx.Request):
        if seen is not None:
            seen.append(request)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return Open311Client("http://crm.test/open311/v2", api_key="k", transport=httpx.MockTransport(handler))


def test_a_send_is_form_encoded_with_the_key_header_and_a_bounded_description():
    seen = []
    c = client_answering(httpx.Response(201, json=[{"service_request_id": "JK2611280001",
                                                    "requested_datetime": "2026-11-28T10:00:00+07:00"}]), seen=seen)
    ack = c.submit(REQ, "key-1")
    assert ack.crm_number == "JK2611280001"
    assert ack.requested_at == datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)
    sent = seen[0]
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert sent.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form["api_key"] == "k" and len(form["description"]) == 4000
    assert form["attribute[local_number]"] == "0101-26-00001-0"
    assert "first_name" not in form and "phone" not in form


def test_an_answer_without_a_number_is_not_a_success():
    with pytest.raises(CrmUnavailable, match="without a request number"):
        client_answering(httpx.Response(200, json=[{"service_notice": "ok"}])).submit(REQ, "k")
    with pytest.raises(CrmUnavailable, match="not JSON"):
        client_answering(httpx.Response(200, text="<html>ok</html>")).submit(REQ, "k")


def test_a_token_is_looked_up_once():
    ok = client_answering(httpx.Response(200, json=[{"token": "t1"}]),
                          httpx.Response(200, json=[{"service_request_id": "JK2611280009", "token": "t1"}]))
    assert ok.submit(REQ, "k").crm_number == "JK2611280009"
    pending = client_answering(httpx.Response(200, json=[{"token": "t1"}]), httpx.Response(200, json=[{"token": "t1"}]))
    with pytest.raises(CrmUnavailable, match="token t1"):
        pending.submit(REQ, "k")


@pytest.mark.parametrize("answer, error, text", [
    (httpx.Response(503, json=[{"code": 503, "description": "maintenance"}]), CrmUnavailable, "HTTP 503: maintenance"),
    (httpx.Response(429, text="slow down"), CrmUnavailable, "HTTP 429"),
    (httpx.Response(400, json=[{"code": 400, "description": "service_code unknown"}]), CrmRejected, "service_code unknown"),
    (httpx.ConnectError("refused"), CrmUnavailable, "ConnectError"),
    (httpx.ReadTimeout("slow"), CrmUnavailable, "ReadTimeout"),
])
def test_failures_are_classified_and_described_briefly(answer, error, text):
    with pytest.raises(error) as err:
        client_answering(answer).submit(REQ, "k")
    assert text in str(err.value) and len(str(err.value)) < 500


def test_statuses_read_history_and_current_status():
    c = client_answering(httpx.Response(200, json=[
        {"service_request_id": "JK1", "status": "open", "crm_status": "Proses",
         "updated_datetime": "2026-11-28T12:00:00+07:00",
         "status_history": [{"status": "Proses", "datetime": "2026-11-28T12:00:00+07:00"},
                            {"status": "Menunggu", "datetime": "2026-11-28T10:00:00+07:00"}]},
        {"service_request_id": "JK2", "status": "closed", "updated_datetime": "2026-11-28T09:00:00"},
        {"no": "id"},
    ]))
    one, two = c.statuses(["JK1", "JK2"])
    assert [ch.name for ch in one.changes()] == ["Menunggu", "Proses"]
    assert [ch.name for ch in two.changes()] == ["closed"]
    assert two.updated_at == datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # no offset: WIB
    assert client_answering().statuses([]) == []


def test_parse_time():
    assert parse_time("2026-11-28T10:00:00Z") == datetime(2026, 11, 28, 10, tzinfo=timezone.utc)
    assert parse_time("not a time") is None and parse_time(None) is None
