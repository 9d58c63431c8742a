import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def kiosk_page(browser, live_server):
    """A kiosk-sized touch screen (landscape 1280x800)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True,
                                  base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A small phone: 360 px wide."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, base_url=live_server, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    yield page
    context.close()
