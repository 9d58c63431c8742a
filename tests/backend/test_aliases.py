"""Leased numbers linked to a complaint stored under another number (backend/aliases.py):
an online "Kirim laporan" stored, its answer lost, the same report delivered
offline under the same key with a leased number."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend import aliases, intake, leases
from backend.extensions import db
from backend.models import Complaint, ComplaintNumberAlias
from tests.backend.test_leases import kiosk, request


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Complaint)),
            db.session.scalar(select(func.count()).select_from(ComplaintNumberAlias)))


def stored_then_replayed_offline(code="tebet-timur"):
    """The online submit (stored, answer lost), then the offline delivery of the
    same report under the same key with the kiosk's next leased number."""
    online = request(kiosk_code=code)
    stored = intake.submit(online).complaint
    leased = str(leases.refill(kiosk(code))[0])
    replay = intake.submit(request(idempotency_key=online.idempotency_key, kiosk_code=code, leased_number=leased))
    assert replay.replayed and replay.complaint.id == stored.id
    return replay.complaint, leased


def test_a_replayed_leased_delivery_links_the_number_once(app_ctx):
    complaint, leased = stored_then_replayed_offline()
    assert leased != complaint.number
    assert aliases.link_leased(complaint, kiosk(), leased) == leased
    assert counts() == (1, 1)
    row = db.session.execute(select(ComplaintNumberAlias)).scalar_one()
    assert (row.number, row.complaint_id, row.kiosk_id) == (leased, complaint.id, kiosk().id)
    assert row.created_at.tzinfo is not None
    # The same delivery again: the same answer, nothing new.
    assert aliases.link_leased(complaint, kiosk(), leased.replace("-", "")) == leased
    assert counts() == (1, 1)
    assert [a.number for a in db.session.get(Complaint, complaint.id).number_aliases] == [leased]


def test_a_linked_number_is_used_for_leases_and_intake(app_ctx):
    complaint, leased = stored_then_replayed_offline()
    aliases.link_leased(complaint, kiosk(), leased)
    assert leases.number_taken(leased)
    with pytest.raises(leases.LeaseInvalid) as exc:
        leases.check("tebet-timur", leased)
    assert exc.value.message == leases.TAKEN
    assert leased not in [str(n) for n in leases.refill(kiosk())]
    # Another report printed with the same number (a kiosk bug) is refused, not stored.
    with pytest.raises(intake.IntakeInvalid) as refused:
        intake.submit(request(description="Pohon tumbang menutup jalan di depan pasar.", leased_number=leased))
    assert refused.value.errors == {"leased_number": leases.TAKEN}
    assert counts() == (1, 1)


def test_a_used_up_block_counts_linked_numbers(app_ctx):
    app_ctx.config["KIOSK_LEASE_SIZE"] = 2
    try:
        complaint, first = stored_then_replayed_offline()
        aliases.link_leased(complaint, kiosk(), first)
        second = str(leases.refill(kiosk())[0])
        assert second != first
        intake.submit(request(description="Lampu jalan mati sejak tiga hari, gelap sekali.", leased_number=second))
        # Both numbers of the first block are used (one by an alias): a new block, the old one closed.
        fresh = [str(n) for n in leases.refill(kiosk())]
        assert first not in fresh and second not in fresh and len(fresh) == 2
    finally:
        app_ctx.config["KIOSK_LEASE_SIZE"] = 10


def test_nothing_is_linked_that_is_not_this_kiosks(app_ctx):
    complaint, leased = stored_then_replayed_offline()
    other = str(leases.refill(kiosk("tebet"))[0])
    assert aliases.link_leased(complaint, kiosk(), other) is None  # another kiosk's lease
    assert aliases.link_leased(complaint, kiosk("tebet"), other) is None  # another kiosk's complaint
    assert aliases.link_leased(complaint, kiosk(), complaint.number) is None  # its own number
    assert aliases.link_leased(complaint, kiosk(), "not a number") is None
    assert aliases.link_leased(complaint, kiosk(), None) is None
    assert counts() == (1, 0)
    # A number already on another complaint is never linked.
    taken = intake.submit(request(description="Saluran air tersumbat sampah di RT 3.", leased_number=leased))
    assert aliases.link_leased(complaint, kiosk(), leased) is None
    assert counts() == (2, 0)
    assert taken.complaint.number == leased


def test_resolve_and_the_search_clause_find_the_complaint_by_either_number(app_ctx):
    complaint, leased = stored_then_replayed_offline()
    number = complaint.number
    assert aliases.resolve(leased) is None
    aliases.link_leased(complaint, kiosk(), leased)
    assert aliases.resolve(number) == (complaint, None)
    found, alias = aliases.resolve(leased)
    assert (found.number, alias) == (number, leased)
    for typed in (number, leased):
        assert db.session.scalars(select(Complaint.number).where(aliases.number_clause(typed))).all() == [number]
