"""The statuses a complaint goes through: the one place they are defined.

Local lifecycle: submitted (numbered and stored) -> forwarded (the CRM
acknowledged it and gave its number) -> the CRM's own statuses -> closed.
The CRM statuses are those seen in crm.jakarta.go.id and the JAKI app; JAKI
colours them red (waiting), yellow (in process) and green (done). "Closed"
is never shown as "fixed" (FixMyStreet PR #2167): Selesai is the CRM's word
for a finished follow-up, TL Ditolak means the follow-up was rejected.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Status(StrEnum):
    SUBMITTED = "submitted"
    FORWARDED = "forwarded"
    MENUNGGU = "menunggu"
    MENUNGGU_VALIDASI = "menunggu_validasi"
    KOORDINASI = "koordinasi"
    DISPOSISI = "disposisi"
    PROSES = "proses"
    SELESAI = "selesai"
    TL_DITOLAK = "tl_ditolak"
    CLOSED = "closed"


class Tone(StrEnum):
    """Colour family, as JAKI uses it; CSS maps each to a palette colour."""

    WAITING = "waiting"  # red in JAKI
    PROGRESS = "progress"  # yellow
    DONE = "done"  # green
    NEUTRAL = "neutral"  # local steps before the CRM has it


@dataclass(frozen=True)
class StatusInfo:
    status: Status
    label: object  # lazy string
    tone: Tone
    from_crm: bool
    crm_name: str | None = None  # the CRM's own spelling


STATUSES: dict[Status, StatusInfo] = {
    s.status: s
    for s in (
        StatusInfo(Status.SUBMITTED, _l("Received, being sent to the CRM"), Tone.NEUTRAL, False),
        StatusInfo(Status.FORWARDED, _l("Entered into the CRM"), Tone.NEUTRAL, False),
        StatusInfo(Status.MENUNGGU, _l("Waiting"), Tone.WAITING, True, "Menunggu"),
        StatusInfo(Status.MENUNGGU_VALIDASI, _l("Waiting for validation"), Tone.WAITING, True, "Menunggu Validasi"),
        StatusInfo(Status.KOORDINASI, _l("Coordination"), Tone.PROGRESS, True, "Koordinasi"),
        StatusInfo(Status.DISPOSISI, _l("Handed to the responsible agency"), Tone.PROGRESS, True, "Disposisi"),
        StatusInfo(Status.PROSES, _l("Being followed up"), Tone.PROGRESS, True, "Proses"),
        StatusInfo(Status.SELESAI, _l("Follow-up finished"), Tone.DONE, True, "Selesai"),
        StatusInfo(Status.TL_DITOLAK, _l("Follow-up rejected"), Tone.WAITING, True, "TL Ditolak"),
        StatusInfo(Status.CLOSED, _l("Closed"), Tone.DONE, False),
    )
}

CRM_NAME_TO_STATUS = {info.crm_name: s for s, info in STATUSES.items() if info.crm_name}


def info(status: str | Status) -> StatusInfo:
    return STATUSES[Status(status)]


class Channel(StrEnum):
    """How a complaint came in; one list for intake, monitoring and exports."""

    KIOSK = "kiosk"  # self-service at an office kiosk
    PHONE = "phone"  # the citizen's own phone (web app)
    DESK = "desk"  # assisted by an officer at the desk or beside a kiosk
    TELEPHONE = "telephone"  # an officer typing a phone call
    LETTER = "letter"  # an officer typing a letter


CHANNEL_LABELS = {
    Channel.KIOSK: _l("Office kiosk"),
    Channel.PHONE: _l("Phone (web app)"),
    Channel.DESK: _l("At the desk, with an officer"),
    Channel.TELEPHONE: _l("Telephone"),
    Channel.LETTER: _l("Letter"),
}


class Identity(StrEnum):
    """What the citizen lets us do with who they are (LAPOR! offers the same two)."""

    NAMED = "named"  # name may be shared with the agency following up
    ANONYMOUS = "anonymous"  # identity never leaves this system, not even to the CRM
    CONFIDENTIAL = "confidential"  # identity kept, content flagged not public


IDENTITY_LABELS = {
    Identity.NAMED: _l("With my name"),
    Identity.ANONYMOUS: _l("Anonymous"),
    Identity.CONFIDENTIAL: _l("Confidential"),
}
