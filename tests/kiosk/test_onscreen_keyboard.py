"""The kiosk's on-screen keyboard (kiosk/static/js/keyboard.js) is on every
kiosk page, outside #page (the screens' swaps leave it), never on phones, and
off where a kiosk's system has its own (KIOSK_ONSCREEN_KEYBOARD)."""
import re


def _osk(html: str):
    return re.search(r'<div id="osk"[^>]*>', html)


def test_every_kiosk_page_has_it_outside_the_screen(flow, client):
    start = flow.get("/").html
    tag = _osk(start)
    assert tag and " hidden " in tag.group(0)
    assert start.index('id="osk"') > start.index("</main>")  # after #page, not swapped with it
    for url in ("data-lib", "data-script"):
        src = re.search(rf'{url}="([^"]+)"', tag.group(0)).group(1)
        assert client.get(src).status_code == 200
    css = re.search(r'data-css="([^"]+)"', tag.group(0)).group(1).split()
    assert len(css) == 2 and all(client.get(href).status_code == 200 for href in css)
    assert 'data-close-label="Tutup keyboard"' in tag.group(0)  # in the citizen's language


def test_an_htmx_swap_does_not_send_it_again(flow):
    flow.start()
    page = flow.get("/kategori", headers={"HX-Request": "true", "HX-Target": "page"})
    assert page.status == 200 and 'id="osk"' not in page.html


def test_phones_have_none(client):
    assert not _osk(client.get("/lapor/").get_data(as_text=True))


def test_it_can_be_switched_off(app, flow):
    app.config["KIOSK_ONSCREEN_KEYBOARD"] = False
    try:
        assert not _osk(flow.get("/").html)
    finally:
        app.config["KIOSK_ONSCREEN_KEYBOARD"] = True
