"""The rollups behind the dashboard (backend/monitoring/rollup.py), on both lanes:

- kept in step by the real write paths (intake, relay deliveries and give-ups,
  manual entry, re-sends, CRM status sync): after a random mix of them the
  maintained tables equal a rebuild from scratch;
- read back, they give the figures the complaints give when counted live
  (tests/monitoring/live.py, the query layer before the rollups), for every
  kind of scope, with acknowledgement times in whole minutes;
- a rolled-back transaction leaves them alone.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend import intake
from backend.crm import manual, outbox, sync
from backend.crm.client import Ack, CrmError, RemoteRequest, StatusChange
from backend.crm.relay import Relay
from backend.extensions import db
from backend.models import Complaint, MonitoringDaily, MonitoringFacet, OutboxItem, utcnow
from backend.monitoring import queries, rollup, synthetic
from backend.monitoring.scope import Scope, make_scope
from backend.statuses import STATUSES, Channel
from backend.workdays import WIB
from tests.monitoring import live
from tests.officers import make_user

CRM_NAMES = [info.crm_name for info in STATUSES.values() if info.crm_name] + ["closed"]


def tables() -> tuple[dict, dict]:
    daily = {(r.node_id, r.grain, r.day): tuple(getattr(r, c) for c in rollup.DAILY_COLUMNS)
             for r in db.session.scalars(select(MonitoringDaily))}
    facets = {(r.node_id, r.grain, r.day, r.facet, r.value): r.n for r in db.session.scalars(select(MonitoringFacet))}
    db.session.rollback()
    return daily, facets


class FlakyCrm:
    """An Open311 client that stores most requests and fails the rest."""

    def __init__(self, rng: random.Random, clock):
        self.rng, self.clock, self.seq = rng, clock, 0

    def submit(self, request, key):
        if self.rng.random() < 0.35:
            raise CrmError("503 from the CRM")
        self.seq += 1
        at = self.clock() - timedelta(seconds=self.rng.randrange(0, 3000)) if self.rng.random() < 0.7 else None
        return Ack(f"JK{self.seq:010d}", at)

    def close(self):
        pass


def _request(rng: random.Random, officer_id: int) -> intake.IntakeRequest:
    kelurahan = rng.choice(["0101", "0102", "0601", "0602", "1001"])
    fields = dict(idempotency_key=uuid.uuid4().hex, category_code=rng.choice(["JALAN_RUSAK", "SAMPAH"]),
                  kelurahan_code=kelurahan, description="Lubang besar di depan sekolah, berbahaya untuk anak-anak.",
                  identity="anonymous", consent=True)
    kind = rng.random()
    if kind < 0.4:
        return intake.IntakeRequest(channel=Channel.KIOSK, kiosk_code=rng.choice(
            ["walikota-lobi", "tebet", "tebet-timur", "cilandak-barat"]), **fields)
    if kind < 0.7:
        return intake.IntakeRequest(channel=Channel.PHONE, **fields)
    return intake.IntakeRequest(channel=rng.choice([Channel.DESK, Channel.TELEPHONE, Channel.LETTER]),
                                office_code=rng.choice(["0000", "0100", "0600"]), officer_id=officer_id, **fields)


@pytest.mark.parametrize("seed", [1, 2])
def test_maintained_rollups_equal_a_rebuild(app_ctx, monkeypatch, seed):
    app = app_ctx
    for key, value in {"CRM_BACKOFF_BASE_SECONDS": 1.0, "CRM_BACKOFF_MAX_SECONDS": 5.0,
                       "CRM_GIVE_UP_AFTER_SECONDS": 3600.0, "CRM_BATCH_SIZE": 7, "CRM_CONCURRENCY": 2}.items():
        monkeypatch.setitem(app.config, key, value)
    rng = random.Random(seed)
    officer = make_user(f"petugas.rollup{seed}", "petugas", "0000")
    # Older complaints too (bulk: the rollups are rebuilt), so that changes reach days other than today.
    now = utcnow()
    synthetic.insert_complaints(synthetic.generate(150, now - timedelta(days=40), now, seed=seed, now=now))
    offset = timedelta(0)

    def clock():
        return utcnow() + offset

    relay = Relay(FlakyCrm(rng, clock), clock=clock, rng=rng, name=f"test-{seed}")
    crm_seq = 0
    counts = dict.fromkeys(("intake", "relay", "manual", "resend", "sync"), 0)
    try:
        for _step in range(70):
            roll = rng.random()
            if roll < 0.35:
                monkeypatch.setitem(app.config, "CRM_MODE", "manual" if rng.random() < 0.3 else "api")
                intake.submit(_request(rng, officer))
                counts["intake"] += 1
            elif roll < 0.55:
                offset += timedelta(minutes=rng.randrange(1, 50))
                relay.run_once()
                counts["relay"] += 1
            elif roll < 0.65:
                waiting = db.session.execute(
                    select(Complaint.number).join(OutboxItem, OutboxItem.complaint_id == Complaint.id)
                    .where(OutboxItem.state.in_(("manual", "given_up")), Complaint.number.not_like("S%"))).scalars().all()
                db.session.rollback()
                if waiting:
                    crm_seq += 1
                    manual.record_crm_number(rng.choice(waiting), f"JK9{crm_seq:09d}", by="petugas")
                    counts["manual"] += 1
            elif roll < 0.72:
                given_up = db.session.execute(
                    select(Complaint.number).join(OutboxItem, OutboxItem.complaint_id == Complaint.id)
                    .where(OutboxItem.state == "given_up", Complaint.number.not_like("S%"))).scalars().all()
                db.session.rollback()
                if given_up:
                    outbox.resend(rng.choice(given_up))
                    counts["resend"] += 1
            else:
                known = db.session.execute(select(Complaint.id, Complaint.crm_number, Complaint.forwarded_at)
                                           .where(Complaint.crm_number.is_not(None))).all()
                db.session.rollback()
                if known:
                    remote = []
                    for cid, crm_number, forwarded_at in rng.sample(known, min(len(known), 6)):
                        at = forwarded_at + timedelta(hours=rng.randrange(1, 14 * 24), seconds=rng.randrange(3600))
                        if rng.random() < 0.3:
                            history = tuple(StatusChange(rng.choice(CRM_NAMES), at + timedelta(hours=i))
                                            for i in range(rng.randrange(1, 4)))
                            remote.append(RemoteRequest(crm_number, "open", None, None, history))
                        else:
                            remote.append(RemoteRequest(crm_number, "open", rng.choice(CRM_NAMES), at))
                    sync.apply(remote, {n: cid for cid, n, _f in known}, clock())
                    counts["sync"] += 1
    finally:
        relay.close()
    states = set(db.session.scalars(select(OutboxItem.state)))
    statuses = set(db.session.scalars(select(Complaint.status)))
    closed = db.session.scalar(select(Complaint.id).where(Complaint.closed_at.is_not(None)).limit(1))
    db.session.rollback()
    # The mix did reach every kind of change.
    assert all(counts.values()), counts
    assert {"delivered", "given_up"} <= states, states
    assert len(statuses) >= 5 and closed is not None, statuses

    maintained = tables()
    assert maintained[0] and maintained[1]
    rollup.rebuild()
    assert tables() == maintained


def test_a_rolled_back_transaction_leaves_the_rollups_alone(app_ctx):
    intake.submit(intake.IntakeRequest(
        idempotency_key=uuid.uuid4().hex, channel=Channel.KIOSK, kiosk_code="tebet-timur", category_code="JALAN_RUSAK",
        kelurahan_code="0101", description="Lubang besar di depan sekolah, berbahaya.", identity="anonymous",
        consent=True))
    before = tables()
    complaint_id = db.session.scalar(select(Complaint.id))
    tracked = rollup.before(db.session, [complaint_id])
    db.session.execute(OutboxItem.__table__.update().values(state="given_up"))
    rollup.after(db.session, tracked)
    db.session.rollback()
    db.session.commit()  # nothing queued may survive into the next transaction
    assert tables() == before
    daily, facets = before
    # Tebet Timur, Tebet and the city: today and this month.
    assert sorted(grain for _node, grain, _day in daily) == ["day"] * 3 + ["month"] * 3
    assert all(v[0] == 1 for v in daily.values())
    assert sum(n for (_n, grain, _d, facet, _v), n in facets.items() if grain == "day" and facet == "status") == 3


NOW = datetime(2026, 6, 20, 10, 30, tzinfo=WIB)


def _scopes(tree_scope: Scope):
    tree = tree_scope.tree
    kec = tree.by_code["0100"]
    yield make_scope(visible=None, period="custom", start=date(2026, 6, 1), end=date(2026, 6, 30), now=NOW, tree=tree)
    yield make_scope(visible=None, period="custom", start=date(2025, 7, 1), end=date(2026, 6, 30), now=NOW, tree=tree)
    yield make_scope(visible=None, period="custom", start=date(2026, 6, 13), end=date(2026, 6, 13), now=NOW,
                     tree=tree)  # the day the 7-day cut-off falls on
    yield make_scope(visible=None, period="custom", start=date(2026, 1, 1), end=date(2026, 6, 14), now=NOW,
                     area_code="0100", tree=tree)
    yield make_scope(visible=None, period="custom", start=date(2026, 5, 1), end=date(2026, 6, 30), now=NOW,
                     area_code="0601", tree=tree)
    # Months mostly in the range: month rows less the days outside it.
    yield make_scope(visible=None, period="custom", start=date(2025, 7, 3), end=date(2026, 6, 25), now=NOW, tree=tree)
    yield make_scope(visible=None, period="custom", start=date(2026, 2, 10), end=date(2026, 6, 20), now=NOW,
                     area_code="0100", tree=tree)
    # Not a whole subtree (the kecamatan office alone, and one of its kelurahan with another kecamatan's):
    # nodes with weight -1.
    for ids in ({kec.id}, {kec.id, tree.by_code["0101"].id, tree.by_code["0600"].id}):
        yield Scope(start=date(2026, 3, 4), end=date(2026, 6, 30), office_ids=frozenset(ids), tree=tree, now=NOW)


def test_rollups_give_the_figures_the_complaints_give(app_ctx):
    start = datetime(2025, 6, 1, tzinfo=timezone.utc)
    synthetic.insert_complaints(synthetic.generate(4000, start, NOW + timedelta(days=5), seed=11, now=NOW))
    first = make_scope(visible=None, now=NOW)
    checked = 0
    for scope in _scopes(first):
        d = queries.dashboard(scope)
        own = {r.office.id: r.own for r in d.office_rows}
        expected = live.office_counts(scope)
        assert d.totals.complaints > 0
        for oid in [o.id for o in scope.offices()]:
            c = own[oid]
            got = (c.complaints, c.waiting, c.manual, c.delivered, c.given_up, c.overdue, c.in_hours, c.out_hours)
            assert got == expected.get(oid, (0,) * 8), (scope, oid)
        cc = live.channel_category_counts(scope)
        assert {b.key: b.value for b in d.by_channel if b.value} == _sum_by(cc, 0)
        names = queries.category_names()
        assert {b.key: b.value for b in d.by_category} == {names[k][0]: v for k, v in _sum_by(cc, 1).items()}
        hourly = live.hourly_counts(scope)
        assert {b.key: b.value for b in d.by_day if b.value} == {k.isoformat(): v for k, v in _sum_by(hourly, 0).items()}
        assert {b.key: b.value for b in d.by_hour if b.value} == {f"{k:02d}": v for k, v in _sum_by(hourly, 1).items()}
        statuses, finished, late = live.status_counts(scope)
        assert {b.key: b.value for b in d.by_status if b.value} == statuses
        assert (d.finished, d.finished_late) == (finished, late)
        n, (median, p95) = live.ack_percentiles(scope)
        assert d.ack_count == n
        # Whole minutes, truncated: never above the exact figure, less than a minute below it.
        assert 0 <= median - d.ack_median_seconds < 60 and 0 <= p95 - d.ack_p95_seconds < 60
        checked += 1
    assert checked == 9


def _sum_by(counts: dict, index: int) -> dict:
    out: dict = {}
    for key, n in counts.items():
        out[key[index]] = out.get(key[index], 0) + n
    return out


def test_segments_cover_each_day_once():
    first, last = date(2025, 7, 3), date(2026, 6, 25)
    covered: dict[date, int] = {}
    segs = queries.segments(first, last)
    assert len(segs) == 3  # the months in one range; two ranges of days taken off
    for grain, lo, hi, sign in segs:
        if grain == rollup.MONTH:
            assert lo.day == hi.day == 1
            hi = (hi.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        day = lo
        while day <= hi:
            covered[day] = covered.get(day, 0) + sign
            day += timedelta(days=1)
    assert {d for d, n in covered.items() if n} == {first + timedelta(days=i) for i in range((last - first).days + 1)}
    assert set(covered.values()) <= {0, 1}
    day_rows = sum((hi - lo).days + 1 for grain, lo, hi, _s in queries.segments(first, last) if grain == rollup.DAY)
    assert day_rows == 2 + 5  # July 1-2 and June 26-30 taken off their months
    assert queries.segments(date(2026, 6, 13), date(2026, 6, 13)) == [(rollup.DAY, date(2026, 6, 13),
                                                                      date(2026, 6, 13), 1)]


def test_percentiles_interpolate_like_percentile_cont():
    assert queries.percentiles({}) == (0, [None, None])
    assert queries.percentiles({7: 1}) == (1, [7.0, 7.0])
    # 10, 20, 20, 40: median between ranks 1 and 2; p95 at rank 2.85
    n, (median, p95) = queries.percentiles({10: 1, 20: 2, 40: 1})
    assert n == 4 and median == 20.0 and p95 == pytest.approx(20 + 0.85 * 20)
    assert rollup.ack_minutes(NOW, NOW + timedelta(minutes=10)) == 10
    assert rollup.ack_minutes(NOW, NOW + timedelta(minutes=10, microseconds=-1)) == 9
    assert rollup.ack_minutes(NOW, NOW - timedelta(seconds=5)) == 0


def test_cli_rebuilds_the_rollups(app):
    with app.app_context():
        from tests.monitoring import known

        known.build()
        db.session.execute(MonitoringFacet.__table__.delete())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["monitoring", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("11 complaints:")
    with app.app_context():
        assert tables()[1]
