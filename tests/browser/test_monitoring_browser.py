"""The monitoring dashboard's office table in real headless Chromium: city-wide
it opens with the kota and its kecamatan, each kecamatan's kelurahan fold
under its row (console.js); without the script and on paper every row shows.
Screenshots and axe-core's findings under test-artifacts/."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from backend.models import Office
from tests.browser import axe
from tests.browser.test_intake_browser import shot
from tests.browser.test_officer_browser import console_errors, officer, sign_in_by_form

DESK = {"viewport": {"width": 1366, "height": 860}, "locale": "id-ID", "timezone_id": "Asia/Jakarta"}
DASHBOARD = "/petugas/pemantauan"


def office_tree(live_app) -> tuple[str, dict[str, tuple[str, list[str]]]]:
    """The seeded offices: the kota's code, and kecamatan code -> (title, kelurahan codes)."""
    with live_app.app_context():
        offices = db.session.scalars(select(Office).order_by(Office.code)).all()
    by_id = {o.id: o for o in offices}
    kota = next(o for o in offices if o.parent_id is None)
    tree = {o.code: (f"Kecamatan {o.name}", []) for o in offices if o.parent_id == kota.id}
    for o in offices:
        parent = by_id.get(o.parent_id)
        if parent is not None and parent.code in tree:
            tree[parent.code][1].append(o.code)
    return kota.code, tree


def signed_in(browser, live_server, username, device=DESK, **options):
    context = browser.new_context(**device, base_url=live_server, **options)
    page = context.new_page()
    page.goto("/petugas/")
    sign_in_by_form(page, username)
    expect(page.locator("h1")).to_have_text("Pengaduan")
    return context, page


def visible_offices(page) -> list[str]:
    return page.locator("[data-table=offices] tr[data-office]").evaluate_all(
        "rows => rows.filter(r => r.checkVisibility()).map(r => r.dataset.office)")


def test_office_table_folds_kelurahan_under_their_kecamatan(browser, live_server, live_app, artifacts):
    kota, tree = office_tree(live_app)
    assert len(tree) == 10 and sum(len(k) for _, k in tree.values()) == 65  # the seed: 76 offices
    first, second = sorted(tree)[:2]
    (title, kelurahan), (_, others) = tree[first], tree[second]
    officer(live_app, "monitor.lipat", "monitor", None, full_name="Sri Wahyuni")

    context, page = signed_in(browser, live_server, "monitor.lipat")
    errors = console_errors(page)
    try:
        page.goto(DASHBOARD)
        rows = page.locator("[data-table=offices] tr[data-office]")
        expect(rows).to_have_count(76)  # every office is in the page; only shown or not
        # At first sight: the kota and its ten kecamatan, nothing below.
        assert visible_offices(page) == [kota, *sorted(tree)]
        expect(page.locator(f"tr[data-office='{first}']")).to_be_visible()
        expect(page.locator(f"tr[data-office='{kelurahan[0]}']")).to_be_hidden()
        assert page.locator("#mon-offices").bounding_box()["height"] < 700  # was ~2,700 px
        shot(page, artifacts, "1-dilipat")

        row = page.locator(f"tr[data-office='{first}']")
        button = row.get_by_role("button", name=f"Tampilkan kelurahan di {title}")
        expect(button).to_have_attribute("aria-expanded", "false")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
        # The office name still drills into the kecamatan.
        expect(row.get_by_role("link", name=title)).to_have_attribute("href", re.compile(rf"[?&]wilayah={first}$"))
        button.click()
        expect(row.get_by_role("button", name=f"Sembunyikan kelurahan di {title}")).to_have_attribute(
            "aria-expanded", "true")
        for code in kelurahan:
            expect(page.locator(f"tr[data-office='{code}']")).to_be_visible()
        for code in others:
            expect(page.locator(f"tr[data-office='{code}']")).to_be_hidden()
        assert visible_offices(page) == [kota, first, *kelurahan, *sorted(tree)[1:]]
        shot(page, artifacts, "2-satu-kecamatan")

        page.get_by_role("button", name="Tampilkan semua kelurahan").click()
        expect(page.get_by_role("button", name="Sembunyikan semua kelurahan")).to_have_attribute(
            "aria-expanded", "true")
        assert len(visible_offices(page)) == 76
        expect(page.locator(".mon-fold[aria-expanded=false]")).to_have_count(0)
        shot(page, artifacts, "3-semua")
        # Folding the one kecamatan again, by keyboard: "show all" offers itself again.
        row.get_by_role("button", name=f"Sembunyikan kelurahan di {title}").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"tr[data-office='{kelurahan[0]}']")).to_be_hidden()
        shot(page, artifacts, "3b-papan-ketik")
        expect(page.get_by_role("button", name="Tampilkan semua kelurahan")).to_have_attribute(
            "aria-expanded", "false")
        page.get_by_role("button", name="Tampilkan semua kelurahan").click()
        page.get_by_role("button", name="Sembunyikan semua kelurahan").click()
        assert visible_offices(page) == [kota, *sorted(tree)]

        # On paper: every row, no buttons.
        page.emulate_media(media="print")
        assert len(visible_offices(page)) == 76
        expect(page.locator(".mon-fold").first).to_be_hidden()
        expect(page.locator("[data-fold-all]")).to_be_hidden()
        shot(page, artifacts, "4-cetak")
        page.emulate_media(media="screen")
        # A kecamatan's own table is two levels: all of it at once, nothing to fold.
        page.goto(f"{DASHBOARD}?wilayah={first}")
        assert visible_offices(page) == [first, *kelurahan]
        expect(page.locator(".mon-fold, [data-fold-all]")).to_have_count(0)
        assert errors == []
    finally:
        context.close()

    # Without the script the table is as it always was: every row, no buttons.
    context, page = signed_in(browser, live_server, "monitor.lipat", java_script_enabled=False)
    try:
        page.goto(DASHBOARD)
        expect(page.locator("[data-table=offices] tr[data-office]:visible")).to_have_count(76)
        expect(page.locator(".mon-fold:visible, [data-fold-all]:visible")).to_have_count(0)
        shot(page, artifacts, "5-tanpa-skrip")
    finally:
        context.close()

    # bypass_csp: axe is injected as a script (tests/browser/axe.py)
    context, page = signed_in(browser, live_server, "monitor.lipat", bypass_csp=True)
    try:
        page.goto(DASHBOARD)
        axe.check(page, artifacts, "axe-dilipat")
        page.get_by_role("button", name=f"Tampilkan kelurahan di {title}").click()
        axe.check(page, artifacts, "axe-satu-kecamatan")
    finally:
        context.close()


PHONE = {"viewport": {"width": 360, "height": 780}, "locale": "id-ID", "timezone_id": "Asia/Jakarta",
         "is_mobile": True, "has_touch": True}
# The console's pages an admin opens (every menu item), at 360 px: a camat may read the
# dashboard on a phone.
CONSOLE_PAGES = ("/petugas/", "/petugas/pemantauan", "/petugas/pemantauan?periode=week", "/petugas/aduan/baru",
                 "/petugas/crm-manual", "/petugas/kios", "/petugas/kios/baru", "/petugas/piket",
                 "/petugas/piket/bagian", "/petugas/kanal", "/petugas/kanal/baru", "/petugas/admin/pengguna",
                 "/petugas/admin/kantor", "/petugas/admin/jam", "/petugas/admin/audit", "/petugas/akun",
                 "/petugas/kiriman-ditolak")


def test_the_console_fits_a_phone(browser, live_server, live_app, artifacts):
    officer(live_app, "admin.ponsel", "admin", "0000", full_name="Ratna Dewi Kusumawardhani")
    context, page = signed_in(browser, live_server, "admin.ponsel", device=PHONE)
    errors = console_errors(page)
    try:
        for path in CONSOLE_PAGES:
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            # Nothing wider than the screen: no sideways scrolling of the page (wide tables scroll
            # inside their own frame).
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
            # The brand keeps its name on one line, clear of the officer's (long) name.
            brand = page.locator(".console-topbar .brand__text strong").bounding_box()
            assert brand["height"] < 30, (path, brand)
            who = page.locator(".console-user__who strong").bounding_box()
            assert who["x"] >= brand["x"] + brand["width"] and who["height"] < 30, (path, brand, who)
            expect(page.get_by_role("button", name="Keluar")).to_be_in_viewport()
        shot(page, artifacts, "akun-360")
        page.goto("/petugas/pemantauan")
        shot(page, artifacts, "pemantauan-360")
        assert errors == []
    finally:
        context.close()


def test_lists_of_complaints_read_as_cards_on_a_phone(browser, live_server, live_app, artifacts):
    # A table scrolled sideways would show a phone only the number and the date;
    # each complaint is a card there, every value beside its column's name.
    from backend import intake

    with live_app.app_context():
        intake.submit(intake.IntakeRequest(
            idempotency_key="cards-on-a-phone", channel="kiosk", category_code="SALURAN", kelurahan_code="0101",
            description="Got di depan sekolah tersumbat lumpur, air meluap ke jalan.", identity="anonymous",
            consent=True, kiosk_code="tebet-timur"))
    officer(live_app, "petugas.ponsel", "petugas", "0101", full_name="Budi Santoso")
    context, page = signed_in(browser, live_server, "petugas.ponsel", device=PHONE)
    try:
        page.goto("/petugas/")
        wrap = page.locator(".table-wrap").first
        wide = """w => Array.from(w.querySelectorAll('tbody *'))
            .filter(e => e.getBoundingClientRect().right > w.getBoundingClientRect().right).map(e => e.outerHTML.slice(0, 80))"""
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate(wide)
        card = page.locator("table.table--cards tbody tr").first
        status = card.locator("td[data-label=Status]")
        box = status.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box  # on the screen's width, no sideways swipe
        assert status.evaluate("td => getComputedStyle(td, '::before').content") == '"Status"'
        expect(page.locator("table.table--cards thead")).not_to_be_in_viewport()  # read by screen readers only
        shot(page, artifacts, "antrean-360")
        # At a desk, the same list is a table with its header row.
        page.set_viewport_size({"width": 1366, "height": 860})
        expect(page.locator("table.table--cards thead th").first).to_be_visible()
        assert status.evaluate("td => getComputedStyle(td).display") == "table-cell"
    finally:
        context.close()
