"""A kiosk's network fails while "Kirim laporan" is in flight, after the server
stored the report: the offline page sends the same report under the online
flow's key, and the server keeps ONE complaint, the printed leased number
linked to it (backend/aliases.py). Real Chromium, the kiosk's service worker."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Complaint, ComplaintNumberAlias
from tests.browser.test_intake_browser import tap_next
from tests.browser.test_offline import (  # noqa: F401 (device: a fixture)
    PRINT_SPY, complaints_with_key, device, kiosk_ready, shot, shown_number, wait_for, watch_errors,
)

# Its own words, so that other browser tests' complaints (same live database) are not counted.
DESCRIPTION = "Tutup saluran di depan pos ronda hilang,\nsudah dua motor terperosok minggu ini."


def complaints_described(live_app, text: str) -> list[str]:
    with live_app.app_context():
        return db.session.scalars(select(Complaint.number).filter_by(description=text)).all()


def aliases_of(live_app, number: str) -> list[str]:
    with live_app.app_context():
        return db.session.scalars(
            select(ComplaintNumberAlias.number).join(Complaint, Complaint.id == ComplaintNumberAlias.complaint_id)
            .where(Complaint.number == number)).all()


def test_a_send_stored_but_unanswered_is_one_complaint_after_the_offline_send(device, live_app, artifacts):
    page = device("kiosk")
    errors = watch_errors(page)
    page.add_init_script(PRINT_SPY)
    kiosk_ready(page)
    leased = page.evaluate("() => KiosQueue.leases.get('tebet-timur').then(l => l.numbers.map(n => n.number))")

    # Online, with answers the server normalises (RT, phone, the email's domain, spaces).
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")
    page.get_by_label("Alamat jalan atau patokan").fill("  Jl. Tebet Raya No. 7, depan pos ronda ")
    page.locator("#rt").fill("5")
    tap_next(page, "Apa yang terjadi")
    page.locator("textarea").fill(DESCRIPTION + "  ")
    tap_next(page, "Bagaimana")
    page.get_by_role("textbox", name="Nama").fill("Siti Rahayu")
    page.get_by_role("textbox", name="Nomor ponsel atau WhatsApp").fill("0812 3456 7890")
    page.get_by_role("textbox", name="Email").fill("Siti.Rahayu@Example.ID")
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Periksa")
    key = page.locator("#page form.step input[name=idempotency_key]").input_value()
    assert key and complaints_with_key(live_app, key) == []

    # "Kirim laporan": the request reaches the server (stored), its answer never reaches the kiosk.
    stored = []

    def lose_the_answer(route):
        response = route.fetch()
        stored.append(response.status)
        route.abort("internetdisconnected")

    page.route("**/k/tebet-timur/kirim", lose_the_answer)
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/k/tebet-timur/luring/**")
    review = page.locator("[data-step=review]")
    expect(review).to_be_visible()
    expect(page.locator("[data-carried]")).to_be_visible()
    assert stored == [200]
    online = complaints_with_key(live_app, key)
    assert len(online) == 1
    number = online[0].number
    assert page.evaluate("() => sessionStorage.getItem('kios-aduan:answers:tebet-timur')") is None
    shot(page, artifacts, "1-luring-setelah-jawaban-hilang")

    # The network is really down now; the citizen sends from the offline page.
    page.context.set_offline(True)
    page.get_by_role("button", name="Kirim laporan").click()
    receipt = page.locator("[data-step=receipt]")
    expect(receipt).to_be_visible()
    printed = shown_number(receipt.locator(".rcpt .number").first)
    assert printed == leased[0] and printed != number
    # Queued under the online flow's key, with the answers as the server keeps them.
    queued = page.evaluate("() => KiosQueue.all().then(q => q.map(e => [e.key, e.leased_number, e.payload.answers]))")
    assert [(k, n) for k, n, _a in queued] == [(key, printed)]
    answers = queued[0][2]
    assert (answers["rt"], answers["phone"], answers["email"]) == ("005", "+6281234567890", "Siti.Rahayu@example.id")
    assert answers["address"] == "Jl. Tebet Raya No. 7, depan pos ronda" and answers["description"] == DESCRIPTION
    shot(page, artifacts, "2-luring-tanda-terima")

    # Back online: delivered, answered with the stored complaint; one complaint, the printed number linked.
    page.context.set_offline(False)
    page.evaluate("() => KiosQueue.flush()")
    wait_for(page, "() => KiosQueue.all().then(q => q.length === 0)")
    assert complaints_described(live_app, DESCRIPTION) == [number]
    assert aliases_of(live_app, number) == [printed]
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint).filter_by(number=printed)) == 0

    # The citizen's receipt leads to the complaint.
    page.goto(f"/lacak/{printed}")
    notice = page.locator("[data-alias]")
    expect(notice).to_contain_text(f"Laporan dengan nomor tanda terima {printed} tercatat dengan nomor {number}.")
    assert shown_number(page.locator(".track .number").first) == number
    assert "Siti" not in page.content()
    shot(page, artifacts, "3-lacak-nomor-tanda-terima")
    assert errors == []


def test_changed_answers_offline_go_under_a_new_key(device, live_app):
    """The same key with other answers would be refused as a conflict: a changed report is a new one."""
    page = device("kiosk")
    errors = watch_errors(page)
    page.add_init_script(PRINT_SPY)
    kiosk_ready(page)
    page.get_by_role("button", name="Mulai melapor").click()
    page.locator("label.choice", has_text="Jalan rusak / berlubang").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Di mana")  # a tap during the request is dropped
    page.get_by_role("button", name="Lanjut").click()  # the kiosk's own kelurahan
    text = "Trotoar amblas di depan sekolah dasar, anak-anak harus lewat jalan raya."
    page.locator("textarea").fill(text)
    page.get_by_role("button", name="Lanjut").click()
    page.locator("label.choice", has_text="Anonim").click()
    page.locator("label.consent").click()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.locator("h1")).to_contain_text("Periksa")
    key = page.locator("#page form.step input[name=idempotency_key]").input_value()
    page.route("**/k/tebet-timur/kirim", lambda route: (route.fetch(), route.abort("internetdisconnected")))
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url("**/k/tebet-timur/luring/**")
    expect(page.locator("[data-step=review]")).to_be_visible()
    page.context.set_offline(True)
    page.locator("[data-step=review] a[data-goto=description]").click()
    page.locator("[data-step=description] textarea").fill(text + " Sudah seminggu.")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator("[data-step=receipt]")).to_be_visible()
    keys = page.evaluate("() => KiosQueue.all().then(q => q.map(e => e.key))")
    assert len(keys) == 1 and keys[0] != key
    page.context.set_offline(False)
    page.evaluate("() => KiosQueue.flush()")
    wait_for(page, "() => KiosQueue.all().then(q => q.length === 0)")  # delivered, not refused
    assert len(complaints_described(live_app, text)) == 1
    assert len(complaints_described(live_app, text + " Sudah seminggu.")) == 1
    assert errors == []
