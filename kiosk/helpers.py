"""Template helpers: icons, QR codes, dates in WIB, status colours."""
from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import format_datetime, get_locale
from markupsafe import Markup

from backend import statuses
from printing.qr import qr_svg

ICONS = Path(__file__).parent / "static" / "icons"
WIB = ZoneInfo("Asia/Jakarta")


# Icons as their files have them (Tabler outline), less what a page does not
# need: the line breaks and indents, the root's own class attribute (the
# `class="icon"` put first overrides it anyway) and the invisible
# bounding-box path. A third fewer bytes for each of the dozens of icons a
# page inlines; the same drawing.
_ICON_BOX_RE = re.compile(r'<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>')


def _squeeze(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", markup.strip())).replace(" />", "/>").replace(" >", ">")


@lru_cache(maxsize=256)
def _icon_source(name: str) -> str:
    path = ICONS / f"{name}.svg"
    if not path.is_file():
        path = ICONS / "dots.svg"
    svg = path.read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]
    head_end = svg.index(">") + 1
    head = re.sub(r'\sclass="[^"]*"', "", svg[:head_end])
    body = _ICON_BOX_RE.sub("", svg[head_end:])
    svg = _squeeze(head + body)
    return svg.replace("<svg", '<svg aria-hidden="true" focusable="false" class="icon"', 1)


def icon(name: str, cls: str = "") -> Markup:
    svg = _icon_source(name)
    if cls:
        svg = svg.replace('class="icon"', f'class="icon {cls}"', 1)
    return Markup(svg)


def qr(data: str, title: str = "") -> Markup:
    return Markup(qr_svg(data, title=title))


def wib(dt: datetime | None, fmt: str = "long") -> str:
    """A time as people in Jakarta read it, with 'WIB' spelled out."""
    if dt is None:
        return ""
    local = dt.astimezone(WIB)
    if fmt == "date":
        return format_datetime(local, "d MMMM y")
    if fmt == "day":
        return format_datetime(local, "EEEE, d MMMM y, HH.mm") + " WIB"
    return format_datetime(local, "d MMMM y, HH.mm") + " WIB"


def localized(obj, field: str) -> str:
    """`name_id` or `name_en` of a data row, by the page's language."""
    lang = str(get_locale() or "id")
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_id")


def tracking_url(number: str) -> str:
    """The public tracking page of a complaint, reachable from a citizen's phone."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/lacak/{number}"


def crm_tracking_url(crm_number: str) -> str:
    return current_app.config["CRM_TRACKING_URL_TEMPLATE"].format(crm_number=crm_number)


@lru_cache(maxsize=None)
def _vendored_paths() -> dict[str, list[str]]:
    """Package id -> its files, from the vendoring manifest (one source of versions)."""
    manifest = json.loads((Path(__file__).parent / "static" / "vendor" / "manifest.json").read_text())
    return {
        pkg["id"]: [str(Path(f["dest"].replace("{version}", pkg["version"])).relative_to(Path("kiosk/static")))
                    for f in pkg["files"]]
        for pkg in manifest["packages"]
    }


def vendored(package_id: str, nth: int = 0) -> str:
    """The URL of a vendored package's file: its first (the script), or the nth in the manifest."""
    return url_for("static", filename=_vendored_paths()[package_id][nth])


# What the citizen at a kiosk may change about its screens, for their
# session only (kiosk/intake/views.py display): each is a class of <html>
# (kiosk/static/css/app.css) and a toggle (intake/_display_toggle.html).
# text-large: larger reading text (kiosks block pinch zoom).
# reach-low: the screen's content lowered, within reach from a wheelchair
# on a tall portrait kiosk.
DISPLAY_CHOICES = ("text-large", "reach-low")
DISPLAY = "display"  # session key: the choices made, a list


def display_choices() -> list[str]:
    """The display choices the citizen at this kiosk has made."""
    if g.get("kiosk") is None:
        return []
    chosen = session.get(DISPLAY) or ()
    return [choice for choice in DISPLAY_CHOICES if choice in chosen]


def display_on(choice: str) -> bool:
    return choice in display_choices()


def here() -> str:
    """The address of the page being rendered, for a header button's way back.
    A page answering a POST comes back by GET to the same path: every such
    path of the citizen's pages answers a GET too (kiosk/intake/views.py)."""
    return request.full_path.rstrip("?") if request.method == "GET" else request.path


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        icon=icon,
        vendored=vendored,
        qr=qr,
        localized=localized,
        tracking_url=tracking_url,
        crm_tracking_url=crm_tracking_url,
        status_info=statuses.info,
        channel_labels=statuses.CHANNEL_LABELS,
        identity_labels=statuses.IDENTITY_LABELS,
        Identity=statuses.Identity,
        display_choices=display_choices,
        display_on=display_on,
        here=here,
    )
    app.jinja_env.filters["wib"] = wib

    @app.context_processor
    def _page_context():
        return {
            "lang": str(get_locale() or "id"),
            "kiosk": g.get("kiosk"),
            "htmx_request": bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request"),
        }
