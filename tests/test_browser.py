"""A real browser (Debian's Chromium through Playwright) on a cheap phone's screen.

Skips when /usr/bin/chromium is missing, unless RADIO_REQUIRE_BROWSER=1 (CI), then fails.
"""

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

import radio.db
from audio_library.segments import Segment
from radio.audio import job_handlers, store
from scheduler.jobs import run_queued_jobs
from tests.audio_fixtures import probe
from tests.browser_fixtures import ARTIFACTS
from tests.conftest import DEMO_PASSWORD, OPERATOR_STATION

TOPIC = "Phòng, chống ma túy"

pytestmark = pytest.mark.browser


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
    expect(page.get_by_role("link", name="Danh sách phát hôm nay").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {"127.0.0.1"}, requested
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "operator-station-360.png", full_page=True)

    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Station details")).to_be_visible()
    context.close()


def editor_page(browser: Browser, live_server: str) -> Page:
    """A phone-sized page logged in as the demo editor, allowed to use the microphone."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN")
    context.grant_permissions(["microphone"], origin=live_server)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập", exact=True).fill("editor")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path != "/login"
    return page


def test_editor_records_in_the_browser(app: Flask, live_server: str, browser: Browser) -> None:
    page = editor_page(browser, live_server)
    page.goto(f"{live_server}/library/upload")
    page.get_by_role("button", name="● Ghi âm từ micrô", exact=True).click()
    stop = page.get_by_role("button", name="■ Dừng", exact=True)
    expect(stop).to_be_visible()
    page.wait_for_timeout(3000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "record-360.png", full_page=True)
    stop.click()

    expect(page.locator("audio.record-preview")).to_be_visible()
    file = page.evaluate(
        "(f => f.length === 1 && f[0].name)(document.querySelector('input[type=file]').files)"
    )
    assert re.fullmatch(r"ghi-am\.(webm|ogg|m4a)", file), file
    page.get_by_label("Tiêu đề", exact=True).fill("Ghi âm thử nghiệm")
    page.get_by_label("Chủ đề", exact=True).select_option(label=TOPIC)
    page.locator("#upload-form button.primary").click()

    page.wait_for_url(re.compile(r"/library/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ghi âm thử nghiệm")
    expect(page.get_by_text("Bản nháp", exact=True)).to_be_visible()
    segment_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    with app.app_context():
        segment = radio.db.get_session().get(Segment, segment_id)
        assert segment is not None
        assert segment.source == "recording"
        assert segment.duration >= 1.5, segment.duration
        house = store().find(segment.audio_sha)
    assert house is not None
    assert probe(house)["codec"] == "mp3"
    page.context.close()


def test_editor_makes_an_announcement_from_text(
    app: Flask, live_server: str, browser: Browser
) -> None:
    page = editor_page(browser, live_server)
    page.goto(f"{live_server}/library/tts")
    text = "Ngày 22/3/2021, UBND xã tổ chức họp dân lúc 19h30."
    page.get_by_label("Nội dung bản tin", exact=True).fill(text)
    # The title first: it is `required`, and the preview button has no formnovalidate.
    page.get_by_label("Tiêu đề", exact=True).fill("Họp dân")
    page.get_by_label("Chủ đề", exact=True).select_option(label=TOPIC)
    page.get_by_role("button", name="Xem trước cách đọc", exact=True).click()
    expect(page.locator(".spoken")).to_contain_text(
        "ngày hai mươi hai tháng ba năm hai nghìn không trăm hai mươi mốt", ignore_case=True
    )
    expect(page.get_by_label("Tiêu đề", exact=True)).to_have_value("Họp dân")
    page.get_by_label("Bộ đọc", exact=True).select_option("espeak")
    page.get_by_role("button", name="Tạo âm thanh", exact=True).click()

    page.wait_for_url(re.compile(r"/library/jobs/[^/]+$"))
    expect(page.locator("progress")).to_be_visible()
    with app.app_context():
        run_queued_jobs(radio.db.session_factory(), job_handlers(app))
    page.reload()
    page.get_by_role("link", name="Mở bản tin", exact=True).click()

    page.wait_for_url(re.compile(r"/library/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Họp dân")
    src = page.locator("audio").get_attribute("src")
    assert src
    response = page.request.get(f"{live_server}{src}")
    assert response.status == 200
    assert response.headers["content-type"] == "audio/mpeg"
    page.context.close()
