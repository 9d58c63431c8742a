"""QR codes (the `qrcode` package): inline SVG for screens and posters, a PNG
data URL for receipt PDFs."""
from __future__ import annotations

import base64
import io
from functools import lru_cache

import qrcode
from markupsafe import escape
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules: the minimum the standard asks for


def qr_matrix(data: str) -> list[list[bool]]:
    """The code's modules, quiet zone included (True is dark).

    Error correction M survives a creased or smudged thermal print.
    """
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


@lru_cache(maxsize=512)
def qr_svg(data: str, *, title: str = "") -> str:
    """An <svg> element (no XML declaration) that scales to its container.

    One path: a horizontal line one module thick per run of dark modules,
    two commands per run instead of four per module, which is what a PDF
    renderer parses on every receipt. The moves are relative to the end of
    the previous run ("m2 0h3", "m-30 1h1"): small numbers, a third fewer
    bytes than absolute ones on every page and lease that carries codes; the
    same lines. No fixed size (the page or the receipt sizes the code) and no
    ids (many codes may share a page: channels, posters).
    """
    matrix = qr_matrix(data)
    size = len(matrix)
    runs = []
    at = None  # (x, y) where the previous run ended
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                if at is None:
                    runs.append(f"M{start} {y}.5h{x - start}")
                else:
                    runs.append(f"m{start - at[0]} {y - at[1]}h{x - start}")
                at = (x, y)
            else:
                x += 1
    attrs = 'class="qr" role="img"'
    if title:
        attrs += f' aria-label="{escape(title)}"'
    return (
        f'<svg {attrs} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" fill="none" d="{"".join(runs)}"/></svg>'
    )


def qr_bits(data: str) -> dict:
    """The code's modules (quiet zone included) packed for the JSON API: row
    by row, eight modules a byte, the first the high bit, in base64, with the
    side's length. The kiosk draws from it the same <svg> as `qr_svg`
    (kiosk/static/js/flow.js qrSvg) at a third of the bytes: every kiosk
    fetches ten leased numbers' codes on its first load."""
    matrix = qr_matrix(data)
    packed = bytearray((len(matrix) ** 2 + 7) // 8)
    for i, dark in enumerate(dark for row in matrix for dark in row):
        if dark:
            packed[i >> 3] |= 0x80 >> (i & 7)
    return {"size": len(matrix), "bits": base64.b64encode(bytes(packed)).decode("ascii")}


@lru_cache(maxsize=512)
def qr_png_data_url(data: str, *, module_px: int = 4) -> str:
    """A `data:image/png` URL of the code: black on white, 8-bit grey.

    For WeasyPrint: an SVG path of a few hundred runs is parsed and drawn by
    Python on every receipt (about a tenth of a warm render); an image is
    decoded and embedded by Pillow. Shown with `image-rendering: pixelated`
    (the PDF says /Interpolate false). Apple's viewers smooth images anyway:
    `module_px` pixels per module keep the edges sharp there; 4 costs 1% of a
    render, 8 another 2%. Grey rather than 1-bit: WeasyPrint converts 1-bit
    images to RGB, grey it embeds as it is.
    """
    matrix = qr_matrix(data)
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (size, size), pixels)
    if module_px > 1:
        image = image.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
