"""An operator on a 360 px phone confirms yesterday: a whole session in one tap, and one
item of another session that did not air.

Debian's Chromium through Playwright; skips without it unless RADIO_REQUIRE_BROWSER=1.
"""

from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser_fixtures import ARTIFACTS, PHONE, phone_page
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import words
from tests.test_confirm_page import rows, sessions

pytestmark = pytest.mark.browser


def fits(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_operator_confirms_yesterday_on_a_phone(
    app: Flask, live_server: str, browser: Browser, yesterday: date
) -> None:
    first, second = sessions(app, yesterday)[:2]
    page, requested = phone_page(browser, live_server, "operator")
    page.goto(f"{live_server}/stations/{OPERATOR_STATION}/confirm")
    page.get_by_role("link", name=words(app, "Yesterday"), exact=True).click()
    expect(page.get_by_role("link", name=words(app, "Yesterday"), exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert fits(page)

    session = page.locator(f"#session-{first[0].session_number}")
    button = session.get_by_role("button", name=words(app, "The whole session aired"))
    button.click()
    expect(page.get_by_text(words(app, "Items recorded: %(n)s.", n=len(first)))).to_be_visible()
    session = page.locator(f"#session-{first[0].session_number}")
    for item in first:
        state = session.locator(f"#item-{item.id} .badge").first
        expect(state).to_have_text(words(app, "Aired"))
    button = session.get_by_role("button", name=words(app, "The whole session aired"))
    expect(button).to_be_disabled()  # nothing left to confirm in it

    missed = page.locator(f"#item-{second[0].id}")
    missed.get_by_text(words(app, "Did not air, or only in part?")).click()
    missed.get_by_label(words(app, "Reason"), exact=True).select_option("power_cut")
    assert fits(page)  # with the item's form open too
    missed.get_by_role("button", name=words(app, "Save this report")).click()
    missed = page.locator(f"#item-{second[0].id}")
    expect(missed.locator(".badge").first).to_have_text(words(app, "Not aired"))
    expect(missed.locator(".reason")).to_have_text(words(app, "Power cut"))
    assert fits(page)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "confirm-360.png", full_page=True)
    stored = rows(app)
    assert [r.playlist_item_id for r in stored] == [i.id for i in first] + [second[0].id]
    assert {urlsplit(url).hostname for url in requested} == {"127.0.0.1"}, requested
    page.context.close()
