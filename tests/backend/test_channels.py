"""The channel list's rules: which links a phone can open for each kind, this
app's link per office, office hours as people read them."""
from __future__ import annotations

from datetime import time

import pytest

from backend import channels
from backend.models import Office, OfficialChannel
from backend.workdays import DEFAULT_WEEK

TEBET_TIMUR = Office(code="0101", kind="kelurahan", name="Tebet Timur", kemendagri_code="31.74.01.1001")
KOTA = Office(code="0000", kind="kota", name="Kantor Walikota Jakarta Selatan", kemendagri_code="31.74",
              address="Jl. Prapanca Raya No. 9, Kebayoran Baru, Jakarta Selatan 12160")


@pytest.mark.parametrize("kind, link", [
    ("app", "https://jaki.jakarta.go.id/"),
    ("social", "https://x.com/DKIJakarta"),
    ("email", "mailto:dki@jakarta.go.id"),
    ("sms", "sms:08111272206"),
    ("sms", "sms:1708"),
    ("whatsapp", "https://wa.me/628111272206"),
    ("phone", "tel:+62215551234"),
    ("office", "https://www.google.com/maps/search/?api=1&query={office}"),
    ("this_app", "/lapor/"),
])
def test_links_a_phone_opens(kind, link):
    assert channels.check_link(kind, f"  {link} ") == link


@pytest.mark.parametrize("kind, link", [
    ("web", "javascript:alert(1)"),
    ("web", "http://crm.jakarta.go.id/"),  # https only
    ("web", "https://"),
    ("web", "https://crm.jakarta.go.id/ spasi"),
    ("email", "https://dki.example/"),
    ("email", "mailto:bukan-alamat"),
    ("sms", "sms:0811-1272-206"),  # digits only: some phones drop the rest
    ("phone", "tel:112a"),
    ("this_app", "//evil.example/lapor/"),
    ("this_app", "https://evil.example/lapor/"),
    ("web", "https://crm.jakarta.go.id/{office}"),  # placeholders: office links only
    ("office", "https://maps.example/?q={kantor}"),
    ("nope", "https://x.example/"),
    ("web", ""),
])
def test_links_refused(kind, link):
    with pytest.raises(channels.ChannelError):
        channels.check_link(kind, link)


def test_this_app_link_is_preset_per_office():
    row = OfficialChannel(code="this_app", kind="this_app", link="/lapor/")
    base = "https://aduan.example/"
    assert channels.resolve_link(row, base_url=base) == "https://aduan.example/lapor/"
    assert channels.resolve_link(row, base_url=base, office=TEBET_TIMUR) == "https://aduan.example/lapor/?kantor=0101"
    assert channels.intake_url(base, TEBET_TIMUR, "/lapor/?kantor=9999&x=1") == "https://aduan.example/lapor/?x=1&kantor=0101"


def test_office_link_names_the_office():
    row = OfficialChannel(code="office", kind="office", link="https://maps.example/?q={office}")
    assert channels.resolve_link(row, base_url="", office=TEBET_TIMUR) == \
        "https://maps.example/?q=Kantor+Lurah+Tebet+Timur%2C+Jakarta+Selatan"
    assert channels.resolve_link(row, base_url="", office=KOTA).startswith(
        "https://maps.example/?q=Kantor+Walikota+Jakarta+Selatan%2C+Jl.+Prapanca")
    assert channels.resolve_link(row, base_url="") == "https://maps.example/?q=Kantor+Kelurahan%2C+Jakarta+Selatan"


def test_display_text_and_icons():
    wa = OfficialChannel(code="whatsapp", kind="whatsapp", link="https://wa.me/628111272206", display="")
    assert channels.display_text(wa, wa.link) == "wa.me/628111272206"
    wa.display = "0811-1272-206"
    assert channels.display_text(wa, wa.link) == "0811-1272-206"
    assert channels.icon_for(wa) == "brand-whatsapp"
    assert channels.icon_for(OfficialChannel(kind="social", link="https://www.instagram.com/dkijakarta/")) == "brand-instagram"
    assert channels.icon_for(OfficialChannel(kind="email", link="mailto:dki@jakarta.go.id")) == "mail"


def test_week_lines_group_equal_days():
    names = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    assert channels.week_lines(DEFAULT_WEEK, names) == [("Senin–Kamis", "07.30–16.00"), ("Jumat", "07.30–16.30")]
    week = {0: (time(8), time(15)), 2: (time(8), time(15)), 5: (time(9), time(12)), 6: (time(9), time(12))}
    assert channels.week_lines(week, names) == [("Senin", "08.00–15.00"), ("Rabu", "08.00–15.00"),
                                                ("Sabtu–Minggu", "09.00–12.00")]
    assert channels.week_lines({}, names) == []
