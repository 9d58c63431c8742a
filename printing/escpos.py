"""Receipts on thermal printers without a driver: ESC/POS through python-escpos.

    escpos_bytes(data, paper_mm)        the bytes a printer would get (Dummy printer)
    print_escpos(data, target, paper_mm)  send them to a printer, or raise PrinterError

The receipt carries what the PDF carries (printing.receipts.ReceiptData), in
the printer's own font: text, the complaint number double size, a QR code of
the tracking URL (the printer's native QR command, or a raster image for
printers without one) and a paper cut. Labels come from the project's one
catalogue, in the receipt's language.

Printer targets (Kiosk.printer_url):

    tcp://10.0.0.20:9100            network printer (port 9100 by default)
    usb://04b8:0e15                 USB vendor:product id (needs libusb)
    file:///dev/usb/lp0             a device file (the kernel's usblp driver)

with optional query parameters `profile=` (a python-escpos capability
profile, e.g. TM-T20II) and `qr=native|raster`.
"""
from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from printing.receipts import ReceiptData, translations

# Characters per line in font A (12 dots wide) at 203 dpi: 384 and 576 dots.
COLUMNS = {58: 32, 80: 48}
# QR module size in dots: about 25 mm and 33 mm for a tracking URL.
QR_MODULE = {58: 6, 80: 8}
QR_EC_M = 1  # escpos.constants.QR_ECLEVEL_M


class PrinterError(RuntimeError):
    """The printer could not be reached or refused the job."""


def plain(text: str) -> str:
    """Text as every ESC/POS code page can print it (ASCII)."""
    text = (text.replace("—", "-").replace("–", "-").replace("·", "-").replace("…", "...")
            .replace("“", '"').replace("”", '"').replace("’", "'"))
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and (c.isprintable() or c == "\n"))


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(plain(text), width=width, subsequent_indent=indent, break_long_words=True,
                         break_on_hyphens=False) or [""]


def write_receipt(p, data: ReceiptData, paper_mm: int = 80, *, native_qr: bool = True) -> None:
    """Write a receipt to a python-escpos printer object (real or Dummy)."""
    if paper_mm not in COLUMNS:
        raise ValueError(f"paper_mm must be 58 or 80: {paper_mm!r}")
    cols = COLUMNS[paper_mm]
    _ = translations(data.language).gettext
    rule = "-" * cols

    def lines(text, *, indent="", width=cols):
        for line in _wrap(text, width, indent):
            p.textln(line)

    p.set_with_default(align="center", bold=True)
    lines(f"{_('Kios Aduan')} - {_('Complaint receipt')}".upper())
    lines(data.office_title)
    p.set_with_default(align="center")
    if data.office_address:
        lines(data.office_address)
    p.textln(rule)

    p.set_with_default(align="center", bold=True)
    lines(_("Your complaint number").upper())
    p.set_with_default(align="center", bold=True, double_width=True, double_height=True)
    p.textln(plain(data.number))
    p.set_with_default(align="center")
    lines(_("Keep this number: write it down or photograph the code."))
    if data.crm_number:
        lines(f"{_('CRM number')}: {data.crm_number}")
    p.set_with_default(align="left")
    p.textln(rule)

    label_width = 12 if paper_mm == 80 else 10
    facts = [
        (_("Received"), data.received_at),
        (_("Channel"), data.channel),
        (_("Problem"), data.category),
        (_("Place"), ", ".join(part for part in (data.location, data.place) if part)),
        (_("Reported by"), data.reporter_name or data.identity_label),
    ]
    for label, value in facts:
        head = plain(label)[: label_width - 1].ljust(label_width)
        body = _wrap(value, cols - label_width)
        p.textln(head + body[0])
        for more in body[1:]:
            p.textln(" " * label_width + more)
    p.textln(rule)

    p.set_with_default(align="center")
    if native_qr:
        p.qr(data.tracking_url, ec=QR_EC_M, size=QR_MODULE[paper_mm], native=True)
    else:
        p.qr(data.tracking_url, ec=QR_EC_M, size=QR_MODULE[paper_mm] // 2, native=False, center=True)
    p.set_with_default(align="center", bold=True)
    lines(_("Scan to track"))
    p.set_with_default(align="center")
    for start in range(0, len(data.tracking_url), cols):  # a URL breaks anywhere
        p.textln(plain(data.tracking_url[start:start + cols]))
    p.set_with_default(align="left")
    p.textln(rule)

    p.set_with_default(align="left", bold=True)
    lines(_("What happens next").upper())
    p.set_with_default(align="left")
    for n, step in enumerate(data.next_steps, 1):
        lines(f"{n}. {step}", indent="   ")
    p.set_with_default(align="left", bold=True)
    lines(f"{_('Follow-up due by')}: {data.follow_up_by}")
    p.set_with_default(align="left")
    p.textln(rule)

    p.set_with_default(align="center", bold=True)
    lines(_("This is not for emergencies. For fire, accidents, medical help or disasters call %(number)s.")
          % {"number": data.emergency_number})
    p.set_with_default(align="center")
    lines(data.privacy_notice)
    p.set_with_default()
    p.cut()


def escpos_bytes(data: ReceiptData, paper_mm: int = 80, *, native_qr: bool = True,
                 profile: str | None = None) -> bytes:
    """The bytes a printer would receive for this receipt."""
    from escpos.printer import Dummy

    p = Dummy(profile=profile) if profile else Dummy()
    write_receipt(p, data, paper_mm, native_qr=native_qr)
    return p.output


@dataclass(frozen=True)
class Target:
    kind: str  # tcp | usb | file
    address: str
    port: int | None = None
    profile: str | None = None
    native_qr: bool = True


def parse_target(url: str) -> Target:
    parts = urlsplit((url or "").strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    profile = query.get("profile") or None
    native = query.get("qr", "native") != "raster"
    if parts.scheme == "tcp" and parts.hostname:
        return Target("tcp", parts.hostname, parts.port or 9100, profile, native)
    if parts.scheme == "usb" and parts.netloc.count(":") == 1:
        vid, pid = parts.netloc.split(":")
        try:
            int(vid, 16), int(pid, 16)
        except ValueError:
            pass
        else:
            return Target("usb", parts.netloc, None, profile, native)
    if parts.scheme == "file" and parts.path:
        return Target("file", parts.path, None, profile, native)
    raise PrinterError(f"not a printer address: {url!r} (tcp://host:9100, usb://VID:PID, file:///dev/usb/lp0)")


def open_printer(target: Target, timeout: float = 10):
    from escpos import printer

    kwargs = {"profile": target.profile} if target.profile else {}
    if target.kind == "tcp":
        return printer.Network(target.address, port=target.port, timeout=timeout, **kwargs)
    if target.kind == "usb":
        vid, pid = (int(x, 16) for x in target.address.split(":"))
        return printer.Usb(vid, pid, timeout=int(timeout * 1000), **kwargs)
    return printer.File(target.address, **kwargs)


def print_escpos(data: ReceiptData, target: str, paper_mm: int = 80, *, timeout: float = 10) -> None:
    """Print a receipt on the printer at `target`; PrinterError says why not."""
    spec = parse_target(target)
    device = None
    try:
        device = open_printer(spec, timeout)
        device.open()
        write_receipt(device, data, paper_mm, native_qr=spec.native_qr)
        if hasattr(device, "flush"):
            device.flush()
    except PrinterError:
        raise
    except Exception as exc:  # python-escpos raises many kinds (socket, USB, OS errors)
        raise PrinterError(f"{type(exc).__name__}: {exc}".strip()[:200]) from exc
    finally:
        if device is not None:
            try:
                device.close()
            except Exception:  # closing a printer that never opened
                pass
