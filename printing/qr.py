"""QR codes as inline SVG (the `qrcode` package), for screens and paper alike."""
from __future__ import annotations

import re
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=512)
def qr_svg(data: str, *, title: str = "") -> str:
    """An <svg> element (no XML declaration) that scales to its container.

    Error correction M survives a creased or smudged thermal print; the quiet
    zone of 4 modules is the minimum the standard asks for.
    """
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(data)
    qr.make(fit=True)
    svg = qr.make_image().to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    # Drop the fixed size in mm: the page or the receipt sizes the code.
    svg = re.sub(r' (width|height)="[^"]*"', "", svg.split(">", 1)[0], count=2) + ">" + svg.split(">", 1)[1]
    attrs = 'class="qr" role="img"'
    if title:
        from markupsafe import escape

        attrs += f' aria-label="{escape(title)}"'
    # Many codes may share a page (channels, posters): no fixed ids.
    svg = svg.replace(' id="qr-path"', "")
    return svg.replace("<svg ", f"<svg {attrs} ", 1)
