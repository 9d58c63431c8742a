"""What the channels page, the kiosk's attract screen and the posters show,
built from the one list of channels (backend/channels.py) for an office, in
the reader's language."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from babel.dates import get_day_names
from flask import current_app
from flask_babel import force_locale, format_date, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from backend import channels as channel_data
from backend import workdays
from backend.extensions import db
from backend.models import Office, OfficeKind, OfficialChannel, utcnow
from kiosk.helpers import icon, localized
from printing.posters import PosterChannel, PosterData

# The button on each entry: what a tap does.
ACTIONS = {
    "app": _l("Get the app"),
    "web": _l("Open the website"),
    "social": _l("Open"),
    "email": _l("Write an email"),
    "sms": _l("Send an SMS"),
    "whatsapp": _l("Chat on WhatsApp"),
    "phone": _l("Call"),
    "office": _l("Find the office"),
    "this_app": _l("Report now"),
}

# On posters and the attract screen the office itself is not a channel to
# take home: its own code (this app, preset to the office) stands large, and
# its hours have a box of their own.
NOT_ON_POSTERS = ("this_app", "office")


@dataclass(frozen=True)
class ChannelView:
    code: str
    kind: str
    name: str
    description: str
    link: str  # what a tap and the QR code open, for this office
    display: str
    icon: str
    action: str
    external: bool


@dataclass(frozen=True)
class HoursView:
    lines: list[tuple[str, str]]  # regular week, grouped: [("Senin–Kamis", "07.30–16.00"), ...]
    dated_label: str  # "Ramadan, 8 Februari – 9 Maret 2027" (hours in force today), or ""
    dated_lines: list[tuple[str, str]]
    open_now: bool
    closes_at: time | None  # today, when open now
    next_opening: datetime | None  # when closed now (WIB)
    holiday: str | None  # today's holiday, if any


def office_by_code(code: str | None) -> Office | None:
    if not code or len(code) != 4 or not code.isdigit():
        return None
    return db.session.execute(select(Office).filter_by(code=code)).scalar_one_or_none()


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def view(channel: OfficialChannel, office: Office | None) -> ChannelView:
    link = channel_data.resolve_link(channel, base_url=base_url(), office=office)
    return ChannelView(
        code=channel.code, kind=channel.kind, name=localized(channel, "name"),
        description=localized(channel, "description"), link=link,
        display=channel_data.display_text(channel, link), icon=channel_data.icon_for(channel),
        action=str(ACTIONS[channel.kind]), external=link.startswith("http") and channel.kind != "this_app",
    )


def channel_views(office: Office | None = None, *, for_posters: bool = False) -> list[ChannelView]:
    """The active channels, in order, with links for `office` (None: no office)."""
    rows = channel_data.active_channels()
    if for_posters:
        rows = [c for c in rows if c.kind not in NOT_ON_POSTERS]
    return [view(c, office) for c in rows]


def _day_names() -> list[str]:
    names = get_day_names("wide", locale=str(get_locale() or "id"))
    return [names[i] for i in range(7)]


def hours_view(office: Office | None, now: datetime | None = None) -> HoursView:
    now = now or utcnow()
    calendar = workdays.calendar_for(office.code if office else None)
    today = now.astimezone(workdays.WIB).date()
    names = _day_names()
    dated = channel_data.current_dated_hours(calendar, today)
    open_now = calendar.is_open(now)
    hours_today = calendar.hours(today)
    label = ""
    if dated is not None:
        span = f"{format_date(dated.starts, 'd MMMM')} – {format_date(dated.ends, 'd MMMM y')}"
        label = f"{dated.label}, {span}" if dated.label else span
    return HoursView(
        lines=channel_data.week_lines(calendar.week, names),
        dated_label=label,
        dated_lines=channel_data.week_lines(dated.week, names) if dated is not None else [],
        open_now=open_now,
        closes_at=hours_today[1] if open_now and hours_today else None,
        next_opening=None if open_now else calendar.next_opening(now),
        holiday=calendar.holiday(today),
    )


def office_line(office: Office) -> str:
    """A second line under the office's name: its address, or where it is."""
    if office.address:
        return office.address
    parts = []
    if office.kind == OfficeKind.KELURAHAN and office.parent is not None:
        parts.append(office.parent.title)
    parts.append(" ".join(p for p in ("Jakarta Selatan", office.postal_code) if p))
    return ", ".join(parts)


def poster_data(office: Office, lang: str = "id", rows: list[OfficialChannel] | None = None) -> PosterData:
    """The posters of `office` as plain data, in `lang` (`rows`: the active channels, if read already)."""
    if rows is None:
        rows = channel_data.active_channels()
    with force_locale(lang):
        hours = hours_view(office)
        channels = [view(c, office) for c in rows if c.kind not in NOT_ON_POSTERS]
        return PosterData(
            language=lang,
            office_code=office.code,
            office_title=office.title,
            office_address=office_line(office),
            intake_url=channel_data.intake_url(base_url(), office),
            channels=tuple(
                PosterChannel(name=c.name, description=c.description, link=c.link, display=c.display,
                              icon_svg=str(icon(c.icon)))
                for c in channels
            ),
            hours=tuple(hours.lines),
            dated_hours_label=hours.dated_label,
            dated_hours=tuple(hours.dated_lines),
            crm_home=current_app.config.get("CRM_TRACKING_HOME") or "crm.jakarta.go.id",
            emergency_number=channel_data.EMERGENCY_NUMBER,
        )


def all_poster_data(offices: list[Office], lang: str = "id") -> list[PosterData]:
    rows = channel_data.active_channels()
    return [poster_data(o, lang, rows) for o in offices]


# --- the kiosk's attract screen ------------------------------------------------

ATTRACT_CHANNELS_PER_SLIDE = 5


def _duty_today(office: Office):
    """Today's duty section of the Mayor's office (jadwal piket), or None."""
    from backend.offices import KOTA_CODE

    if office.code != KOTA_CODE:
        return None
    try:
        from backend import roster
    except ImportError:  # no roster in this installation
        return None
    return roster.duty_on(roster.today_wib())


def attract_content(kiosk) -> dict:
    """What a kiosk's attract screen cycles through, for the kiosk's office."""
    office = kiosk.office
    channels = channel_views(office, for_posters=True)
    per = ATTRACT_CHANNELS_PER_SLIDE
    return {
        "office": office,
        "intake_url": channel_data.intake_url(base_url(), office),
        "channel_slides": [channels[i:i + per] for i in range(0, len(channels), per)],
        "hours": hours_view(office),
        "duty": _duty_today(office),
        "emergency_number": channel_data.EMERGENCY_NUMBER,
    }
