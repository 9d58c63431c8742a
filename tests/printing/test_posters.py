"""Channel posters: an A4 poster and an A5 table card per office, made from
the same channel data as /kanal. Every QR code is read back from a 200 dpi
render (pdftoppm + zbar); the renders are kept as PNG under the test's
artifacts folder (look at them)."""
from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Office, OfficialChannel
from printing import posters
from printing.posters import PosterCache, PosterChannel, zip_stream
from tests.conftest import TEST_CONFIG
from tests.printing import paper

DPI = 200
SHEETS = {"a4": (210, 297), "a5": (210, 148)}


def poster_for(app, code: str, lang: str = "id") -> posters.PosterData:
    from kiosk.channels import content

    with app.test_request_context():
        office = db.session.execute(select(Office).filter_by(code=code)).scalar_one()
        return content.poster_data(office, lang)


def longest_title_office(app) -> str:
    with app.app_context():
        offices = db.session.scalars(select(Office)).all()
        return max(offices, key=lambda o: len(o.title)).code


def check_poster(pdf: bytes, data: posters.PosterData, size: str, png_path) -> str:
    """One page of the right sheet, every code readable and pointing where it says; the text."""
    sizes = paper.page_sizes_mm(pdf)
    assert len(sizes) == 1, sizes
    assert sizes[0] == pytest.approx(SHEETS[size], abs=0.2)
    image = paper.png(pdf, png_path, dpi=DPI)
    expected = {data.intake_url} | {c.link for c in data.channels}
    read = paper.qr_codes(image)
    assert sorted(read) == sorted(expected), set(read) ^ expected
    # Nothing hidden under the 112 band: every other word ends above it.
    words = paper.words(pdf)[0]
    band = min(w.y0 for w in words if w.text in (data.emergency_number, "Darurat?", "Emergency?"))
    for w in words:
        if w.y0 < band - 0.5:
            assert w.y1 < band, (w, band)
        assert 0 <= w.x0 and w.x1 <= SHEETS[size][0], w
    # In reading order (pdftotext -layout would interleave the columns).
    raw = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(raw.split())


@pytest.mark.parametrize("size", posters.SIZES)
def test_posters_of_an_office(app, artifacts, size):
    for code in ("0000", "0100", "0101", longest_title_office(app)):
        data = poster_for(app, code)
        pdf = posters.render_pdf(data, size)
        text = check_poster(pdf, data, size, artifacts / f"{posters.filename(data, size)}.png")
        assert data.office_title in text
        assert data.intake_url == f"{TEST_CONFIG['PUBLIC_BASE_URL']}/lapor/?kantor={code}"
        for expected in ("Laporkan masalah ke kantor ini", "Jam layanan", "07.30–16.00", "Darurat? Telepon 112.",
                         "Kanal resmi pengaduan Pemerintah Provinsi DKI Jakarta", "Aplikasi JAKI", "@DKIJakarta",
                         "dki@jakarta.go.id", "0811-1272-206", "lapor.go.id", "1708"):
            assert expected in text, (expected, text)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "PlusJakartaSans" in fonts.replace(" ", "").replace("-", "")


def test_poster_in_english(app, artifacts):
    data = poster_for(app, "0601", "en")
    text = check_poster(posters.render_pdf(data, "a4"), data, "a4", artifacts / "poster-en.png")
    for expected in ("Report a problem to this office", "Office hours", "Monday–Thursday", "Emergency? Call 112.",
                     "JAKI app"):
        assert expected in text, (expected, text)


def test_posters_follow_the_channel_data(app, artifacts):
    """An inactive channel leaves the posters; an added one joins them, and
    with more than ten the A4 poster goes to three columns and still fits."""
    with app.app_context():
        saved = {c.code: c.active for c in db.session.scalars(select(OfficialChannel))}
        db.session.execute(select(OfficialChannel).filter_by(code="instagram")).scalar_one().active = False
        db.session.commit()
    try:
        data = poster_for(app, "0101")
        assert "https://www.instagram.com/dkijakarta/" not in {c.link for c in data.channels}
        check_poster(posters.render_pdf(data, "a4"), data, "a4", artifacts / "without-instagram.png")
    finally:
        with app.app_context():
            for c in db.session.scalars(select(OfficialChannel)):
                c.active = saved[c.code]
            db.session.commit()
    # Fifteen channels: the most the posters hold on one page.
    data = poster_for(app, "0101")
    extra = tuple(PosterChannel(name=f"Kanal tambahan {i}", description="Uji.", link=f"https://kanal{i}.example/",
                                display=f"kanal{i}.example") for i in range(15 - len(data.channels)))
    many = replace(data, channels=data.channels + extra)
    for size in posters.SIZES:
        check_poster(posters.render_pdf(many, size), many, size, artifacts / f"fifteen-{size}.png")


def test_long_names_stay_on_the_sheet(app, artifacts):
    data = replace(poster_for(app, "0101"),
                   office_title="Kelurahan Pondok Pinang Kebayoran Lama Selatan",
                   office_address="Jl. Metro Pondok Indah Kav. III Blok TA No. 12, Kecamatan Kebayoran Lama, "
                                  "Jakarta Selatan 12310")
    for size in posters.SIZES:
        check_poster(posters.render_pdf(data, size), data, size, artifacts / f"long-{size}.png")


def test_cache_renders_a_poster_once_per_content(app, tmp_path):
    data = poster_for(app, "0101")
    renderer = posters.renderer()
    cache = PosterCache(tmp_path)
    before = renderer.renders
    first = cache.pdf(data, "a4")
    assert cache.pdf(data, "a4") == first and renderer.renders == before + 1
    assert PosterCache(tmp_path).pdf(data, "a4") == first and renderer.renders == before + 1  # from disk
    changed = replace(data, hours=(("Senin–Jumat", "08.00–15.00"),))
    assert cache.pdf(changed, "a4") != first and renderer.renders == before + 2
    assert len(list(tmp_path.glob("poster-a4-0101-*.pdf"))) == 1  # the older version is gone


def test_zip_stream_writes_a_valid_zip_part_by_part():
    made = []

    def part(i):
        def make():
            made.append(i)
            return f"%PDF-{i}".encode() * 100
        return make

    chunks = zip_stream((f"dir/file-{i}.pdf", part(i)) for i in range(3))
    first = next(chunks)
    assert made == [0] and first.startswith(b"PK")
    body = first + b"".join(chunks)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["dir/file-0.pdf", "dir/file-1.pdf", "dir/file-2.pdf"]
        assert archive.read("dir/file-2.pdf") == b"%PDF-2" * 100
        assert archive.testzip() is None


def test_filenames_are_plain():
    data = posters.PosterData(language="id", office_code="0101", office_title="Kelurahan Tebet Timur",
                              office_address="", intake_url="https://x.example/lapor/?kantor=0101", channels=(),
                              hours=())
    assert posters.filename(data, "a4") == "poster-a4-0101-kelurahan-tebet-timur.pdf"
    assert posters.filename(data, "a5") == "kartu-meja-a5-0101-kelurahan-tebet-timur.pdf"
    with pytest.raises(posters.SizeError):
        posters.filename(data, "a3")
