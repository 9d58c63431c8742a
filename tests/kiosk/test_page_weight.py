"""What the two start pages carry (issue 6: first load at most 60 KB): the
kiosk's attract slides after the first come on demand, the receipt's
stylesheet only where a receipt can show, the other public pages' styles
(pages.css) only on those pages, icons and QR codes without dead bytes, the
QR codes drawing exactly the modules of the code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.helpers import ICONS, icon
from kiosk.pwa import precache
from printing.qr import qr_bits, qr_matrix, qr_svg

RECEIPT_CSS = "/printing/static/receipt.css"
PAGES_CSS = "/static/css/pages.css"
ROOT = Path(__file__).resolve().parents[2]


def _page(html: str) -> str:
    """The #page part of a document (what an htmx swap brings)."""
    return html[html.index('<div id="page"'):]


def _head(html: str) -> str:
    return html[:html.index("</head>")]


# --- the kiosk's attract screen --------------------------------------------------

def test_kiosk_start_page_holds_only_the_first_attract_slide(client):
    html = client.get("/k/tebet-timur/").get_data(as_text=True)
    dialog = re.search(r'<dialog id="attract".*?</dialog>', html, re.S).group(0)
    assert len(re.findall(r"data-attract-slide(?=[\s>])", dialog)) == 1
    assert "attract__slide--touch" in dialog and 'id="attract-title"' in dialog
    assert dialog.count('class="qr"') == 1  # the phone flow's code; the channels' come later
    assert "attract-channel" not in html
    assert 'data-slides="/k/tebet-timur/layar-tunggu?lang=id"' in dialog
    # Was 47 KB with every slide. (The first-load budget itself, compressed, is bench/weight.py's.)
    assert len(html.encode()) < 21_000


def test_attract_slides_come_from_their_own_url(client):
    r = client.get("/k/tebet-timur/layar-tunggu?lang=id")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" not in html and "<dialog" not in html  # a fragment for the dialog
    slides = re.findall(r"<section class=\"attract__slide [^\"]*\" data-attract-slide hidden>", html)
    assert len(slides) >= 3  # channels (two slides), hours
    assert html.count("attract-channel\"") >= 5 and html.count('class="qr"') >= 5
    assert 'class="hours-list hours-list--large"' in html
    english = client.get("/k/tebet-timur/layar-tunggu?lang=en").get_data(as_text=True)
    assert "Other official channels" in english


def test_attract_slides_are_for_kiosks_only(client):
    assert client.get("/lapor/layar-tunggu").status_code == 404
    assert client.get("/k/no-such-kiosk/layar-tunggu").status_code == 404


# --- receipt.css: where a receipt can show -----------------------------------------

def test_start_pages_do_not_load_the_receipt_stylesheet(client):
    for path in ("/k/tebet-timur/", "/lapor/"):
        assert RECEIPT_CSS not in client.get(path).get_data(as_text=True), path


def test_kiosk_flow_screens_link_it_inside_page_for_htmx_swaps(flow):
    flow.start()
    html = flow.get("/kategori").html
    # Linked inside #page (htmx swaps #page, never <head>), kept across swaps
    # (hx-preserve: the receipt screen finds it applied, no unstyled flash).
    assert RECEIPT_CSS not in _head(html)
    assert re.search(r'<link id="receipt-css" rel="stylesheet" href="/printing/static/receipt.css" hx-preserve>',
                     _page(html))
    number = flow.file_complaint()
    receipt = flow.get("/tanda-terima").html
    assert number in receipt and RECEIPT_CSS in _page(receipt)


def test_offline_kiosk_shell_and_phone_receipt_pages_keep_it(client, flow):
    assert RECEIPT_CSS in _page(client.get("/k/tebet-timur/luring/").get_data(as_text=True))
    flow.at("/lapor")
    flow.file_complaint()
    receipt = flow.get("/tanda-terima").html
    assert RECEIPT_CSS in _head(receipt)


# --- pages.css: the other public pages' own rules -----------------------------------

def test_start_pages_do_not_load_the_pages_stylesheet(client, flow):
    for path in ("/k/tebet-timur/", "/lapor/", "/laporan-saya", "/k/tebet-timur/luring/"):
        assert PAGES_CSS not in client.get(path).get_data(as_text=True), path
    flow.start()
    assert PAGES_CSS not in flow.get("/kategori").html  # a kiosk's flow screens neither


def test_other_public_pages_link_it_in_head(client):
    # In <head> of every page that is neither a kiosk's nor the phone shell's:
    # a boosted link keeps the <head> of the page it left (htmx swaps #page).
    for path in ("/", "/kanal", "/lacak/", "/lacak/0101-26-99999-6", "/luring", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert PAGES_CSS in _head(html), path
        assert html.index("/static/css/app.css") < html.index(PAGES_CSS), path  # after app.css: same cascade


def test_the_worker_precaches_it(app):
    assert PAGES_CSS in precache.build(app).urls  # /kanal and /luring offline


def _classes_styled(sheet: str) -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "kiosk/static/css" / sheet).read_text(), flags=re.S)
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", re.sub(r"\{[^{}]*\}", "{}", css)))


def test_no_start_page_or_flow_screen_uses_a_class_styled_only_in_pages_css():
    """The kiosk (every screen, receipt, idle dialog, attract screen, assisted
    mode), the phone shell and "Laporan saya", the error pages: their templates
    and scripts use no class whose rules are only in pages.css (they never load it)."""
    only_pages = _classes_styled("pages.css") - _classes_styled("app.css")
    assert {"track", "timeline__item", "channel", "panel"} <= only_pages  # the sheet is read
    elsewhere = ("channels/", "tracking/", "main/index.html", "pwa/offline.html", "console/")
    templates = [p for p in (ROOT / "kiosk/templates").rglob("*.html")
                 if not p.relative_to(ROOT / "kiosk/templates").as_posix().startswith(elsewhere)]
    templates.append(ROOT / "printing/templates/receipt/_receipt.html")
    used, prefixes = set(), set()
    for path in templates:
        for value in re.findall(r'class="([^"]*)"', path.read_text()):
            prefixes |= set(re.findall(r"([\w-]+--)\{\{", value))  # badge--{{ tone }}
            used |= set(re.findall(r"[\w-]+", re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", value)))
    for path in (ROOT / "kiosk/static/js").glob("*.js"):
        if path.name != "console.js":
            for literal in re.findall(r'"([^"\n]*)"|\'([^\'\n]*)\'|`([^`]*)`', path.read_text()):
                used |= set(re.findall(r"[\w-]+", " ".join(literal)))
    assert not used & only_pages
    assert not {c for c in only_pages for p in prefixes if c.startswith(p)}


# --- compact markup ----------------------------------------------------------------

def test_icons_are_inlined_without_dead_markup():
    for path in sorted(ICONS.glob("*.svg")):
        svg = str(icon(path.stem))
        assert svg.startswith('<svg aria-hidden="true" focusable="false" class="icon" ')
        assert svg.count("class=") == 1 and "icon-tabler" not in svg
        assert "M0 0h24v24H0z" not in svg and "\n" not in svg
        assert 'viewBox="0 0 24 24"' in svg and 'stroke="currentColor"' in svg
    assert 'class="icon big"' in str(icon("x", "big"))


def _modules_drawn(svg: str, size: int) -> list[list[bool]]:
    """Reads the path back: which modules its horizontal runs cover."""
    d = re.search(r' d="([^"]+)"', svg).group(1)
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", d):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            row = int(y - 0.5)
            for col in range(int(x), int(x + float(a))):
                assert not grid[row][col], "a module drawn twice"
                grid[row][col] = True
            x += float(a)
    return grid


@pytest.mark.parametrize("data", [
    "https://kios.example/lacak/0101-26-00001-0",
    "https://www.google.com/maps/search/?api=1&query=Kantor+Lurah+Tebet+Timur",
    "sms:08111272206",
])
def test_qr_svg_draws_exactly_the_dark_modules_with_relative_moves(data):
    matrix = qr_matrix(data)
    svg = qr_svg(data)
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in svg
    assert _modules_drawn(svg, len(matrix)) == [list(row) for row in matrix]
    # One absolute move, then relative ones: small numbers.
    d = re.search(r' d="([^"]+)"', svg).group(1)
    assert d.count("M") == 1 and d.startswith("M")


@pytest.mark.parametrize("data", ["https://kios.example/lacak/0101-26-00001-0", "sms:08111272206"])
def test_qr_bits_pack_exactly_the_modules_row_by_row(data):
    import base64

    matrix = qr_matrix(data)
    packed = qr_bits(data)
    assert packed["size"] == len(matrix)
    raw = base64.b64decode(packed["bits"])
    n = len(matrix)
    unpacked = [[bool(raw[(y * n + x) >> 3] & (0x80 >> ((y * n + x) & 7))) for x in range(n)] for y in range(n)]
    assert unpacked == [list(row) for row in matrix]
    assert len(raw) == (n * n + 7) // 8


def test_a_kiosks_leased_numbers_carry_their_codes_packed(app, client):
    """Every kiosk's first load fetches ten leased numbers: their codes packed,
    not as SVG (a third of the bytes; the page draws the SVG)."""
    r = client.post("/k/tebet-timur/api/nomor", json={}, headers={"Origin": app.config["PUBLIC_BASE_URL"]})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    body = r.get_data()
    assert b"<svg" not in body
    numbers = r.get_json()["numbers"]
    svg_bytes = sum(len(qr_svg(n["tracking_url"]).encode()) for n in numbers)
    assert len(body) * 3 < svg_bytes
