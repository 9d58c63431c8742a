"""A kiosk's display choices: larger text (the header's toggle) and the
screen lowered within reach (the footer's, for tall portrait kiosks), kept in
the session and gone with it (kiosk/intake/views.py display), on both
database lanes."""
import re

import pytest

from tests.flowdriver import csrf_token

CHOICES = ["text-large", "reach-low"]


def _html_class(html: str) -> set[str]:
    return set(re.search(r'<html lang="\w+" class="([^"]+)"', html).group(1).split())


def _button(html: str, choice: str) -> tuple[str, str]:
    """The toggle's (value it would send, aria-pressed)."""
    m = re.search(rf'name="on" value="(\d)" data-display="{choice}" aria-pressed="(\w+)"', html)
    assert m, f"no {choice} toggle on the page"
    return m.groups()


def _toggle(client, page_html: str, choice: str, on: str, next_url: str, base: str = "/k/tebet-timur"):
    return client.post(f"{base}/tampilan", data={"choice": choice, "on": on, "next": next_url,
                                                 "csrf_token": csrf_token(page_html)})


@pytest.mark.parametrize("choice", CHOICES)
def test_a_choice_holds_on_every_screen_until_turned_off(flow, client, choice):
    start = flow.get("/")
    assert choice not in _html_class(start.html)
    assert _button(start.html, choice) == ("1", "false")
    r = _toggle(client, start.html, choice, "1", "/k/tebet-timur/?x=1")
    assert r.status_code == 303 and r.headers["Location"] == "/k/tebet-timur/?x=1"
    flow.start()
    category = flow.get("/kategori")
    assert choice in _html_class(category.html)
    assert _button(category.html, choice) == ("0", "true")
    _toggle(client, category.html, choice, "0", "/k/tebet-timur/kategori")
    assert choice not in _html_class(flow.get("/kategori").html)


def test_the_two_choices_are_independent(flow, client):
    start = flow.get("/")
    _toggle(client, start.html, "text-large", "1", "/k/tebet-timur/")
    page = flow.get("/")
    _toggle(client, page.html, "reach-low", "1", "/k/tebet-timur/")
    page = flow.get("/")
    assert {"text-large", "reach-low"} <= _html_class(page.html)
    _toggle(client, page.html, "text-large", "0", "/k/tebet-timur/")
    page = flow.get("/")
    assert "text-large" not in _html_class(page.html) and "reach-low" in _html_class(page.html)


def test_the_lowered_screen_says_so_and_how_to_undo_it(flow, client):
    start = flow.get("/")
    assert 'class="reach-space"' not in start.html  # not sent until asked for
    _toggle(client, start.html, "reach-low", "1", "/k/tebet-timur/")
    page = flow.get("/")
    assert 'class="reach-space"' in page.html
    assert "Turunkan layar" in page.html.split('class="reach-space"')[1].split("</div>")[0]


def test_finish_gives_the_next_citizen_the_usual_screen(flow, client):
    flow.fill_all()
    review = flow.get("/periksa")
    for choice in CHOICES:
        _toggle(client, review.html, choice, "1", "/k/tebet-timur/periksa")
        review = flow.get("/periksa")
    receipt = flow.submit()
    assert set(CHOICES) <= _html_class(receipt.html)
    page = flow.post("/selesai", {})
    assert page.status == 303
    assert not set(CHOICES) & _html_class(flow.get("/").html)


def test_an_unknown_choice_is_refused_and_changes_nothing(flow, client):
    start = flow.get("/")
    _toggle(client, start.html, "text-large", "1", "/k/tebet-timur/")
    page = flow.get("/")
    r = _toggle(client, page.html, "is-kiosk", "0", "/k/tebet-timur/")
    assert r.status_code == 400
    assert "Ada yang tidak sesuai pada permintaan ini" in r.get_data(as_text=True)
    assert "text-large" in _html_class(flow.get("/").html)


def test_phones_have_no_display_toggles(flow, client):
    flow.at("/lapor")
    page = flow.get("/?kantor=0101")
    assert "data-display" not in page.html and 'class="reach-space"' not in page.html
    token = csrf_token(flow.at("/k/tebet-timur").get("/").html)
    r = client.post("/lapor/tampilan", data={"choice": "text-large", "on": "1", "next": "/lapor/",
                                             "csrf_token": token})
    assert r.status_code == 404


@pytest.mark.parametrize("target", ["https://contoh.example/", "//contoh.example/x", "javascript:alert(1)", ""])
def test_it_only_ever_goes_back_to_a_page_of_ours(flow, client, target):
    start = flow.get("/")
    r = _toggle(client, start.html, "reach-low", "1", target)
    assert r.status_code == 303 and r.headers["Location"] == "/"


def test_csrf_is_enforced(flow, client):
    flow.get("/")
    r = client.post("/k/tebet-timur/tampilan", data={"choice": "text-large", "on": "1", "next": "/k/tebet-timur/"})
    assert r.status_code == 400
    assert "text-large" not in _html_class(flow.get("/").html)
