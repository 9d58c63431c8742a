"""The official complaint channels: one list (table `channels`, edited by
admins in the console) read by the public page /kanal, the posters of each
office and the kiosk's attract screen.

A channel's stored link is what an admin types; `resolve_link` turns it into
what a phone opens for a given office:

    this_app  "/lapor/"  -> PUBLIC_BASE_URL + "/lapor/?kantor=KKLL"
    office    "...{office}..." -> the office's name (and address), URL-encoded
    others    as stored (https:, tel:, sms:, mailto:)

Emergencies are not a channel: they go to 112 (EMERGENCY_NUMBER), shown
apart on every page and poster.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend.extensions import db
from backend.models import CHANNEL_KINDS, Office, OfficeKind, OfficialChannel
from backend.workdays import OfficeCalendar, Week

EMERGENCY_NUMBER = "112"
KOTA_NAME = "Jakarta Selatan"

KIND_LABELS = {
    "app": _l("App"),
    "web": _l("Website"),
    "social": _l("Social media"),
    "email": _l("Email"),
    "sms": _l("SMS"),
    "whatsapp": _l("WhatsApp"),
    "phone": _l("Telephone"),
    "office": _l("In person"),
    "this_app": _l("This service on a phone"),
}
assert set(KIND_LABELS) == set(CHANNEL_KINDS)

# What a link of each kind must start with: a phone opens it directly.
KIND_SCHEMES = {
    "app": ("https://",),
    "web": ("https://",),
    "social": ("https://",),
    "email": ("mailto:",),
    "sms": ("sms:",),
    "whatsapp": ("https://",),
    "phone": ("tel:",),
    "office": ("https://",),
    "this_app": ("/",),
}

_TEL = re.compile(r"^\+?[0-9]{3,15}$")
_EMAIL = re.compile(r"^[^@\s/?#]+@[^@\s/?#]+\.[a-z]{2,}$", re.I)
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", re.I)


class ChannelError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def check_link(kind: str, link: str) -> str:
    """The link, trimmed, if a phone can open it for this kind; else ChannelError."""
    if kind not in CHANNEL_KINDS:
        raise ChannelError(_l("Unknown kind of channel."))
    link = (link or "").strip()
    if not link:
        raise ChannelError(_l("Write the channel's link."))
    if any(c.isspace() for c in link) or len(link) > 500:
        raise ChannelError(_l("A link has no spaces and at most 500 characters."))
    schemes = KIND_SCHEMES[kind]
    if not link.lower().startswith(schemes):
        raise ChannelError(_l("A link of this kind starts with %(start)s.", start=" / ".join(schemes)))
    lower = link.lower()
    if lower.startswith("https://"):
        host = urlsplit(link).hostname or ""
        if not _HOST.match(host):
            raise ChannelError(_l("This web address has no valid host name."))
    elif lower.startswith(("tel:", "sms:")):
        number = link.split(":", 1)[1].split("?", 1)[0]
        if not _TEL.match(number):
            raise ChannelError(_l("Write the number in digits only, e.g. sms:08111272206."))
    elif lower.startswith("mailto:"):
        if not _EMAIL.match(link.split(":", 1)[1].split("?", 1)[0]):
            raise ChannelError(_l("Write an email address, e.g. mailto:dki@jakarta.go.id."))
    elif kind == "this_app":
        if link.startswith("//") or "\\" in link:
            raise ChannelError(_l("This service's link is a path of this site, e.g. /lapor/."))
    if ("{" in link or "}" in link) and (kind != "office" or link.replace("{office}", "").count("{")
                                         or link.replace("{office}", "").count("}")):
        raise ChannelError(_l("Only {office} may stand in braces, in an office link."))
    return link


# --- reading ------------------------------------------------------------------

def active_channels() -> list[OfficialChannel]:
    return list(db.session.scalars(
        select(OfficialChannel).filter_by(active=True).order_by(OfficialChannel.sort, OfficialChannel.id)))


def all_channels() -> list[OfficialChannel]:
    return list(db.session.scalars(
        select(OfficialChannel).order_by(OfficialChannel.active.desc(), OfficialChannel.sort, OfficialChannel.id)))


def office_search_text(office: Office | None) -> str:
    """What a map search needs to find the office: its name (and address), in Jakarta Selatan."""
    if office is None:
        return f"Kantor Kelurahan, {KOTA_NAME}"
    name = office.name if office.kind == OfficeKind.KOTA else {
        OfficeKind.KECAMATAN: "Kantor Camat ", OfficeKind.KELURAHAN: "Kantor Lurah "}[office.kind] + office.name
    if office.address:
        return f"{name}, {office.address}"
    return name if KOTA_NAME in name else f"{name}, {KOTA_NAME}"


def intake_url(base_url: str, office: Office | None, path: str = "/lapor/") -> str:
    """This app's phone flow, preset to `office` when there is one."""
    url = base_url.rstrip("/") + (path if path.startswith("/") else "/" + path)
    if office is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "kantor"] + [("kantor", office.code)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def resolve_link(channel: OfficialChannel, *, base_url: str, office: Office | None = None) -> str:
    link = channel.link
    if channel.kind == "this_app":
        return intake_url(base_url, office, link)
    if channel.kind == "office" and "{office}" in link:
        return link.replace("{office}", quote_plus(office_search_text(office)))
    return link


def display_text(channel: OfficialChannel, resolved: str) -> str:
    """How the link is written for people: the admin's text, else the link without its scheme."""
    if channel.display:
        return channel.display
    if channel.kind in ("office",):
        return ""
    text = re.sub(r"^(https?://|mailto:|tel:|sms:)", "", resolved, flags=re.I)
    text = re.sub(r"^www\.", "", text)
    return text.rstrip("/")


def icon_for(channel: OfficialChannel) -> str:
    """A Tabler icon name (kiosk/static/icons) for the channel."""
    host = (urlsplit(channel.link).hostname or "").lower() if channel.link.startswith("http") else ""
    for needle, name in (("x.com", "brand-x"), ("twitter.com", "brand-x"), ("instagram.com", "brand-instagram"),
                         ("facebook.com", "brand-facebook"), ("wa.me", "brand-whatsapp"),
                         ("whatsapp.com", "brand-whatsapp"), ("crm.jakarta.go.id", "search"),
                         ("lapor.go.id", "speakerphone")):
        if host == needle or host.endswith("." + needle):
            return name
    return {
        "app": "device-mobile", "web": "world", "social": "share", "email": "mail", "sms": "message",
        "whatsapp": "brand-whatsapp", "phone": "phone", "office": "building", "this_app": "hand-finger",
    }[channel.kind]


# --- office hours as people read them -------------------------------------------

def week_lines(week: Week, day_names: Sequence[str]) -> list[tuple[str, str]]:
    """Opening days grouped by equal hours: [("Senin–Kamis", "07.30–16.00"), ("Jumat", "07.30–16.30")].

    `day_names` are Monday..Sunday in the reader's language. Closed days are left out.
    """
    groups: list[list] = []  # [first, last, span]
    for day in range(7):
        span = week.get(day)
        if span is None:
            continue
        if groups and groups[-1][2] == span and groups[-1][1] == day - 1:
            groups[-1][1] = day
        else:
            groups.append([day, day, span])
    lines = []
    for first, last, (opens, closes) in groups:
        days = day_names[first] if first == last else f"{day_names[first]}–{day_names[last]}"
        lines.append((days, f"{opens:%H.%M}–{closes:%H.%M}"))
    return lines


def current_dated_hours(calendar: OfficeCalendar, today: date):
    """The dated hours (e.g. Ramadan) in force today, or None."""
    for o in calendar.overrides:
        if o.starts <= today <= o.ends:
            return o
    return None
