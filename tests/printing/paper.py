"""Look inside rendered receipts: text, word boxes, ink, page size, QR codes.

poppler-utils (pdftotext, pdftoppm) and zbar (pyzbar) come with
`scripts/sysdeps.sh test`.
"""
from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageOps
from pypdf import PdfReader
from pyzbar.pyzbar import decode

PT_PER_MM = 72 / 25.4


def text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # mm from the left
    y0: float  # mm from the top
    x1: float
    y1: float


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def words(pdf: bytes) -> list[list[Word]]:
    """The words of each page with their boxes, in mm (pdftotext -bbox)."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = []
    for chunk in out.split("<page ")[1:]:
        pages.append([Word(html.unescape(m[4]), *(float(v) / PT_PER_MM for v in m[:4]))
                      for m in _WORD.findall(chunk)])
    return pages


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(BytesIO(pdf))
    return [(float(p.mediabox.width) / PT_PER_MM, float(p.mediabox.height) / PT_PER_MM) for p in reader.pages]


def png(pdf: bytes, path: Path, dpi: int = 300, page: int = 1) -> Image.Image:
    """Page `page` as a PNG file (kept as a test artifact) and an image."""
    stem = str(path.with_suffix(""))
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page), "-", stem],
                   input=pdf, check=True)
    return Image.open(stem + ".png").convert("RGB")


def ink_box_mm(image: Image.Image, dpi: int) -> tuple[float, float, float, float]:
    """Left, top, right, bottom (mm) of everything that is not white."""
    ink = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 12 else 0)
    box = ink.getbbox()
    assert box, "nothing drawn"
    return tuple(v * 25.4 / dpi for v in box)


def qr_codes(image: Image.Image) -> list[str]:
    return [c.data.decode() for c in decode(image)]
