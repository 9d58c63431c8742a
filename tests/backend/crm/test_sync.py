"""Status sync: the CRM's statuses become the timeline, each change once."""
from datetime import timedelta

import httpx

from backend.crm import sync
from backend.crm.client import Open311Client
from backend.crm.relay import Relay
from backend.statuses import Status
from tests.backend.crm.conftest import complaints, file_complaints


def _deliver(n: int):
    file_complaints(n)
    with Relay() as relay:
        relay.run(drain=True)
    return complaints()


def test_sync_builds_the_timeline_with_the_crms_times(crm, standin, client):
    first, second = _deliver(2)
    base = first.forwarded_at.replace(microsecond=0) + timedelta(minutes=1)
    steps = ["Menunggu Validasi", "Koordinasi", "Disposisi", "Proses"]
    for i, name in enumerate(steps):
        standin.set_status(first.crm_number, name, at=base + timedelta(hours=i))
    crm.config["CRM_SYNC_BATCH_SIZE"] = 1  # one GET per complaint: batches are walked
    stats = sync.run_once()
    assert (stats.checked, stats.errors) == (2, 0)
    first, second = complaints()
    crm_events = [(e.status, e.at) for e in first.events if e.source == "crm"]
    assert [s for s, _ in crm_events] == [Status.MENUNGGU, Status.MENUNGGU_VALIDASI, Status.KOORDINASI,
                                          Status.DISPOSISI, Status.PROSES]
    assert [at for _, at in crm_events[1:]] == [base + timedelta(hours=i) for i in range(4)]
    assert first.status == Status.PROSES and first.closed_at is None
    assert second.status == Status.MENUNGGU
    # Seen again: nothing new.
    assert sync.run_once().changes == 0
    assert len(complaints()[0].events) == 2 + 5

    # The citizen's tracking page shows the CRM number and its statuses, newest first, in the CRM's colours.
    html = client.get(f"/lacak/{first.number}").get_data(as_text=True)
    assert first.crm_number in html and "badge--progress" in html
    timeline = html[html.index('class="timeline"'):]
    positions = [timeline.index(name) for name in ("Proses", "Disposisi", "Koordinasi", "Menunggu Validasi")]
    assert positions == sorted(positions)
    assert "timeline__item--waiting" in html and "timeline__item--progress" in html


def test_selesai_closes_and_tl_ditolak_reopens(crm, standin, client):
    (c,) = _deliver(1)
    t = c.forwarded_at.replace(microsecond=0) + timedelta(minutes=5)
    standin.set_status(c.crm_number, "Proses", at=t)
    standin.set_status(c.crm_number, "Selesai", at=t + timedelta(days=1))
    sync.run_once()
    (c,) = complaints()
    assert c.status == Status.SELESAI and c.closed_at == t + timedelta(days=1)
    html = client.get(f"/lacak/{c.number}").get_data(as_text=True)
    assert "badge--done" in html
    # The follow-up is rejected at validation: open again, in the waiting colour.
    standin.set_status(c.crm_number, "TL Ditolak", at=t + timedelta(days=2))
    sync.run_once()
    (c,) = complaints()
    assert c.status == Status.TL_DITOLAK and c.closed_at is None
    assert "badge--waiting" in client.get(f"/lacak/{c.number}").get_data(as_text=True)
    standin.set_status(c.crm_number, "Proses", at=t + timedelta(days=3))
    sync.run_once()
    (c,) = complaints()
    statuses = [e.status for e in c.events if e.source == "crm"]
    assert statuses == [Status.MENUNGGU, Status.PROSES, Status.SELESAI, Status.TL_DITOLAK, Status.PROSES]


def test_an_unreachable_crm_leaves_the_timeline_alone(crm, standin):
    _deliver(1)
    standin.faults("error", status=503)
    stats = sync.run_once()
    assert stats.errors == 1 and stats.changes == 0
    assert [e.status for e in complaints()[0].events] == [Status.SUBMITTED, Status.FORWARDED]


def test_two_syncs_at_once_record_each_change_once(crm, standin):
    (c,) = _deliver(1)
    standin.set_status(c.crm_number, "Koordinasi", at=c.forwarded_at + timedelta(minutes=3))
    client = Open311Client.from_config(crm.config)
    remote = client.statuses([c.crm_number])
    client.close()
    ids = {c.crm_number: c.id}
    now = c.forwarded_at + timedelta(hours=1)
    assert sync.apply(remote, ids, now) == 2
    assert sync.apply(remote, ids, now) == 0
    assert [e.status for e in complaints()[0].events].count(Status.KOORDINASI) == 1


def test_a_crm_that_reports_only_its_current_status(crm):
    """Without status_history: a new event only when the status changes."""
    (c,) = file_complaints(1)
    from backend.crm.manual import record_crm_number

    record_crm_number(c.number, "JK2611280001")
    t = c.submitted_at + timedelta(hours=1)
    answers = iter([
        [{"service_request_id": "JK2611280001", "status": "open", "crm_status": "Proses",
          "updated_datetime": t.isoformat()}],
        [{"service_request_id": "JK2611280001", "status": "open", "crm_status": "Proses",
          "updated_datetime": (t + timedelta(hours=1)).isoformat()}],  # a note changed, not the status
        [{"service_request_id": "JK2611280001", "status": "closed",
          "updated_datetime": (t + timedelta(days=1)).isoformat()}],
    ])
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=next(answers)))
    client = Open311Client("http://crm.test/open311/v2", transport=transport)
    for _ in range(3):
        sync.run_once(client)
    (c,) = complaints()
    assert [e.status for e in c.events if e.source == "crm"] == [Status.PROSES, Status.CLOSED]
    assert c.status == Status.CLOSED and c.closed_at == t + timedelta(days=1)


def test_the_relay_runs_the_sync_on_its_timer(crm, standin):
    (c,) = _deliver(1)
    standin.set_status(c.crm_number, "Koordinasi", at=c.forwarded_at + timedelta(minutes=1))
    with Relay() as relay:
        relay.run(drain=True, sync_interval=60)  # the first sync runs at once
    assert complaints()[0].status == Status.KOORDINASI


def test_cli_relay_sync_and_status(crm, standin):
    file_complaints(2)
    runner = crm.test_cli_runner()
    out = runner.invoke(args=["crm", "relay", "--once"])
    assert out.exit_code == 0 and "delivered 2" in out.output, out.output
    (a, _b) = complaints()
    standin.set_status(a.crm_number, "Proses", at=a.forwarded_at + timedelta(minutes=1))
    out = runner.invoke(args=["crm", "sync", "--once"])
    assert out.exit_code == 0 and "checked 2, changes 3" in out.output, out.output  # 2x Menunggu + Proses
    out = runner.invoke(args=["crm", "status"])
    assert out.exit_code == 0 and "pending 0  manual 0  delivered 2  given_up 0" in out.output
