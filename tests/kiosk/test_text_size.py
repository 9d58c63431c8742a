"""Larger text on kiosks: the header's toggle, kept in the session and gone
with it (kiosk/intake/views.py text_size), on both database lanes."""
import re

import pytest

from tests.flowdriver import csrf_token

_PRESSED = re.compile(r'name="size" value="(\w+)" aria-pressed="(\w+)"')


def _html_class(html: str) -> str:
    return re.search(r'<html lang="\w+" class="([^"]+)"', html).group(1)


def _toggle(client, page_html: str, size: str, next_url: str, base: str = "/k/tebet-timur"):
    return client.post(f"{base}/huruf", data={"size": size, "next": next_url, "csrf_token": csrf_token(page_html)})


def test_the_toggle_enlarges_every_screen_until_turned_off(flow, client):
    start = flow.get("/")
    assert "text-large" not in _html_class(start.html)
    assert _PRESSED.search(start.html).groups() == ("large", "false")
    r = _toggle(client, start.html, "large", "/k/tebet-timur/?x=1")
    assert r.status_code == 303 and r.headers["Location"] == "/k/tebet-timur/?x=1"
    flow.start()
    category = flow.get("/kategori")
    assert "text-large" in _html_class(category.html)
    assert _PRESSED.search(category.html).groups() == ("normal", "true")
    _toggle(client, category.html, "normal", "/k/tebet-timur/kategori")
    assert "text-large" not in _html_class(flow.get("/kategori").html)


def test_finish_gives_the_next_citizen_the_usual_size(flow, client):
    flow.fill_all()
    review = flow.get("/periksa")
    _toggle(client, review.html, "large", "/k/tebet-timur/periksa")
    receipt = flow.submit()
    assert "text-large" in _html_class(receipt.html)
    page = flow.post("/selesai", {})
    assert page.status == 303
    assert "text-large" not in _html_class(flow.get("/").html)


def test_phones_have_no_text_size_button(flow, client):
    flow.at("/lapor")
    page = flow.get("/?kantor=0101")
    assert 'name="size"' not in page.html
    token = csrf_token(flow.at("/k/tebet-timur").get("/").html)
    r = client.post("/lapor/huruf", data={"size": "large", "next": "/lapor/", "csrf_token": token})
    assert r.status_code == 404


@pytest.mark.parametrize("target", ["https://contoh.example/", "//contoh.example/x", "javascript:alert(1)", ""])
def test_it_only_ever_goes_back_to_a_page_of_ours(flow, client, target):
    start = flow.get("/")
    r = _toggle(client, start.html, "large", target)
    assert r.status_code == 303 and r.headers["Location"] == "/"


def test_csrf_is_enforced(flow, client):
    flow.get("/")
    r = client.post("/k/tebet-timur/huruf", data={"size": "large", "next": "/k/tebet-timur/"})
    assert r.status_code == 400
    assert "text-large" not in _html_class(flow.get("/").html)
