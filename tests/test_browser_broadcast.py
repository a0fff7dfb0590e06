"""An operator on a 360 px phone: today's items, a play button, the ZIP download.

Debian's Chromium through Playwright; skips without it unless RADIO_REQUIRE_BROWSER=1.
"""

import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser_fixtures import ARTIFACTS, PHONE, phone_page
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import build, today

pytestmark = pytest.mark.browser


def test_operator_plays_an_item_and_downloads_the_day_on_a_phone(
    app: Flask, live_server: str, browser: Browser, fills: dict[str, int], tmp_path: Path
) -> None:
    build(app, today(), [OPERATOR_STATION])
    page, requested = phone_page(browser, live_server, "operator", accept_downloads=True)

    page.locator("a.button.primary", has_text="Danh sách phát hôm nay").click()
    expect(page.get_by_role("link", name="Hôm nay", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", name="Buổi sáng · 06:00")).to_be_visible()
    expect(page.get_by_text("Bản tin phòng, chống ma túy").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Nghe Bản tin phòng, chống ma túy").first.click()
    player = page.locator("#player")
    expect(player).to_be_visible()
    page.wait_for_function("document.getElementById('player').readyState >= 2")
    assert page.evaluate("document.getElementById('player').error") is None
    assert "/api/v1/links/" in page.evaluate("document.getElementById('player').currentSrc")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "broadcast-360.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tất cả (ZIP: MP3, danh sách, bảng in)").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name == f"loa-xa_{OPERATOR_STATION}_{today().isoformat()}.zip"
    with zipfile.ZipFile(saved) as bundle:
        assert bundle.testzip() is None
        names = bundle.namelist()
    assert "README.txt" in names
    assert any(n.endswith("_ban-tin-phong-chong-ma-tuy.mp3") for n in names)
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}, requested
    page.context.close()
