"""A planner sends an emergency bulletin from a phone, in Debian's Chromium via Playwright.

Skips when /usr/bin/chromium is missing, unless RADIO_REQUIRE_BROWSER=1 (CI), then fails.
"""

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from audio_library.db import utcnow
from radio.db import get_session
from scheduler.announcements import Announcement, active_emergencies
from scheduler.templates import stations_under
from scheduler.units import units_by_code
from tests.browser_fixtures import ARTIFACTS, PHONE, phone_page
from tests.test_announcement_pages import make_segment

TITLE = "Cảnh báo lũ quét, sạt lở đất khu vực ven sông Sêrêpốk"

pytestmark = pytest.mark.browser


def test_planner_sends_an_emergency_from_a_phone(
    app: Flask, live_server: str, browser: Browser, tmp_path: Path
) -> None:
    segment_id = make_segment(app, tmp_path, TITLE)
    with app.app_context():
        session = get_session()
        (district,) = units_by_code(session, "67:662")  # Huyện Cư Jút
        district_id = district.id
        names = [s.name for s in stations_under(session, district)]
    page, requested = phone_page(browser, live_server, "planner")

    page.goto(f"{live_server}/announcements/emergency")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phát khẩn cấp")
    segment = page.get_by_label("Bản tin", exact=True)
    expect(segment).to_have_value(str(segment_id))  # the disaster bulletin is offered first
    page.get_by_label("Đơn vị (mọi đài thuộc đơn vị)", exact=True).select_option(str(district_id))
    expires = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(hours=3)
    page.get_by_label("Ngừng phát lúc", exact=True).fill(expires.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Phát lại sau mỗi … phút (để trống: phát một lần)").fill("30")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Xem trạm sẽ nhận", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra trước khi phát")
    expect(page.get_by_role("heading", name=f"Bản tin đến {len(names)} đài")).to_be_visible()
    reached = page.get_by_role("list", name=f"Bản tin đến {len(names)} đài")
    expect(reached.get_by_role("listitem")).to_have_count(len(names))
    for name in names:
        expect(reached).to_contain_text(name)
    with app.app_context():
        assert get_session().scalars(select(Announcement)).all() == []  # nothing sent yet
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "emergency-confirm-360.png", full_page=True)

    page.get_by_role("button", name="Phát ngay", exact=True).click()
    page.wait_for_url(f"{live_server}/announcements")
    on_air = page.locator("#on-air")
    expect(on_air.get_by_role("heading")).to_have_text("Bản tin khẩn cấp đang phát")
    expect(on_air).to_contain_text(TITLE)
    expect(on_air.get_by_role("button", name="Hủy", exact=True)).to_be_visible()
    expect(page.locator(".flash-success")).to_contain_text("Bản tin khẩn cấp đã được phát")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=ARTIFACTS / "emergency-on-air-360.png", full_page=True)
    with app.app_context():
        (sent,) = active_emergencies(get_session(), utcnow())
        assert sent.segment_id == segment_id and sent.repeat_minutes == 30
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}, requested
    page.context.close()
