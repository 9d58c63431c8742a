"""Photos attached to complaints: open only real JPEG/PNG/WebP images and
re-encode them, so that nothing of the original file survives but its pixels.

Re-encoding drops EXIF (GPS position, phone model, time) after applying its
orientation; the pixel count is bounded before decoding so that a small file
that decompresses into a huge image is refused, not decoded.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.validation import Invalid

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    mime: str
    width: int
    height: int


def clean_photo_upload(raw: bytes) -> CleanPhoto:
    """clean_photo within the configured limits (PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS, PHOTO_STORED_MAX_SIDE)."""
    cfg = current_app.config
    return clean_photo(raw, max_bytes=cfg["PHOTO_MAX_BYTES"], max_pixels=cfg["PHOTO_MAX_PIXELS"],
                       max_side=cfg["PHOTO_STORED_MAX_SIDE"])


def clean_photo(raw: bytes, *, max_bytes: int, max_pixels: int, max_side: int) -> CleanPhoto:
    if len(raw) > max_bytes:
        raise Invalid(_l("This photo is too large (at most %(mb)d MB). Choose a smaller photo.", mb=max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            if img.format not in ALLOWED_FORMATS:
                raise Invalid(_l("Only photos in JPEG, PNG or WebP format can be sent."))
            if img.width * img.height > max_pixels:
                raise Invalid(_l("This photo has too many pixels. Choose a smaller photo."))
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, Invalid):
            raise
        raise Invalid(_l("This file is not a photo we can open. Send a JPEG, PNG or WebP photo.")) from None

    img = ImageOps.exif_transpose(img)
    if img.mode not in ("RGB", "L"):
        # Flatten transparency onto white: receipts and officers' screens are white.
        background = Image.new("RGB", img.size, "white")
        rgba = img.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        img = background
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    # No exif= argument: the saved file carries no metadata at all.
    img.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), "image/jpeg", img.width, img.height)
