"""Posters of the complaint channels, per office: plain data in, PDF out.

    render_html(data, size)        the whole HTML document (inline SVG QR codes)
    render_pdf(data, size)         its PDF, rendered now
    PosterCache(dir).pdf(data, size)   the same, cached by content
    zip_stream(entries)            a ZIP file, written as its parts are made

`size` is one of SIZES:

    "a4"  an A4 portrait poster for the office's notice board
    "a5"  an A5 landscape table card (one panel, for an A5 acrylic stand on
          the service desk; printed on A5, or on A4 and cut in half)

This module is handed `PosterData`, already in the reader's language; it
knows nothing of the web layer or the database. WeasyPrint is set up once by
printing.receipts: the posters use the receipts renderer's fonts (the
project's vendored Plus Jakarta Sans), its FontConfiguration, its URL fetcher
(data: URLs and files under the font and printing/static folders only), its
Jinja environments with the one message catalogue, and its lock (Pango and
the font configuration are shared: one render at a time in a process).
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from markupsafe import Markup

from printing import receipts
from printing.pdfcache import PdfCache
from printing.qr import qr_svg

STYLESHEET = receipts.STATIC / "poster.css"
TEMPLATE = "poster/document.html"
SIZES = ("a4", "a5")
PAGE_CSS = {
    "a4": "size: 210mm 297mm; margin: 0",
    "a5": "size: 210mm 148mm; margin: 0",
}
SIZE_LABELS = {"a4": "poster-a4", "a5": "kartu-meja-a5"}


class SizeError(ValueError):
    """Not one of SIZES."""


def check_size(size: str) -> str:
    size = str(size).lower()
    if size not in SIZES:
        raise SizeError(f"size must be one of {', '.join(SIZES)}: {size!r}")
    return size


@dataclass(frozen=True)
class PosterChannel:
    """One channel as printed: its QR code encodes `link` exactly."""

    name: str  # "WhatsApp"
    description: str  # when to use it, one line
    link: str  # what the QR code opens: https:, sms:, mailto:, tel:
    display: str = ""  # how it is written: "0811-1272-206"
    icon_svg: str = ""  # an inline <svg> (currentColor), or ""


@dataclass(frozen=True)
class PosterData:
    """Everything on an office's posters, already in the reader's language."""

    language: str  # "id" | "en"
    office_code: str  # "0101"
    office_title: str  # "Kelurahan Tebet Timur"
    office_address: str  # "" when unknown
    intake_url: str  # the phone flow preset to this office: <base>/lapor/?kantor=0101
    channels: tuple[PosterChannel, ...]
    hours: tuple[tuple[str, str], ...]  # (("Senin–Kamis", "07.30–16.00"), ...)
    dated_hours_label: str = ""  # "Ramadan: 8 Februari – 9 Maret 2027", when such hours apply
    dated_hours: tuple[tuple[str, str], ...] = ()
    city: str = "Kota Administrasi Jakarta Selatan"
    crm_home: str = "crm.jakarta.go.id"  # where any report is tracked ("Lacak Laporan")
    emergency_number: str = "112"

    def __post_init__(self):
        if self.language not in receipts.LANGUAGES:
            raise ValueError(f"language must be one of {receipts.LANGUAGES}: {self.language!r}")
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "hours", tuple(tuple(h) for h in self.hours))
        object.__setattr__(self, "dated_hours", tuple(tuple(h) for h in self.dated_hours))

    @property
    def intake_display(self) -> str:
        """The phone flow's address as people type it (no scheme)."""
        return re.sub(r"^https?://", "", self.intake_url)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def filename(data: PosterData, size: str) -> str:
    """'poster-a4-0101-kelurahan-tebet-timur.pdf'."""
    return f"{SIZE_LABELS[check_size(size)]}-{data.office_code}-{slug(data.office_title)}.pdf"


class PosterRenderer:
    """The poster stylesheet and page sizes, on top of the receipts renderer."""

    def __init__(self, base: receipts.Renderer | None = None):
        from weasyprint import CSS

        self.base = base or receipts.renderer()
        css = receipts.font_faces(self.base.font_dir) + "\n" + STYLESHEET.read_text(encoding="utf-8")
        self.stylesheet = CSS(string=css, base_url=receipts.STATIC.as_uri() + "/",
                              url_fetcher=self.base.url_fetcher, font_config=self.base.font_config)
        self.page_css = {size: CSS(string=f"@page {{ {PAGE_CSS[size]} }}") for size in SIZES}
        # The receipts renderer's version covers every template and catalogue.
        self.version = hashlib.sha256((self.base.version + STYLESHEET.read_text(encoding="utf-8")).encode()).hexdigest()[:12]
        self.renders = 0

    def html(self, data: PosterData, size: str) -> str:
        size = check_size(size)
        template = self.base.envs[data.language].get_template(TEMPLATE)
        return template.render(poster=data, size=size, qr=lambda link, title="": Markup(qr_svg(link, title=title)),
                               svg=Markup)

    def pdf(self, data: PosterData, size: str) -> bytes:
        from weasyprint import HTML

        size = check_size(size)
        html = self.html(data, size)
        with self.base.render_lock:  # shared with receipts: Pango and the FontConfiguration
            document = HTML(string=html, base_url=receipts.STATIC.as_uri() + "/",
                            url_fetcher=self.base.url_fetcher).render(
                stylesheets=[self.stylesheet, self.page_css[size]], font_config=self.base.font_config)
            self.renders += 1
            return document.write_pdf()


_default: PosterRenderer | None = None
_default_lock = threading.Lock()


def renderer() -> PosterRenderer:
    global _default
    base = receipts.renderer()
    if _default is None or _default.base is not base:  # receipts.configure() makes a new base
        with _default_lock:
            if _default is None or _default.base is not base:
                _default = PosterRenderer(base)
    return _default


def render_html(data: PosterData, size: str) -> str:
    return renderer().html(data, size)


def render_pdf(data: PosterData, size: str) -> bytes:
    return renderer().pdf(data, size)


# --- cache --------------------------------------------------------------------

@dataclass
class PosterCache(PdfCache):
    """Posters by content: a channel edit, new office hours or a new template
    renders again and nothing else does. On disk as `<filename>-<key>.pdf`."""

    max_items: int = 32

    def default_renderer(self) -> PosterRenderer:
        return renderer()

    def check_size(self, size: str) -> str:
        return check_size(size)

    def stem(self, data: PosterData, size: str) -> str:
        return filename(data, size).removesuffix(".pdf")


# --- many posters in one file ----------------------------------------------------

class _Sink:
    """A write-only, unseekable file: zipfile then writes data descriptors,
    so each part can be sent as soon as it is written."""

    def __init__(self):
        self._buffer = bytearray()
        self._position = 0

    def write(self, data) -> int:
        self._buffer += data
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = bytes(self._buffer)
        self._buffer.clear()
        return out


def zip_stream(entries: Iterable[tuple[str, Callable[[], bytes]]]) -> Iterator[bytes]:
    """A ZIP file (stored, not compressed: PDFs are compressed already) whose
    parts are made one at a time: `entries` yields (name, make), and `make()`
    is called only when that part is due, so the first bytes leave at once."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, make in entries:
            info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, make())
            yield sink.take()
    yield sink.take()
