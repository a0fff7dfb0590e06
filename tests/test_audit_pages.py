"""The auditor's pages, fed through the real confirmation API: the unit's matrix and
figures, a station's days, a day's items with each report's who/when/where, a record in
its chain; who may see them; bad periods; charts drawn inline with no outside address."""

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from audio_library.db import utcnow
from audio_library.segments import Level
from radio.airings.records import Confirmation
from radio.airings.tally import AiringDay, AiringTally
from radio.charts import Series, bar_chart, line_chart
from radio.db import get_session
from scheduler.playlists import Playlist, PlaylistItem
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
    add_user,
    csrf_token,
    login,
    personal_token,
)
from tests.playlist_fixtures import (
    NOTICES,
    ZONE,
    approved_segment,
    playlist_url,
    station,
    words,
)
from tests.test_delivery_api import device

DISTRICT = "662"  # Huyện Cư Jút, the demo auditor's unit
CONFIRM = "/api/v1/stations/{code}/confirmations"


def items_of(app: Flask, code: str, day: date) -> list[dict[str, Any]]:
    """The day's planned items of a station: id, start and end as the device sends them."""
    with app.app_context():
        rows = get_session().execute(
            select(PlaylistItem.id, PlaylistItem.planned_start, PlaylistItem.duration)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.station_id == station(code).id, Playlist.day == day)
            .order_by(PlaylistItem.planned_start)
        )
        return [{"id": i, "start": s, "end": s + timedelta(seconds=d)} for i, s, d in rows.all()]


def aired(item: dict[str, Any], key: str, **fields: Any) -> dict[str, Any]:
    return {
        "item_id": item["id"],
        "client_key": key,
        "status": "aired",
        "started_at": item["start"].isoformat(),
        "ended_at": item["end"].isoformat(),
        **fields,
    }


def report(client: FlaskClient, headers: dict[str, str], entries: list[Any], code: str) -> Any:
    answer = client.post(CONFIRM.format(code=code), json={"items": entries}, headers=headers)
    assert answer.status_code == 200 and answer.json["rejected"] == 0, answer.json
    return answer.json


def cells(page: str, code: str) -> dict[str, str]:
    """The matrix cells of a station: day → state."""
    pattern = rf'href="/audit/stations/{re.escape(code)}/days/([\d-]+)" class="cell-(\w+)"'
    return dict(re.findall(pattern, page))


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        session = get_session()
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Confirmation, AiringTally, AiringDay)
        )


@pytest.fixture
def aired_day(app: Flask, client: FlaskClient, yesterday: date) -> dict[str, Any]:
    """Yesterday: the operator's station device reported every item aired; the other
    Cư Jút station reported nothing."""
    headers = device(app, OPERATOR_STATION)
    items = items_of(app, OPERATOR_STATION, yesterday)
    assert items
    entries = [aired(item, f"k-{n}") for n, item in enumerate(items)]
    report(client, headers, entries, OPERATOR_STATION)
    return {"day": yesterday, "items": items, "headers": headers}


# The unit page -------------------------------------------------------------------------


def test_unit_page_shows_the_matrix_and_figures(app, client, as_user, aired_day):
    day = aired_day["day"].isoformat()
    others = len(items_of(app, SAME_DISTRICT_STATION, aired_day["day"]))
    mine = len(aired_day["items"])
    as_user("auditor")
    page = client.get(f"/audit/units/{DISTRICT}?from={day}&to={day}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert cells(text, OPERATOR_STATION) == {day: "good"}
    assert cells(text, SAME_DISTRICT_STATION) == {day: "silent"}
    assert words(app, "%(aired)s of %(due)s due", aired=mine, due=mine + others) in text
    note = words(app, "%(due)s items due, nothing reported", due=others)
    assert f"{SAME_DISTRICT_STATION} · " in text and note in text
    # Exports of the same unit and period, by path.
    query = f"unit={DISTRICT}&amp;from={day}&amp;to={day}"
    for suffix in ("", ".csv", ".xlsx", ".pdf"):
        assert f'href="/api/v1/reports/compliance{suffix}?{query}"' in text
    # The day is over: its anchor is listed.
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', text)


def test_the_default_period_is_the_last_seven_days(app, client, as_user, aired_day):
    as_user("auditor")
    text = client.get(f"/audit/units/{DISTRICT}").get_data(as_text=True)
    days = cells(text, OPERATOR_STATION)
    assert len(days) == 7
    assert days[aired_day["day"].isoformat()] == "good"
    assert max(days) == (aired_day["day"] + timedelta(days=1)).isoformat()  # today


def test_future_days_and_days_without_playlist(app, client, as_user, tomorrow):
    as_user("auditor")
    first, last = tomorrow - timedelta(days=1), tomorrow
    text = client.get(f"/audit/units/{DISTRICT}?from={first}&to={last}").get_data(as_text=True)
    assert cells(text, OPERATOR_STATION) == {
        first.isoformat(): "empty",  # today: nothing was built
        last.isoformat(): "future",
    }


def test_a_long_period_asks_to_narrow_the_matrix(app, client, as_user, aired_day):
    as_user("auditor")
    last = aired_day["day"]
    first = last - timedelta(days=59)
    for path in (f"/audit/units/{DISTRICT}", f"/audit/stations/{OPERATOR_STATION}"):
        text = client.get(f"{path}?from={first}&to={last}").get_data(as_text=True)
        narrower = f'href="{path}?from={last - timedelta(days=30)}&amp;to={last}"'
        assert narrower in text
        assert f"/audit/stations/{OPERATOR_STATION}/days/" not in text
    # The figures of the whole period are there: the day aired is in the totals.
    n = len(aired_day["items"])
    assert f"{n} / " in client.get(f"/audit/units/{DISTRICT}?from={first}&to={last}").get_data(
        as_text=True
    )


def test_the_auditor_lands_on_the_unit_and_the_admin_chooses(client, as_user):
    as_user("auditor")
    assert client.get("/audit").headers["Location"].endswith(f"/audit/units/{DISTRICT}")
    as_user("admin")
    text = client.get("/audit").get_data(as_text=True)
    assert 'href="/audit/units/67"' in text and 'href="/audit/units/99"' in text
    assert client.get("/audit/units/67").status_code == 200


@pytest.mark.parametrize(
    ("first", "last", "msgid", "params"),
    [
        (
            "2026-02-30",
            "2026-03-01",
            "The date “%(value)s” does not exist.",
            {"value": "2026-02-30"},
        ),
        (
            "01/03/2026",
            "2026-03-01",
            "The date “%(value)s” is not valid: write it as YYYY-MM-DD, for example %(example)s.",
            {"value": "01/03/2026"},
        ),
        ("2026-03-05", "2026-03-01", "The period ends before it starts.", {}),
        (
            "2024-01-01",
            "2026-03-01",
            "A report covers at most %(days)s days: split the period.",
            {"days": 400},
        ),
    ],
)
def test_a_bad_period_is_explained_and_nothing_is_computed(
    app, client, as_user, aired_day, first, last, msgid, params
):
    as_user("auditor")
    before = counts(app)
    for path in (f"/audit/units/{DISTRICT}", f"/audit/stations/{OPERATOR_STATION}"):
        page = client.get(f"{path}?from={first}&to={last}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        if "example" in msgid:
            params = {**params, "example": date.today().isoformat()}
        assert words(app, msgid, **params) in text
        assert 'role="alert"' in text and 'class="matrix"' not in text and "<svg" not in text
    assert counts(app) == before


def test_the_anchors_are_those_radio_audit_anchor_prints(app, client, runner, as_user, aired_day):
    day = aired_day["day"]
    today = day + timedelta(days=1)

    def printed(on: date) -> str:
        answer = runner.invoke(args=["audit", "anchor", "--unit", DISTRICT, "--date", str(on)])
        assert answer.exit_code == 0, answer.output
        return answer.output.strip()

    def anchors() -> list[str]:
        text = client.get(f"/audit/units/{DISTRICT}?from={day}&to={today}").get_data(as_text=True)
        return re.findall(r'<code class="hash">([0-9a-f]{64})</code>', text)

    as_user("auditor")
    before = anchors()
    # Yesterday's, then today's so far: the reports came in today.
    assert before == [printed(day), printed(today)] and before[0] != before[1]
    # A station made inactive leaves the figures, not the anchors.
    with app.app_context():
        station(SAME_DISTRICT_STATION).active = False
        get_session().commit()
    assert anchors() == before


# Scope -----------------------------------------------------------------------------------


def audit_paths(code: str, unit: str, day: date) -> list[str]:
    return [
        f"/audit/units/{unit}",
        f"/audit/stations/{code}",
        f"/audit/stations/{code}/days/{day}",
        f"/audit/stations/{code}/records/1",
    ]


@pytest.mark.parametrize("role", ["operator", "editor", "planner", "approver"])
def test_only_auditors_and_admins(client, as_user, aired_day, role):
    as_user(role)
    assert client.get("/audit").status_code == 403
    for path in audit_paths(OPERATOR_STATION, DISTRICT, aired_day["day"]):
        assert client.get(path).status_code == 403, path


def test_an_auditor_sees_only_their_district(app, client, as_user, aired_day):
    with app.app_context():
        gia_nghia = station(OTHER_DISTRICT_STATION).unit.parent.code
    add_user(app, "auditor-gn", "auditor", gia_nghia, "mat-khau-dai-1")
    client.delete_cookie("loaxa_session")
    assert login(client, "auditor-gn", "mat-khau-dai-1").status_code == 302
    for path in audit_paths(OPERATOR_STATION, DISTRICT, aired_day["day"]):
        assert client.get(path).status_code == 403, path
    assert client.get("/audit/units/67").status_code == 403  # the province above
    assert client.get("/audit/units/NO-SUCH").status_code == 403  # leaks nothing
    assert client.get(f"/audit/units/{gia_nghia}").status_code == 200
    assert client.get(f"/audit/stations/{OTHER_DISTRICT_STATION}").status_code == 200
    as_user("auditor")
    for path in audit_paths(OTHER_PROVINCE_STATION, "99", aired_day["day"]):
        assert client.get(path).status_code == 403, path
    for path in audit_paths(OPERATOR_STATION, DISTRICT, aired_day["day"]):
        assert client.get(path).status_code == 200, path
    as_user("admin")
    assert client.get("/audit/units/NO-SUCH").status_code == 400


# A station, a day, a record --------------------------------------------------------------


def test_station_page_lists_its_days(app, client, as_user, aired_day):
    day = aired_day["day"]
    as_user("auditor")
    text = client.get(
        f"/audit/stations/{OPERATOR_STATION}?from={day - timedelta(days=1)}&to={day}"
    ).get_data(as_text=True)
    n = len(aired_day["items"])
    assert f'href="/audit/stations/{OPERATOR_STATION}/days/{day}"' in text
    assert f"{n} / {n}" in text and "cell-good" in text and "cell-empty" in text
    assert "<svg" in text


def test_day_page_shows_who_when_where_of_each_report(app, client, as_user, aired_day):
    day, items = aired_day["day"], aired_day["items"]
    with app.app_context():
        first = get_session().scalar(
            select(Confirmation).where(Confirmation.playlist_item_id == items[0]["id"])
        )
        received = first.received_at.astimezone(ZoneInfo(ZONE)).strftime("%d/%m/%Y %H:%M:%S")
    # The operator corrects the first item through the API with a personal token.
    as_user("operator")
    token = personal_token(client, "điện thoại")
    client.delete_cookie("loaxa_session")
    correction = {
        "item_id": items[0]["id"],
        "client_key": "fix-1",
        "status": "not_aired",
        "reason": "power_cut",
        "note": "Mất điện cả thôn",
        "corrects": first.id,
    }
    report(client, {"Authorization": f"Bearer {token}"}, [correction], OPERATOR_STATION)
    # The device fetched the day's playlist too.
    assert (
        client.get(playlist_url(OPERATOR_STATION, day), headers=aired_day["headers"]).status_code
        == 200
    )
    as_user("auditor")
    page = client.get(f"/audit/stations/{OPERATOR_STATION}/days/{day}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    section = text[text.index(f'id="item-{items[0]["id"]}"') :]
    section = section[: section.index("</details>")]
    # Its effective status is the correction; both reports are listed, oldest first.
    assert words(app, "Not aired") in section and words(app, "Power cut") in section
    assert section.index(words(app, "Record no. %(seq)s", seq=first.seq)) < section.index(
        words(app, "corrects record #%(seq)s", seq=first.seq)
    )
    assert "Mất điện cả thôn" in section
    # Who: the device by its token's hint, then the operator by name and token label.
    device_report, correction_report = section.split(words(app, "Reported by"))[1:]
    assert "lxs_" in device_report and "operator" not in device_report
    assert "· operator, " in correction_report and "điện thoại" in correction_report
    assert words(app, "Station device") in device_report
    assert section.count("<dd>127.0.0.1</dd>") == 2  # from where
    assert f"<dd>{received}</dd>" in device_report  # when, in the station's zone
    # Downloads of the day: the device's JSON fetch.
    assert "JSON" in text[text.index(words(app, "Downloads of this day’s playlist")) :]


def test_unplanned_airings_are_listed(app, client, as_user, aired_day):
    day = aired_day["day"]
    start = aired_day["items"][0]["start"] + timedelta(hours=1)
    entry = {
        "client_key": "live-1",
        "status": "aired",
        "kind": "live",
        "title": "Thông báo họp dân khẩn",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=3)).isoformat(),
        "seconds": 180,
    }
    report(client, aired_day["headers"], [entry], OPERATOR_STATION)
    as_user("auditor")
    text = client.get(f"/audit/stations/{OPERATOR_STATION}/days/{day}").get_data(as_text=True)
    listed = text[text.index(words(app, "Unplanned airings")) :]
    assert words(app, "Live announcement") + ": Thông báo họp dân khẩn" in listed


def test_record_page_checks_its_link_and_content(app, client, as_user, aired_day):
    as_user("auditor")
    text = client.get(f"/audit/stations/{OPERATOR_STATION}/records/2").get_data(as_text=True)
    holds = "Its hash matches its content: it has not been changed since it was written."
    assert words(app, holds) in text.replace("&#39;", "'")
    assert f'href="/audit/stations/{OPERATOR_STATION}/records/1"' in text
    with app.app_context():
        get_session().execute(
            update(Confirmation)
            .where(Confirmation.station_id == station(OPERATOR_STATION).id, Confirmation.seq == 2)
            .values(note="sửa lén")
        )
        get_session().commit()
    text = client.get(f"/audit/stations/{OPERATOR_STATION}/records/2").get_data(as_text=True)
    changed = "Its content no longer matches its hash: it was changed after it was written."
    assert words(app, changed) in text
    assert client.get(f"/audit/stations/{OPERATOR_STATION}/records/999").status_code == 404
    for number in ("x", "0", "99999999999999999999", "١"):
        assert client.get(f"/audit/stations/{OPERATOR_STATION}/records/{number}").status_code == 404


# Charts ----------------------------------------------------------------------------------


def test_pages_need_nothing_from_outside(app, client, as_user, aired_day):
    as_user("auditor")
    day = aired_day["day"]
    for path in (
        f"/audit/units/{DISTRICT}",
        f"/audit/stations/{OPERATOR_STATION}",
        f"/audit/stations/{OPERATOR_STATION}/days/{day}",
    ):
        text = client.get(path).get_data(as_text=True)
        assert "<script" not in text
        outside = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', text)
        assert outside == [], (path, outside)
    text = client.get(f"/audit/units/{DISTRICT}").get_data(as_text=True)
    assert text.count("<svg") >= 2 and '<figure class="chart">' in text
    assert words(app, "Minutes by topic") in text


def test_a_line_breaks_where_a_value_is_missing():
    chart = line_chart(
        "T",
        ["a", "b", "c", "d"],
        Series("s", [0.5, None, 1.0, 0.9], "#000"),
        top=1.0,
        ticks=[(0.0, "0"), (1.0, "1")],
        table_label="table",
        corner="day",
    )
    path = re.search(r'<path d="([^"]+)"', chart)[0]  # type: ignore[index]
    assert path.count("M") == 2 and path.count("L") == 1
    assert chart.count("<circle") == 3 and "<td>—</td>" in chart


def test_bars_with_nothing_to_show_and_words_to_escape():
    chart = bar_chart(
        "<Chủ đề>",
        ["An ninh & trật tự"],
        [Series("Kế hoạch", [0.0], "#000"), Series("Đã phát", [None], "#111")],
        axis="phút",
        ticks=[(0.0, "0")],
        table_label="Bảng",
    )
    assert "&lt;Chủ đề&gt;" in chart and "An ninh &amp; trật tự" in chart
    assert 'width="0.0"' in chart and "<script" not in chart


def test_emergencies_are_listed_with_their_delay(app, client, as_user, fills, tmp_path):
    flood = approved_segment(app, tmp_path, "Cảnh báo lũ quét", NOTICES, 6, level=Level.EMERGENCY)
    as_user("planner")
    body = {
        "segment_id": flood,
        "station_codes": [OPERATOR_STATION],
        "expires_at": (utcnow() + timedelta(hours=2)).isoformat(),
    }
    headers = {"X-CSRFToken": csrf_token(client, "/profile")}
    assert client.post("/api/v1/emergencies", json=body, headers=headers).status_code == 201
    with app.app_context():
        first = get_session().scalar(
            select(PlaylistItem)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.station_id == station(OPERATOR_STATION).id)
            .where(PlaylistItem.level == "emergency")
            .order_by(PlaylistItem.planned_start)
        )
        item = {"id": first.id, "start": first.planned_start + timedelta(seconds=75)}
    item["end"] = item["start"] + timedelta(seconds=6)
    report(client, device(app, OPERATOR_STATION), [aired(item, "e-1")], OPERATOR_STATION)
    as_user("auditor")
    text = client.get(f"/audit/units/{DISTRICT}").get_data(as_text=True)
    listed = text[text.index(words(app, "Emergency broadcasts")) :]
    assert "Cảnh báo lũ quét" in listed and "<td>1:15</td>" in listed
    assert '<span class="num">1/' in text  # emergencies aired, in the headline
