import io

import pytest
from PIL import Image

from backend.photos import clean_photo
from backend.validation import Invalid

LIMITS = dict(max_bytes=2 * 1024 * 1024, max_pixels=4_000_000, max_side=1024)


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (400, 300), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone Model X"  # Model
    gps = {1: "S", 2: (6.0, 14.0, 30.0), 3: "E", 4: (106.0, 50.0, 40.0)}
    exif[0x8825] = gps  # GPSInfo
    exif[0x0112] = 6  # rotated: exif_transpose must apply it
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_exif_and_gps_are_gone_and_orientation_applied():
    raw = _jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    photo = clean_photo(raw, **LIMITS)
    out = Image.open(io.BytesIO(photo.data))
    assert out.format == "JPEG"
    assert not out.getexif()  # no EXIF at all, GPS included
    assert b"Phone Model X" not in photo.data
    assert (out.width, out.height) == (300, 400)  # rotated by its orientation tag


def test_large_images_are_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (1800, 1200), "white").save(out, format="PNG")
    photo = clean_photo(out.getvalue(), **LIMITS)
    assert max(photo.width, photo.height) == 1024


def test_transparent_png_is_flattened():
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, format="PNG")
    photo = clean_photo(out.getvalue(), **LIMITS)
    assert Image.open(io.BytesIO(photo.data)).getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("raw", [b"%PDF-1.4 not an image", b"GIF89a" + b"\0" * 64, b""])
def test_non_images_and_other_formats_are_refused(raw):
    with pytest.raises(Invalid):
        clean_photo(raw, **LIMITS)


def test_gif_is_refused_even_when_it_is_an_image():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(Invalid):
        clean_photo(out.getvalue(), **LIMITS)


def test_too_many_bytes_and_too_many_pixels():
    with pytest.raises(Invalid):
        clean_photo(b"\xff" * (LIMITS["max_bytes"] + 1), **LIMITS)
    out = io.BytesIO()
    Image.new("L", (3000, 3000)).save(out, format="PNG")  # 9 MP, compresses tiny
    assert len(out.getvalue()) < LIMITS["max_bytes"]
    with pytest.raises(Invalid):
        clean_photo(out.getvalue(), **LIMITS)
