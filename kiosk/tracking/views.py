"""Public tracking: anyone with a number sees its progress, never its content.

A leased number a kiosk printed offline for a report the server had already
stored under another number (backend/aliases.py) shows that complaint, with a
notice that the receipt's number was registered under the stored one.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from backend import aliases, delivery_refusals
from backend.models import Complaint
from backend.numbering import NumberError, parse_number
from kiosk.helpers import tracking_url
from kiosk.receipts import _office_address
from printing.qr import qr_svg

bp = Blueprint("tracking", __name__, url_prefix="/lacak")

MESSAGES = {
    "shape": _l("A complaint number has 12 digits, like 0101-26-00042-8. Please check what you typed."),
    "check": _l("This number has a typing mistake: one digit is wrong or two digits are swapped. Please check it against your receipt."),
}
# A number a kiosk printed offline whose delivery the server refused (backend/delivery_refusals.py).
REFUSED = "kiosk_delivery_refused"
REFUSED_MESSAGE = _l("The report from the kiosk with this number has not reached our system yet. "
                     "Please contact %(office)s and bring your receipt, so that an officer can enter it for you.")
NOT_FOUND = _l("We have no complaint with this number. If you sent it a moment ago, try again shortly.")
# A leased number linked to a complaint stored under another number (backend/aliases.py).
ALIAS_MESSAGE = _l("The report with receipt number %(leased)s is registered under number %(number)s. "
                   "Use number %(number)s to track it.")


def find(number: str) -> tuple[Complaint | None, str | None]:
    """The complaint a normalised number names, and the leased number when it
    names it as an alias (else None): (None, None) when nothing has it."""
    found = aliases.resolve(number)
    return found if found is not None else (None, None)


def refused_office(number: str) -> dict | None:
    """The office to contact about a leased number whose kiosk delivery was
    refused and is not resolved yet; None otherwise. Nothing of the report."""
    refusal = delivery_refusals.open_for_number(number)
    if refusal is None:
        return None
    office = refusal.office
    return {"name": office.title, "address": _office_address(office), "phone": office.phone or None}


@dataclass(frozen=True)
class Endpoints:
    """Where the tracking pages' forms and links lead: the public pages, or a
    kiosk's own (kiosk/intake/views.py), which keep the kiosk's screen."""

    lookup: str = "tracking.lookup"
    detail: str = "tracking.detail"


PUBLIC = Endpoints()


def lookup_page(typed: str | None, track: Endpoints = PUBLIC):
    """The number form; a typed number, checked, sends on to its page."""
    if typed is None:
        return render_template("tracking/lookup.html", typed="", error=None, track=track)
    try:
        number = parse_number(typed)
    except NumberError as exc:
        return render_template("tracking/lookup.html", typed=typed, error=MESSAGES[exc.reason], track=track), 400
    return redirect(url_for(track.detail, number=str(number)), code=303)


@bp.get("/")
def lookup():
    return lookup_page(request.args.get("nomor"))


@bp.get("/<number>/qr.svg")
def qr(number: str):
    """The QR code of a complaint's tracking URL, as its own cacheable image.

    It depends only on the number and PUBLIC_BASE_URL, so it is computed off
    the submission's path and browsers keep it; a malformed number is a 404.
    """
    try:
        parsed = parse_number(number)
    except NumberError:
        abort(404)
    svg = qr_svg(tracking_url(str(parsed)))
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def detail_page(number: str, track: Endpoints = PUBLIC):
    """A complaint's progress; never its content."""
    try:
        parsed = parse_number(number)
    except NumberError as exc:
        return render_template("tracking/lookup.html", typed=number, error=MESSAGES[exc.reason], track=track), 400
    if str(parsed) != number:
        return redirect(url_for(track.detail, number=str(parsed)), code=301)
    complaint, leased = find(number)
    if complaint is None:
        office = refused_office(number)
        if office is not None:
            return render_template("tracking/refused.html", number=number, office=office,
                                   message=REFUSED_MESSAGE, track=track), 404
        moved_to = delivery_refusals.moved_number(number)
        if moved_to is not None:
            # An officer completed the refused report under a new number (the receipt's could not be used).
            return render_template("tracking/refused.html", number=number, office=None, moved_to=moved_to,
                                   message=ALIAS_MESSAGE, track=track)
        return render_template("tracking/lookup.html", typed=number, error=NOT_FOUND, track=track), 404
    # A leased number: the complaint's own page under its own number, with the notice.
    return render_template("tracking/detail.html", complaint=complaint, leased=leased, alias_message=ALIAS_MESSAGE,
                           track=track)


@bp.get("/<number>")
def detail(number: str):
    return detail_page(number)
