"""A real browser (Debian's Chromium through Playwright) on a cheap phone's screen.

Skips when /usr/bin/chromium is missing, unless RADIO_REQUIRE_BROWSER=1 (CI), then fails.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD, OPERATOR_STATION

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 at a free port, from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("RADIO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RADIO_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_operator_logs_in_on_a_phone(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(live_server)
    assert urlsplit(page.url).path == "/login"
    page.get_by_label("Tên đăng nhập", exact=True).fill("operator")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    page.wait_for_url(f"{live_server}/stations/{OPERATOR_STATION}")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đài truyền thanh Xã Ea Pô")
    expect(page.get_by_role("heading", name="Lịch phát hôm nay")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {"127.0.0.1"}, requested
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "operator-station-360.png", full_page=True)

    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Station details")).to_be_visible()
    context.close()
