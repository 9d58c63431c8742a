"""Receipts for complaints: the web layer's side of `printing.receipts`.

`build_receipt(complaint, lang)` turns a stored complaint into the plain data a
receipt prints (`printing.receipts.ReceiptData`), in the citizen's language,
without personal data beyond the reporter's name on named complaints. Then:

    receipt_pdf_for(complaint, size)   the PDF, cached by content (a reprint of
                                       the same content is not rendered again)
    print_at_kiosk(kiosk, complaint)   ESC/POS to the kiosk's thermal printer
    flask receipt print NUMBER --size 80 --out FILE   the same PDF from the CLI

The officers' console reprints through `receipt_pdf_for`: same complaint,
same content, same PDF; with the CRM number once it has arrived.
"""
from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

import click
from flask import Blueprint, Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from backend import privacy
from backend.extensions import db
from backend.models import Complaint, Kiosk, OfficeKind, utcnow
from backend.statuses import CHANNEL_LABELS, IDENTITY_LABELS, Channel, Identity
from kiosk.helpers import localized, tracking_url, wib
from printing import escpos
from printing.receipts import LANGUAGES, SIZES, STATIC, TEMPLATES, ReceiptCache, ReceiptData, check_size

FOLLOW_UP_DAYS = 7  # the CRM's maximum follow-up time (design notes §2)
LOCATION_MAX_CHARS = 90

# What looks like contact details typed into the address field: an e-mail
# address, or a run of 8+ digits (phone numbers, NIK) with the usual separators.
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\d(?:[\s().-]?\d){7,}")

log = logging.getLogger(__name__)


def _location(complaint: Complaint) -> str:
    """The address or landmark, trimmed, with contact details taken out."""
    text = _CONTACT.sub("…", " ".join((complaint.address or "").split()))
    if len(text) > LOCATION_MAX_CHARS:
        cut = text[:LOCATION_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:.- ")
        text = (cut or text[:LOCATION_MAX_CHARS]) + "…"
    neighbourhood = " / ".join(
        f"{name} {value}" for name, value in (("RT", complaint.rt), ("RW", complaint.rw)) if value
    )
    return ", ".join(part for part in (text, neighbourhood) if part)


def _office_address(office) -> str:
    if office.address:
        return office.address
    parts = []
    if office.kind == OfficeKind.KELURAHAN and office.parent is not None:
        parts.append(office.parent.title)
    parts.append(" ".join(p for p in ("Jakarta Selatan", office.postal_code) if p))
    return ", ".join(parts)


def receipt_language(complaint: Complaint, lang: str | None = None) -> str:
    for candidate in (lang, complaint.language, "id"):
        if candidate in LANGUAGES:
            return candidate
    return "id"


def build_receipt(complaint: Complaint, lang: str | None = None) -> ReceiptData:
    """The receipt's content, in `lang` (default: the language the citizen chose)."""
    lang = receipt_language(complaint, lang)
    with force_locale(lang):
        kelurahan = complaint.kelurahan
        place = ", ".join(o.title for o in (kelurahan, kelurahan.parent) if o is not None
                          and o.kind in (OfficeKind.KELURAHAN, OfficeKind.KECAMATAN))
        named = complaint.identity == Identity.NAMED and bool(complaint.reporter_name)
        return ReceiptData(
            language=lang,
            number=complaint.number,
            office_title=complaint.office.title,
            office_address=_office_address(complaint.office),
            received_at=wib(complaint.submitted_at),
            channel=str(CHANNEL_LABELS[Channel(complaint.channel)]),
            category=localized(complaint.category, "name"),
            place=place,
            location=_location(complaint),
            tracking_url=tracking_url(complaint.number),
            crm_number=complaint.crm_number or None,
            next_steps=(
                _("Your report is entered into Jakarta's CRM; you then also get a CRM number on the tracking page."),
                _("Kelurahan %(name)s follows it up, within 24 hours where it can.", name=kelurahan.name),
                _("If another agency is responsible, it is handed over. Follow-up takes at most 7 days."),
            ),
            follow_up_by=wib(complaint.submitted_at + timedelta(days=FOLLOW_UP_DAYS), "date"),
            privacy_notice=_("Your personal data is protected by law (UU 27/2022) and used only to follow up this complaint."),
            identity_label=str(IDENTITY_LABELS[Identity(complaint.identity)]),
            reporter_name=complaint.reporter_name if named else None,
        )


# --- PDFs ------------------------------------------------------------------------

def receipt_cache(app: Flask | None = None) -> ReceiptCache:
    """This app's PDF cache: in memory, and under instance/receipts/."""
    app = app or current_app
    cache = app.extensions.get("kios_receipts")
    if cache is None:
        cache = app.extensions["kios_receipts"] = ReceiptCache(Path(app.instance_path) / "receipts")
    return cache


def receipt_pdf_for(complaint: Complaint, size: str, lang: str | None = None) -> bytes:
    """The receipt PDF of a complaint (58, 80, a6, a4): rendered once per content.

    For the citizen's own screen (the session's complaint) and for officers
    reprinting later: the content, and so the PDF, stays the same until
    something on it changes (the CRM number arrives).
    """
    return receipt_cache().pdf(build_receipt(complaint, lang), check_size(size))


def pdf_filename(complaint: Complaint, size: str) -> str:
    return f"tanda-terima-{complaint.number}-{size}.pdf"


# --- kiosk printers ----------------------------------------------------------------

def print_at_kiosk(kiosk: Kiosk, complaint: Complaint, lang: str | None = None) -> str | None:
    """Send the receipt to the kiosk's ESC/POS printer.

    Returns None when it was sent, else the reason it was not. Either way the
    kiosk's printer status is recorded; the complaint itself is already
    stored, so a printer failure loses nothing.
    """
    error = None
    if not kiosk.printer_url:
        error = "no printer_url configured"
    else:
        try:
            escpos.print_escpos(build_receipt(complaint, lang), kiosk.printer_url, kiosk.paper_mm,
                                timeout=current_app.config.get("KIOSK_PRINTER_TIMEOUT", 8))
        except escpos.PrinterError as exc:
            error = str(exc) or "printer error"
    kiosk.printer_status = "ok" if error is None else f"error: {error}"[:120]
    kiosk.printer_status_at = utcnow()
    db.session.commit()
    if error is not None:
        current_app.logger.warning("kiosk %s: receipt %s not printed: %s", kiosk.code, complaint.number, error)
    return error


# --- CLI ---------------------------------------------------------------------------

receipt_cli = AppGroup("receipt", help="Complaint receipts: print again with the same content.")


@receipt_cli.command("print")
@click.argument("number")
@click.option("--size", type=click.Choice(SIZES), default="80", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF ('-' for standard output).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="Language of the receipt (default: the one the citizen chose).")
def print_command(number, size, out, lang):
    """Write the receipt PDF of complaint NUMBER (e.g. 0101-26-00042-8)."""
    complaint = db.session.execute(select(Complaint).filter_by(number=number.strip())).scalar_one_or_none()
    if complaint is None:
        raise click.ClickException(f"no complaint numbered {number}")
    pdf = receipt_pdf_for(complaint, size, lang)
    if out == "-":
        click.get_binary_stream("stdout").write(pdf)
    else:
        Path(out).write_bytes(pdf)
        click.echo(f"{out}: receipt {complaint.number}, {size}, {len(pdf)} bytes")


# printing/ holds the one receipt template (the screen includes it) and its
# stylesheet (the screen and the browser's print use it): a blueprint adds
# both to the app, the template folder to Jinja's search path, the static
# folder at /printing/static/.
assets = Blueprint("receipts", __name__, template_folder=str(TEMPLATES), static_folder=str(STATIC),
                   static_url_path="/printing/static")


def _forget_receipts(app: Flask, numbers: set[str], **_kw) -> None:
    # A named reporter's receipt prints the name: after a correction or an
    # erasure (backend/privacy.py) no cached copy may be served again.
    try:
        receipt_cache(app).forget_many(numbers)
    except OSError:
        # The data itself is erased (committed); a file left behind must not undo it.
        log.exception("cached receipts of %d complaints could not all be deleted", len(numbers))


def register(app: Flask) -> None:
    privacy.personal_data_changed.connect(_forget_receipts, sender=app)
    app.register_blueprint(assets)
    app.cli.add_command(receipt_cli)
