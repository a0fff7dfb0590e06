"""An auditor on a 360 px phone: the district's matrix, a tap on a cell, the day's items
and one item's whole history. Debian's Chromium through Playwright; skips without it
unless RADIO_REQUIRE_BROWSER=1."""

from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser_fixtures import ARTIFACTS, PHONE, phone_page
from tests.conftest import OPERATOR_STATION
from tests.test_audit_pages import DISTRICT, aired_day  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_auditor_drills_down_from_the_matrix_on_a_phone(
    app: Flask,
    live_server: str,
    browser: Browser,
    aired_day: dict,  # noqa: F811
) -> None:
    day = aired_day["day"].isoformat()
    page, requested = phone_page(browser, live_server, "auditor")
    page.goto(f"{live_server}/audit")
    assert urlsplit(page.url).path == f"/audit/units/{DISTRICT}"
    matrix = page.locator("table.matrix")
    expect(matrix).to_be_visible()
    expect(page.locator("figure.chart svg").first).to_be_visible()
    no_sideways_scroll(page)  # the matrix scrolls inside its own box, not the page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "audit-unit-360.png", full_page=True)

    cell = matrix.locator(f'a.cell-good[href="/audit/stations/{OPERATOR_STATION}/days/{day}"]')
    cell.scroll_into_view_if_needed()
    cell.click()
    page.wait_for_url(f"**/audit/stations/{OPERATOR_STATION}/days/{day}")
    no_sideways_scroll(page)

    item = page.locator("details.item").first
    records = item.locator("ol.records")
    expect(records).to_be_hidden()
    item.locator("summary").click()
    expect(records).to_be_visible()
    expect(records.locator("li")).to_have_count(1)
    expect(records.locator("code.hash")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=ARTIFACTS / "audit-day-360.png", full_page=True)
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}, requested
    page.context.close()
