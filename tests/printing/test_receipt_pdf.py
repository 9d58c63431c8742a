"""Receipt PDFs: what they say, where they draw, how long the roll is, the QR code.

Every variant (58 and 80 mm rolls, A6, A4; Indonesian, English, anonymous,
very long name and address) is rendered to PNG under test-artifacts/receipts/
for people to look at.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from io import BytesIO

import pytest
from markupsafe import Markup

from printing import receipts
from printing.receipts import PAPER_MM, PRINTABLE_MM, ReceiptCache, SizeError, render_html, render_pdf
from tests.conftest import ARTIFACTS, ROOT
from tests.printing import paper
from tests.printing.samples import ANONYMOUS, ENGLISH, INDONESIAN, LONG, LONG_NAME, VARIANTS

DPI = 300
OUT = ARTIFACTS / "receipts"
SHEETS = {"a6": (105, 148), "a4": (210, 297)}


def number_pattern(number: str) -> re.Pattern:
    return re.compile(r"\s*".join(re.escape(group) for group in number.split("-")))


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("size", receipts.SIZES)
def test_receipt_variant(size, variant):
    data = VARIANTS[variant]
    pdf = render_pdf(data, size)
    OUT.mkdir(parents=True, exist_ok=True)
    image = paper.png(pdf, OUT / f"receipt-{size}-{variant}.png", dpi=DPI)

    # One page of the right paper (an A6 sheet lets extreme content flow onto a second).
    sizes = paper.page_sizes_mm(pdf)
    assert len(sizes) == 1 or (size == "a6" and variant == "long" and len(sizes) == 2), sizes
    width, height = sizes[0]
    assert width == pytest.approx(PAPER_MM[size], abs=0.1)
    if size in SHEETS:
        assert height == pytest.approx(SHEETS[size][1], abs=0.1)

    # What it says.
    text = paper.text(pdf)
    flat = " ".join(text.split())
    assert number_pattern(data.number).search(text), text
    for expected in (data.office_title, data.category, "112"):
        assert expected in flat, (expected, flat)
    assert "Kelurahan" in flat and "WIB" in flat
    squashed = re.sub(r"\s+", "", text).lower()  # headings are spaced capitals
    assert ("apayangterjadiselanjutnya" in squashed) == (data.language == "id")
    assert ("whathappensnext" in squashed) == (data.language == "en")
    if data.crm_number:
        assert data.crm_number in flat
    if data.reporter_name is None:
        assert "Siti" not in flat and "Anonim" in flat
    elif variant == "long":
        assert "Raden Ajeng" in flat and "Hadiningrat" in flat.replace(" ", "")
    else:
        assert data.reporter_name in flat

    # Nothing outside the printable width: no word box, no ink.
    left = (PAPER_MM[size] - PRINTABLE_MM[size]) / 2
    right = left + PRINTABLE_MM[size]
    for page_words in paper.words(pdf):
        for word in page_words:
            assert left - 0.3 <= word.x0 and word.x1 <= right + 0.3, (word, left, right)
    ink_left, ink_top, ink_right, ink_bottom = paper.ink_box_mm(image, DPI)
    assert ink_left >= left - 0.3 and ink_right <= right + 0.3, (ink_left, ink_right, left, right)

    # The QR code, read back from the printed image, is the tracking URL.
    assert paper.qr_codes(image) == [data.tracking_url]

    if size in receipts.THERMAL:
        # The roll ends just below the last line: no blank paper after it.
        tail = height - ink_bottom
        assert 2.5 <= tail <= 6.5, tail
        assert 1.5 <= ink_top <= 5, ink_top


@pytest.mark.parametrize("size", receipts.THERMAL)
def test_roll_length_follows_the_content(size):
    short = replace(INDONESIAN, location="", crm_number=None, reporter_name=None, identity_label="Anonim")
    heights = {}
    for name, data in (("short", short), ("long", LONG)):
        pdf = render_pdf(data, size)
        (width, heights[name]), = paper.page_sizes_mm(pdf)
        last_line = max(w.y1 for w in paper.words(pdf)[0])
        assert heights[name] - last_line <= 7, (name, heights[name], last_line)
    assert heights["long"] > heights["short"] + 10


def test_narrow_roll_wraps_long_names_inside_the_print_head():
    pdf = render_pdf(LONG, "58")
    words = paper.words(pdf)[0]
    assert max(w.x1 for w in words) <= 53.3 and min(w.x0 for w in words) >= 4.7
    # The unbroken family name is split over lines rather than cut off.
    joined = "".join(w.text for w in words)
    assert LONG_NAME.replace(" ", "") in joined


def test_html_is_one_template_with_the_size_as_a_class():
    page = render_html(INDONESIAN, "58")
    assert 'class="paper paper--58"' in page and 'class="rcpt rcpt--58"' in page
    # The QR code is a PNG (WeasyPrint draws an SVG path in Python); fonts come with the stylesheet.
    assert '<img class="qr" src="data:image/png;base64,' in page and "<svg" not in page
    assert "Plus Jakarta Sans" not in page
    assert render_html(INDONESIAN, "a4").count('data-receipt="0101-26-00042-8"') == 1
    with pytest.raises(SizeError):
        render_html(INDONESIAN, "a5")


def test_pdf_html_drops_only_the_whitespace_that_shows_nowhere():
    page = render_html(LONG, "80")  # a CRM number and a location
    assert re.search(r">\s+</?(?:p|div|dl|dt|dd|ol|li|section|figure)\b", page) is None
    assert "</span> <strong>JK2611280342</strong>" in page  # spaces between inline boxes stay
    assert "</span> Kelurahan Cilandak Barat" in page


def test_screen_keeps_what_only_the_screen_needs():
    """The same partial on a screen: the office row, and the text beside each icon in a box of its own
    (flex rows); the PDF has neither (fewer boxes to lay out)."""
    env = receipts.jinja_env("id")
    icon = lambda name: Markup(f'<svg class="icon {name}"></svg>')  # noqa: E731
    screen = env.get_template("receipt/_receipt.html").render(
        receipt=INDONESIAN, size="screen", qr_src="/qr.svg", icon=icon)
    assert 'class="rcpt__screen-only"' in screen
    assert '<svg class="icon sos"></svg><span>' in screen and '<svg class="icon shield-lock"></svg><span>' in screen
    pdf_html = render_html(INDONESIAN, "a6")
    assert "rcpt__screen-only" not in pdf_html and '<p class="sos"><span>' not in pdf_html


def test_pdf_markup_holds_only_what_is_drawn():
    """The PDF's markup: no ARIA labels or ids, no <br> before the URL's block, the URL's break
    opportunity as a zero-width space (each is a box WeasyPrint builds); the screen keeps them."""
    env = receipts.jinja_env("id")
    screen = env.get_template("receipt/_receipt.html").render(receipt=INDONESIAN, size="screen", qr_src="/qr.svg")
    for kept in ('aria-labelledby="rcpt-label"', 'id="rcpt-label"', 'aria-label="Nomor pengaduan 0101 26 00042 8"',
                 'alt="', "<br>", "/<wbr>0101-26-00042-8", 'id="next-title"'):
        assert kept in screen, kept
    for size in receipts.SIZES:
        page = render_html(INDONESIAN, size)
        assert not re.search(r" (aria-[a-z]+|id|alt)=", page), size
        assert "<br>" not in page and "<wbr>" not in page
        assert "/lacak/\u200b0101-26-00042-8</span>" in page
        assert 'data-receipt="0101-26-00042-8"' in page


def test_receipt_user_agent_stylesheet_covers_the_template():
    """PDFs use a user-agent stylesheet for the receipt's own elements (RECEIPT_UA_CSS) instead of
    WeasyPrint's html5_ua.css: every element a receipt holds must be one it styles."""
    from weasyprint import HTML

    # WeasyPrint asks the document for its user-agent stylesheets: a WeasyPrint without this
    # hook would quietly use html5_ua.css again (slower, not wrong).
    assert "_ua_stylesheets" in vars(HTML)
    assert issubclass(receipts.renderer().HTML, HTML)
    for size in receipts.SIZES:
        for data in VARIANTS.values():
            tags = set(re.findall(r"<([a-z][a-z0-9]*)", render_html(replace(data, crm_number="JK1"), size)))
            assert tags <= receipts.RECEIPT_ELEMENTS, tags - receipts.RECEIPT_ELEMENTS
    for tag in receipts.RECEIPT_ELEMENTS - {"span", "strong", "b", "img", "br", "wbr"}:
        assert re.search(rf"(^|[ ,]){tag}[ ,]", receipts.RECEIPT_UA_CSS, re.M), tag


def test_personal_data_that_is_not_on_the_receipt_data_cannot_reach_it():
    """The data carries no NIK, phone, e-mail or description fields at all."""
    fields = set(receipts.ReceiptData.__dataclass_fields__)
    assert not fields & {"nik", "reporter_nik", "phone", "reporter_phone", "email", "reporter_email", "description"}


def test_fonts_are_the_vendored_plus_jakarta_sans():
    pdf = render_pdf(INDONESIAN, "80")
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Plus-Jakarta-Sans" in fonts, fonts
    assert "DejaVu" not in fonts


# --- WeasyPrint set-up --------------------------------------------------------

def test_weasyprint_is_set_up_once_per_process():
    first = receipts.renderer()
    render_pdf(INDONESIAN, "80")
    assert receipts.renderer() is first
    assert first.font_config is receipts.renderer().font_config
    assert all(first.sheets(size) == receipts.renderer().sheets(size) for size in receipts.SIZES)
    assert first.sheets("58")[0] is not first.sheets("80")[0]  # one parsed stylesheet per paper


def test_paper_stylesheet_resolves_custom_properties_and_drops_other_papers():
    css = receipts.STYLESHEET.read_text(encoding="utf-8")
    assert "var(--r-width)" in css  # the browser reads the file with its custom properties
    narrow, a6 = receipts.paper_stylesheet(css, "58"), receipts.paper_stylesheet(css, "a6")
    for sheet in (narrow, a6):
        assert "var(" not in sheet and "--r-" not in sheet
        assert ".paper--a4" not in sheet and ":has(" not in sheet and "@media" not in sheet
    assert ".paper .rcpt { display: block; width: 48mm;" in narrow and ".paper--a6" not in narrow
    assert ".paper .rcpt { display: block; width: 89mm;" in a6
    assert "border: 0.35mm solid #0b4f6c; border-radius: 0.14em; background: #e6f1f5;" in a6
    assert "grid-template-columns: minmax(0, 1fr) 27mm;" in a6
    with pytest.raises(ValueError, match="--r-qr"):
        receipts.paper_stylesheet("@media print { .rcpt .qr { --r-qr: 1mm } }", "80")


def test_qr_code_is_an_image_drawn_without_smoothing():
    """A PNG with /Interpolate false, and a whole number of pixels (at least 4) per module
    for viewers that smooth images anyway (Apple's): square modules at any zoom."""
    from pypdf import PdfReader

    from printing.qr import qr_matrix

    pdf = render_pdf(INDONESIAN, "80")
    images = [obj.get_object() for obj in PdfReader(BytesIO(pdf)).pages[0]["/Resources"]["/XObject"].values()]
    images = [image for image in images if image["/Subtype"] == "/Image"]
    assert len(images) == 1
    assert images[0]["/Interpolate"] is False or str(images[0]["/Interpolate"]).lower() == "false"
    assert images[0]["/ColorSpace"] == "/DeviceGray"
    modules = len(qr_matrix(INDONESIAN.tracking_url))
    assert images[0]["/Width"] == images[0]["/Height"] and images[0]["/Width"] % modules == 0
    assert images[0]["/Width"] >= 4 * modules


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.com/font.woff",
    "ftp://example.com/x",
    "file:///etc/passwd",
    (ROOT / "pyproject.toml").as_uri(),
    (receipts.FONT_DIR / ".." / ".." / ".." / ".." / "pyproject.toml").as_uri(),
])
def test_url_fetcher_refuses_outside_urls_and_files(url):
    with pytest.raises(receipts.RefusedURL):
        receipts.renderer().url_fetcher.fetch(url)


def test_url_fetcher_loads_the_fonts_and_data_urls():
    fetcher = receipts.renderer().url_fetcher
    font = next(receipts.FONT_DIR.glob("*-400-normal.woff"))
    assert fetcher.fetch(font.as_uri()).read()[:4] == b"wOFF"
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    png = fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")
    assert (png.content_type, png.read()) == ("image/png", b"\x89PNG\r\n\x1a\n")
    text = fetcher.fetch("data:,a%20b")
    assert (text.content_type, text.charset, text.read()) == ("text/plain", "US-ASCII", b"a b")


def test_a_document_pointing_outside_loads_nothing(monkeypatch):
    """Even HTML that names outside resources makes no request: the fetcher refuses."""
    from weasyprint import HTML

    asked = []
    fetcher = receipts.renderer().url_fetcher
    original = type(fetcher).fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(type(fetcher), "fetch", spy)
    html = '<img src="http://127.0.0.1:9/a.png"><link rel="stylesheet" href="https://example.com/x.css">'
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=receipts.renderer().font_config)
    assert pdf.startswith(b"%PDF") and len(asked) == 2


# --- cache ------------------------------------------------------------------------

def test_a_reprint_is_not_rendered_again_unless_the_content_changed(tmp_path):
    renderer = receipts.renderer()
    cache = ReceiptCache(tmp_path, renderer=renderer)
    before = renderer.renders
    first = cache.pdf(INDONESIAN, "80")
    assert renderer.renders == before + 1
    assert cache.pdf(INDONESIAN, "80") == first
    assert renderer.renders == before + 1

    # A restarted process reprints from the file cache.
    again = ReceiptCache(tmp_path, renderer=renderer)
    assert again.pdf(INDONESIAN, "80") == first
    assert renderer.renders == before + 1
    assert len(list(tmp_path.glob("0101-26-00042-8-80-*.pdf"))) == 1

    # The CRM number arrives: new content, rendered once more; the old file goes.
    with_crm = replace(INDONESIAN, crm_number="JK2611280001")
    pdf = again.pdf(with_crm, "80")
    assert renderer.renders == before + 2 and pdf != first
    assert "JK2611280001" in paper.text(pdf)
    assert len(list(tmp_path.glob("0101-26-00042-8-80-*.pdf"))) == 1
    # Another size is another PDF; forget() removes them all.
    again.pdf(with_crm, "58")
    assert renderer.renders == before + 3
    again.forget("0101-26-00042-8")
    assert not list(tmp_path.glob("0101-26-00042-8-*.pdf"))


def test_cache_key_covers_content_size_and_template_version():
    cache = ReceiptCache(None, renderer=receipts.renderer())
    keys = {cache.key(INDONESIAN, "80"), cache.key(INDONESIAN, "58"), cache.key(ENGLISH, "80"),
            cache.key(ANONYMOUS, "80"), cache.key(replace(INDONESIAN, crm_number="JK1"), "80")}
    assert len(keys) == 5
    assert cache.key(INDONESIAN, "80") == cache.key(replace(INDONESIAN), "80")


# --- the library's boundary --------------------------------------------------------

def test_printing_imports_neither_the_web_layer_nor_the_models():
    code = ("import sys, printing.receipts, printing.escpos, printing.qr; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'backend', 'flask')); "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
