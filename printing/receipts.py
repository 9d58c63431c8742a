"""Complaint receipts: one template for the screen, the print stylesheet and PDFs.

This module is handed plain data (`ReceiptData`); it knows nothing of the web
layer or the database. The web layer builds the data (kiosk/receipts.py) in the
citizen's language, then asks for

    render_html(data, size)   a whole HTML document (QR code as a PNG data URL)
    render_pdf(data, size)    its PDF, rendered now
    ReceiptCache(dir).pdf(data, size)   the same, cached by content

with `size` one of SIZES: "58" and "80" (thermal rolls, printable width 48 and
72 mm, the page exactly as long as its content), "a6" and "a4".

WeasyPrint is set up once per process (`Renderer`): the fonts (the project's
vendored Plus Jakarta Sans, the same files the screen uses), a
`FontConfiguration`, the parsed stylesheet of each paper, and a URL fetcher
that loads nothing but `data:` URLs and files under the font and stylesheet
folders.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import re
import threading
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from printing.pdfcache import PdfCache
from printing.qr import qr_png_data_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STYLESHEET = STATIC / "receipt.css"

# The project's one copy of each: the vendored web fonts (the screen uses the
# same files) and the one message catalogue. `configure()` changes them.
FONT_DIR = ROOT / "kiosk" / "static" / "vendor" / "plus-jakarta-sans"
TRANSLATIONS_DIR = ROOT / "kiosk" / "translations"

SIZES = ("58", "80", "a6", "a4")
THERMAL = ("58", "80")
LANGUAGES = ("id", "en")
# Paper width and the width the print head reaches (design notes, §4).
PAPER_MM = {"58": 58, "80": 80, "a6": 105, "a4": 210}
PRINTABLE_MM = {"58": 48, "80": 72, "a6": 89, "a4": 170}
# @page per size: rolls are laid out on a very tall page, then cut to their
# content (fit_to_content); sheets keep a margin at the top and bottom.
PAGE_CSS = {
    "58": "size: 58mm 2000mm; margin: 0",
    "80": "size: 80mm 2000mm; margin: 0",
    "a6": "size: 105mm 148mm; margin: 6mm 0 5mm",
    "a4": "size: 210mm 297mm; margin: 16mm 0 14mm",
}

log = logging.getLogger(__name__)


class SizeError(ValueError):
    """Not one of SIZES."""


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on a receipt, already in the citizen's language.

    No NIK, phone number, e-mail or description ever; the reporter's name
    only for complaints filed with a name (`identity == "named"`).
    """

    language: str  # "id" | "en"
    number: str  # 0101-26-00042-8
    office_title: str  # where it came in: "Kelurahan Tebet Timur"
    office_address: str  # "" when unknown
    received_at: str  # "28 November 2026, 08.00 WIB"
    channel: str  # "Kios kantor"
    category: str  # "Jalan rusak / berlubang"
    place: str  # "Kelurahan Tebet Timur, Kecamatan Tebet"
    location: str  # the address or landmark, trimmed, contact details removed; may be ""
    tracking_url: str
    crm_number: str | None
    next_steps: tuple[str, ...]
    follow_up_by: str  # the date by which the follow-up is due: "5 Desember 2026"
    privacy_notice: str
    identity_label: str  # "Dengan nama" | "Anonim" | "Rahasia"
    reporter_name: str | None = None  # named complaints only
    emergency_number: str = "112"

    def __post_init__(self):
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}: {self.language!r}")
        object.__setattr__(self, "next_steps", tuple(self.next_steps))

    @property
    def summary(self) -> str:
        """A one-line summary without personal data: what, and where."""
        where = ", ".join(part for part in (self.location, self.place) if part)
        return f"{self.category} — {where}"

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def check_size(size: str) -> str:
    size = str(size).lower()
    if size not in SIZES:
        raise SizeError(f"size must be one of {', '.join(SIZES)}: {size!r}")
    return size


# --- translations and templates ---------------------------------------------

@lru_cache(maxsize=None)
def translations(lang: str, directory: str | None = None) -> NullTranslations:
    """The project's catalogue for `lang` (English is the msgid language)."""
    found = Translations.load(directory or str(TRANSLATIONS_DIR), [lang], domain="messages")
    return found if isinstance(found, Translations) else NullTranslations()


def jinja_env(lang: str, directory: str | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    env.install_gettext_translations(translations(lang, directory), newstyle=True)
    return env


# --- WeasyPrint: set up once per process --------------------------------------

def font_faces(font_dir: Path) -> str:
    """@font-face rules for WeasyPrint: WOFF (latin) and WOFF2 (latin-ext).
    Shared by every printed document so that paper matches the screen."""
    rules = []
    for weight in (400, 700, 800):
        for subset, ext, fmt, urange in (
            ("latin", "woff", "woff", None),
            ("latin-ext", "woff2", "woff2", "U+0100-024F, U+1E00-1EFF, U+2020, U+20A0-20C0, U+2113"),
        ):
            path = font_dir / f"plus-jakarta-sans-{subset}-{weight}-normal.{ext}"
            if not path.is_file():
                continue
            rules.append(
                "@font-face { font-family: 'Plus Jakarta Sans'; font-style: normal; "
                f"font-weight: {weight}; src: url('{path.as_uri()}') format('{fmt}');"
                + (f" unicode-range: {urange};" if urange else "")
                + " }"
            )
    if not rules:
        raise FileNotFoundError(f"no Plus Jakarta Sans font files in {font_dir}")
    return "\n".join(rules)


def paper_css(css: str) -> str:
    """The stylesheet as WeasyPrint reads it: without its browser-only rules."""
    return re.sub(r"/\* browser-only: start.*?/\* browser-only: end \*/", "", css, flags=re.S)


# Whitespace just before a block-level tag shows nowhere (white-space: normal
# drops it at the end of a line), yet WeasyPrint builds boxes for it first.
BLOCK_GAP = re.compile(
    r">\s+(?=</?(?:html|head|meta|title|body|article|header|section|div|p|h2|dl|dt|dd|ol|li|figure|figcaption)[\s>])")

PAPER_VAR = re.compile(r"--r-[\w-]+")
PAPER_CLASS = re.compile(r"\.paper--([\w-]+)")


def paper_stylesheet(css: str, size: str) -> str:
    """The stylesheet as WeasyPrint reads it for one paper: its print part,
    without browser-only rules, with the paper's custom properties (`--r-*`,
    declared on `.paper` and `.paper--<size>`) written in place of `var()`,
    and without the rules of other papers.

    Why: WeasyPrint resolves and re-validates a `var()` declaration on every
    element at every render; resolved once per size here, the cascade holds
    plain values. The browser reads the file as it is.
    """
    import tinycss2
    from tinycss2.serializer import serialize_identifier

    def parse(text):
        return tinycss2.parse_rule_list(text, skip_comments=True, skip_whitespace=True)

    def parse_declarations(content):
        return tinycss2.parse_declaration_list(content, skip_comments=True, skip_whitespace=True)

    rules = []
    for rule in tinycss2.parse_stylesheet(paper_css(css), skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "media":
            media = tinycss2.serialize(rule.prelude).strip().lower()
            if media == "print":
                rules.extend(parse(rule.content))
                continue
            if media == "screen":
                continue
        rules.append(rule)

    def selectors(rule):
        parts, current = [], []
        for token in rule.prelude:
            if token.type == "literal" and token.value == ",":
                parts.append(tinycss2.serialize(current).strip())
                current = []
            else:
                current.append(token)
        parts.append(tinycss2.serialize(current).strip())
        return parts

    # (selectors, declarations) of each style rule; other rules as text.
    parsed = [
        (selectors(rule), [d for d in parse_declarations(rule.content) if d.type == "declaration"])
        if rule.type == "qualified-rule" else tinycss2.serialize([rule])
        for rule in rules
    ]

    # The paper's custom properties, in source order (.paper--<size> after .paper).
    values = {}
    for names, decls in (item for item in parsed if not isinstance(item, str)):
        papers = all(re.fullmatch(r"\.paper(--[\w-]+)?", name) for name in names)
        for decl in decls:
            if PAPER_VAR.fullmatch(decl.name):
                if not papers:  # would depend on the element: not resolvable here
                    raise ValueError(f"{decl.name} is declared outside .paper / .paper--<size>: {names}")
                if set(names) <= {".paper", f".paper--{size}"}:
                    values[decl.name] = tinycss2.serialize(decl.value).strip()

    def resolve(tokens):
        out = []
        for token in tokens:
            if token.type == "function":
                args = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
                if token.lower_name == "var" and args and args[0].type == "ident" and args[0].value in values:
                    out.append(values[args[0].value])
                else:
                    out.append(f"{serialize_identifier(token.name)}({resolve(token.arguments)})")
            elif token.type == "() block":
                out.append(f"({resolve(token.content)})")
            else:
                out.append(tinycss2.serialize([token]))
        return "".join(out)

    text = []
    for item in parsed:
        if isinstance(item, str):
            text.append(item)
            continue
        names, decls = item
        # The document's <html> has the classes paper and paper--<size> only.
        kept = [name for name in names if all(m == size for m in PAPER_CLASS.findall(name))]
        body = [f"{d.name}: {resolve(d.value).strip()}{' !important' if d.important else ''};"
                for d in decls if not PAPER_VAR.fullmatch(d.name)]
        if kept and body:
            text.append(f"{', '.join(kept)} {{ {' '.join(body)} }}")
    return "\n".join(text)


# WeasyPrint's own user-agent stylesheet (html5_ua.css) styles every HTML
# element and gives every element six pseudo-elements (::marker,
# ::footnote-call, ::footnote-marker, ::note-call, ::note-marker,
# ::note-callback) whose styles it computes at every render: 340 of a
# receipt's 400 computed styles, and the cascade matches the receipt's
# elements against some 200 rules. A receipt holds a known handful of
# elements (the template's, test_receipt_ua_covers_the_template checks);
# these are html5_ua.css's rules for them, in its order, and its @page (its
# counter styles stay: WeasyPrint keeps them apart). The receipt's
# stylesheet overrides most of them anyway.
RECEIPT_UA_CSS = r"""
head, meta, title, [hidden] { display: none }
html, body, article, header, section, div, p, h2, dl, dt, dd, ol, figure, figcaption { display: block }
li { display: list-item }
p, dl, ol, figure { margin-top: 1em; margin-bottom: 1em }
body { margin: 8px }
h2 { margin-top: .83em; margin-bottom: .83em }
figure { margin-left: 40px; margin-right: 40px }
dd { margin-left: 40px }
ol { padding-left: 40px }
b, strong { font-weight: bold }
h2 { font-size: 1.5em; font-weight: bold }
ol { list-style-type: decimal }
li::marker { font-variant-numeric: tabular-nums; white-space: pre; text-transform: none }
img { overflow: hidden }
br::before { content: "\A"; white-space: pre-line }
wbr::before { content: "\200B" }
ol { counter-reset: list-item }
h2 { bookmark-level: 2; bookmark-label: content(text) }
h2 { hyphens: manual; break-after: avoid; break-inside: avoid }
ol { break-before: avoid }
@page { margin: 75px }
"""
# The elements RECEIPT_UA_CSS styles as html5_ua.css does (span, strong,
# img, br and wbr are inline, as everywhere).
RECEIPT_ELEMENTS = frozenset(
    "html head meta title body article header section div p h2 dl dt dd ol li figure figcaption "
    "span strong b img br wbr".split())


def receipt_html_class(ua_sheet):
    """weasyprint.HTML with the receipt's user-agent stylesheet in place of
    html5_ua.css (WeasyPrint asks the document for it: `_ua_stylesheets`)."""
    from weasyprint import HTML

    class ReceiptHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [ua_sheet]

    return ReceiptHTML


class RefusedURL(ValueError):
    pass


@lru_cache(maxsize=32)
def content_headers(content_type: str):
    """Response headers with this Content-Type, parsed once: WeasyPrint keeps
    headers as an email.message.EmailMessage, whose header parser takes
    longer than decoding the QR code's PNG. Shared, so never changed:
    WeasyPrint only reads them (it adds a charset to str bodies only)."""
    from email.message import EmailMessage

    headers = EmailMessage()
    headers["Content-Type"] = content_type
    return headers


def make_url_fetcher(allowed_dirs):
    """A WeasyPrint URL fetcher for `data:` URLs and files under `allowed_dirs`.

    Anything else (http, https, ftp, files elsewhere) is refused: a receipt
    never makes the server fetch a URL, whatever a field contains.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(Path(d).resolve() for d in allowed_dirs)

    class ReceiptURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                # Decoded here: urllib's data: handler and WeasyPrint's IRI
                # quoting walk the whole URL (the QR code's PNG) character by
                # character, 2% of a receipt's render.
                media, comma, payload = url[5:].partition(",")
                if not comma:
                    raise ValueError(f"not a data: URL: {url[:80]}")
                if media.lower().endswith(";base64"):
                    media, body = media[:-7], base64.b64decode(payload, validate=True)
                else:
                    body = unquote_to_bytes(payload)
                return URLFetcherResponse(url, body, content_headers(media or "text/plain;charset=US-ASCII"))
            if scheme != "file":
                raise RefusedURL(f"receipts load no outside URL: {url[:80]}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                raise RefusedURL(f"receipts load no file outside their folders: {path}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), content_headers(mime))

    return ReceiptURLFetcher(allowed_protocols=("file", "data"))


class Renderer:
    """WeasyPrint and Jinja set up once: fonts, parsed CSS, templates, catalogues."""

    def __init__(self, font_dir: Path = FONT_DIR, translations_dir: Path = TRANSLATIONS_DIR):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_dir = Path(font_dir)
        self.translations_dir = str(translations_dir)
        self.url_fetcher = make_url_fetcher([self.font_dir, STATIC])
        self.font_config = FontConfiguration()
        self.HTML = receipt_html_class(CSS(string=RECEIPT_UA_CSS))
        # Parsing the @font-face rules registers the fonts with font_config,
        # which every render uses: once, not once per paper.
        self.fonts = CSS(string=font_faces(self.font_dir), base_url=STATIC.as_uri() + "/",
                         url_fetcher=self.url_fetcher, font_config=self.font_config)
        # One parsed stylesheet per paper (see sheets()).
        self.css = STYLESHEET.read_text(encoding="utf-8")
        self.stylesheets = {}
        self.envs = {lang: jinja_env(lang, self.translations_dir) for lang in LANGUAGES}
        self.template_name = "receipt/document.html"
        # Part of every cache key: a new template, stylesheet or translation is a new version.
        # This module and qr.py shape the PDF too (stylesheet per paper, QR image).
        sources = (sorted(TEMPLATES.rglob("*.html")) + [STYLESHEET, Path(__file__), HERE / "qr.py"]
                   + sorted(Path(self.translations_dir).glob("*/LC_MESSAGES/*.mo")))
        self.version = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
        self.renders = 0  # PDFs rendered by this process (tests count them)
        # Pango and FontConfiguration are shared by every document this
        # process renders (receipts, posters, reports): one render at a time.
        self.render_lock = threading.Lock()

    # The same HTML and stylesheets for the PDF and for the bare-WeasyPrint
    # yardstick (bench/).
    def html(self, data: ReceiptData, size: str) -> str:
        size = check_size(size)
        template = self.envs[data.language].get_template(self.template_name)
        # The QR code as a PNG image: WeasyPrint draws an SVG path in Python.
        html = template.render(receipt=data, size=size, receipt_qr=None, qr_src=qr_png_data_url(data.tracking_url))
        return BLOCK_GAP.sub(">", html)

    def sheets(self, size: str) -> list:
        """The parsed stylesheet of a paper: its rules with custom properties
        resolved (paper_stylesheet) and its @page. Parsed on first use, once:
        a kiosk prints on one roll, phones get A6, so a process rarely needs
        all four."""
        from weasyprint import CSS

        size = check_size(size)
        sheet = self.stylesheets.get(size)
        if sheet is None:  # two threads may both parse it; either result is the same
            sheet = self.stylesheets[size] = CSS(
                string=paper_stylesheet(self.css, size) + f"\n@page {{ {PAGE_CSS[size]} }}",
                base_url=STATIC.as_uri() + "/", url_fetcher=self.url_fetcher, font_config=self.font_config)
        return [sheet]

    def pdf(self, data: ReceiptData, size: str) -> bytes:
        size = check_size(size)
        html = self.html(data, size)
        with self.render_lock:
            document = self.HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=self.url_fetcher).render(
                stylesheets=self.sheets(size), font_config=self.font_config,
            )
            if size in THERMAL:
                fit_to_content(document)
            elif len(document.pages) > 1:
                # Sheets are sized to hold a receipt on one page; extreme
                # content flows on rather than being cut.
                log.warning("the %s receipt of %s runs onto %d pages", size, data.number, len(document.pages))
            self.renders += 1
            return document.write_pdf()


def content_height(page) -> float:
    """The bottom edge, in CSS px, of everything laid out on a page.

    The root box's margin box ends where its content ends (its height is
    auto); `position_y` is its top on the page.
    """
    root = page._page_box.children[0]
    return root.position_y + root.margin_height()


def fit_to_content(document) -> None:
    """Cut a roll page laid out on a very tall page just below its content.

    The page is drawn from its top-left corner, so shortening `Page.height`
    after layout moves nothing: the PDF page ends under the last line, no
    blank paper after it and nothing cut off. One layout instead of two.
    """
    if len(document.pages) != 1:
        raise RuntimeError(f"a roll receipt must be one page, not {len(document.pages)}")
    page = document.pages[0]
    page.height = min(page.height, float(int(content_height(page)) + 1))


_default: Renderer | None = None
_default_lock = threading.Lock()
_settings: dict = {}


def configure(*, font_dir: Path | None = None, translations_dir: Path | None = None) -> None:
    """Point the process-wide renderer at other fonts or catalogues (before first use)."""
    global _default
    with _default_lock:
        if font_dir is not None:
            _settings["font_dir"] = Path(font_dir)
        if translations_dir is not None:
            _settings["translations_dir"] = Path(translations_dir)
        _default = None


def renderer() -> Renderer:
    """The process's renderer, set up on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Renderer(**_settings)
    return _default


def render_html(data: ReceiptData, size: str) -> str:
    return renderer().html(data, size)


def render_pdf(data: ReceiptData, size: str) -> bytes:
    """Render now (no cache); see ReceiptCache for reprints."""
    return renderer().pdf(data, size)


# --- cache ---------------------------------------------------------------------

@dataclass
class ReceiptCache(PdfCache):
    """Receipts by content: a reprint with the same content is not rendered
    again; a new CRM number, another language or a new template is a new PDF.
    On disk as `<number>-<size>-<key>.pdf`."""

    def default_renderer(self) -> Renderer:
        return renderer()

    def check_size(self, size: str) -> str:
        return check_size(size)

    def stem(self, data: ReceiptData, size: str) -> str:
        return f"{data.number}-{size}"

    def forget(self, number: str) -> None:
        """Drop every cached receipt of a complaint (its data is being deleted)."""
        self.forget_many([number])

    def forget_many(self, numbers) -> None:
        """Drop every cached receipt of these complaints: one pass over the
        memory and one listing of the folder, however many there are."""
        numbers = set(numbers)
        if not numbers:
            return
        with self._lock:
            for slot in [s for s in self._memory if s[0].rsplit("-", 1)[0] in numbers]:
                del self._memory[slot]
        if self.directory is not None and self.directory.is_dir():
            for path in self.directory.glob("*.pdf"):
                if path.name.rsplit("-", 2)[0] in numbers:  # <number>-<size>-<key>.pdf
                    path.unlink(missing_ok=True)
