"""The device confirmation API: what a station aired, posted in batches, through HTTP.

Every bad entry is answered with its own clear error and stores nothing: the test counts
the rows and reads each station's chain head before and after.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_datetime
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import func, select

from audio_library.segments import Topic
from radio.airings.chain import head, verify_station
from radio.airings.records import Confirmation
from radio.db import get_session
from radio.people import User
from radio.tokens import AccessToken, token_digest
from scheduler.playlists import Playlist, PlaylistItem
from tests.conftest import (
    OPERATOR_STATION,
    SAME_DISTRICT_STATION,
    csrf_token,
    personal_token,
)
from tests.playlist_fixtures import NOTICES, ZONE, build_aired, station, today, words
from tests.test_delivery_api import device

PATH = "/api/v1/stations/{code}/confirmations"
URL = PATH.format(code=OPERATOR_STATION)


@dataclass(frozen=True)
class Planned:
    """A playlist item as the device had it."""

    id: int
    start: datetime
    end: datetime
    version: int
    session_number: int
    segment_id: int | None


def planned(app: Flask, code: str, day: date) -> list[Planned]:
    with app.app_context():
        rows = get_session().execute(
            select(PlaylistItem, Playlist.version)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.station_id == station(code).id, Playlist.day == day)
            .order_by(PlaylistItem.planned_start)
        )
        return [
            Planned(
                item.id,
                item.planned_start,
                item.planned_start + timedelta(seconds=item.duration),
                version,
                item.session_number,
                item.segment_id,
            )
            for item, version in rows
        ]


def aired(item: Planned, key: str = "k-1", **fields: Any) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "client_key": key,
        "status": "aired",
        "started_at": item.start.isoformat(),
        "ended_at": item.end.isoformat(),
        **fields,
    }


def post(
    client: FlaskClient, headers: dict[str, str], entries: list[Any], code: str = OPERATOR_STATION
):  # type: ignore[no-untyped-def]
    return client.post(PATH.format(code=code), json={"items": entries}, headers=headers)


def log_state(app: Flask) -> tuple[int, tuple[int, str], tuple[int, str]]:
    """How many records there are, and the chain heads of both Cư Jút stations."""
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(Confirmation)),
            head(session, station(OPERATOR_STATION).id),
            head(session, station(SAME_DISTRICT_STATION).id),
        )


def records(app: Flask) -> list[Confirmation]:
    with app.app_context():
        return list(get_session().scalars(select(Confirmation).order_by(Confirmation.id)))


def shown(app: Flask, moment: datetime) -> str:
    """A time as the error messages show it."""
    with app.test_request_context():
        return str(format_datetime(moment, "short"))


@dataclass
class Device:
    headers: dict[str, str]
    items: list[Planned]
    day: date


@pytest.fixture
def dev(app: Flask, yesterday: date) -> Device:
    """The operator's station device, yesterday's items, and one report already chained."""
    headers = device(app, OPERATOR_STATION)
    items = planned(app, OPERATOR_STATION, yesterday)
    assert len(items) >= 4
    first = app.test_client().post(URL, json={"items": [aired(items[0], "seed")]}, headers=headers)
    assert first.json["created"] == 1
    return Device(headers, items, yesterday)


def refused(
    app: Flask,
    client: FlaskClient,
    dev: Device,
    entry: Any,
    kind: str,
    msgid: str,
    **params: Any,
) -> None:
    """The entry is rejected with this error, worded so, and nothing is stored."""
    before = log_state(app)
    answer = post(client, dev.headers, [entry])
    assert answer.status_code == 200, answer.json
    assert (answer.json["created"], answer.json["rejected"]) == (0, 1)
    (outcome,) = answer.json["items"]
    assert (outcome["outcome"], outcome["error"]) == ("rejected", kind)
    assert outcome["detail"] == words(app, msgid, **params)
    assert "id" not in outcome or outcome["id"] is None
    assert log_state(app) == before


# The day's report, retried, reused, late ----------------------------------------------


def test_a_device_reports_its_day_and_the_chain_holds(app, client, yesterday):
    headers = device(app, OPERATOR_STATION)
    items = planned(app, OPERATOR_STATION, yesterday)
    client_time = datetime.now(ZoneInfo(ZONE)).replace(microsecond=0)
    entries = [
        aired(item, f"day-{n}", client_time=client_time.isoformat()) for n, item in enumerate(items)
    ]
    answer = post(client, headers, entries)
    assert answer.status_code == 200
    body = answer.json
    assert (body["created"], body["duplicate"], body["rejected"]) == (len(items), 0, 0)
    for n, (outcome, item) in enumerate(zip(body["items"], items, strict=True)):
        assert (outcome["index"], outcome["item_id"], outcome["outcome"]) == (n, item.id, "created")
        assert isinstance(outcome["id"], int) and isinstance(outcome["late"], bool)
        assert datetime.fromisoformat(outcome["received_at"]).tzinfo is not None
    plain = headers["Authorization"].removeprefix("Bearer ")
    with app.app_context():
        session = get_session()
        token_id = session.scalar(
            select(AccessToken.id).where(AccessToken.digest == token_digest(plain))
        )
        rows = {r.id: r for r in session.scalars(select(Confirmation))}
        assert sorted(rows) == sorted(o["id"] for o in body["items"])
        for outcome, item in zip(body["items"], items, strict=True):
            row = rows[outcome["id"]]
            assert (row.source, row.token_id, row.user_id) == ("device", token_id, None)
            assert (row.playlist_item_id, row.playlist_version) == (item.id, item.version)
            assert (row.day, row.session_number) == (yesterday, item.session_number)
            assert (row.planned_start, row.segment_id) == (item.start, item.segment_id)
            assert (row.started_at, row.ended_at, row.status) == (item.start, item.end, "aired")
            assert row.client_time == client_time and row.late == outcome["late"]
        assert [r.seq for r in sorted(rows.values(), key=lambda r: r.seq)] == list(
            range(1, len(items) + 1)
        )
        assert verify_station(session, station(OPERATOR_STATION)) == (len(items), None)


def test_the_station_agent_says_so(app, client, dev):
    headers = {**dev.headers, "X-Loaxa-Agent": "1"}
    assert post(client, headers, [aired(dev.items[1])]).json["created"] == 1
    assert [r.source for r in records(app)] == ["device", "agent"]


def test_a_retried_batch_is_answered_with_the_same_records(app, client, dev):
    entries = [aired(item, f"r-{n}") for n, item in enumerate(dev.items)]
    first = post(client, dev.headers, entries).json
    before = log_state(app)
    again = post(client, dev.headers, entries)
    assert again.status_code == 200
    assert (again.json["created"], again.json["duplicate"]) == (0, len(entries))
    assert [o["outcome"] for o in again.json["items"]] == ["duplicate"] * len(entries)
    assert [o["id"] for o in again.json["items"]] == [o["id"] for o in first["items"]]
    assert log_state(app) == before


def test_a_used_key_with_a_different_report_is_refused(app, client, dev):
    changed = {**aired(dev.items[0], "seed"), "status": "not_aired", "reason": "power_cut"}
    msgid = (
        "This client key already holds a different report of this item; "
        "send a correction with a new key."
    )
    refused(app, client, dev, changed, "key_reused", msgid)
    later = {**aired(dev.items[0], "seed"), "ended_at": dev.items[0].start.isoformat()}
    refused(app, client, dev, later, "key_reused", msgid)
    refused(app, client, dev, aired(dev.items[0], "seed", note="loa 2 rè"), "key_reused", msgid)
    # The client's clock has moved on between tries: still the same report.
    retry = aired(dev.items[0], "seed", client_time=datetime.now(UTC).isoformat())
    assert post(client, dev.headers, [retry]).json["duplicate"] == 1


def test_a_used_key_with_a_different_unplanned_airing_is_refused(app, client, dev):
    assert post(client, dev.headers, [live()]).json["created"] == 1
    msgid = (
        "This client key already holds a different report of this item; "
        "send a correction with a new key."
    )
    for changed in ({"title": "Tiếp âm VOV1"}, {"seconds": 60}, {"kind": "relay"}, {"topic": None}):
        refused(app, client, dev, live(**changed), "key_reused", msgid)


def test_a_batch_delivered_days_late_is_kept_and_marked_late(app, client, yesterday):
    three_days_ago = today() - timedelta(days=3)
    build_aired(app, three_days_ago, [OPERATOR_STATION])
    items = planned(app, OPERATOR_STATION, three_days_ago)
    answer = post(
        client, device(app, OPERATOR_STATION), [aired(i, f"o-{i.id}") for i in items]
    ).json
    assert answer["created"] == len(items)
    assert {o["late"] for o in answer["items"]} == {True}
    assert {(r.day, r.late) for r in records(app)} == {(three_days_ago, True)}


def test_a_report_within_the_grace_period_is_not_late(app, client, yesterday):
    app.config["CONFIRM_GRACE_HOURS"] = 24 * 10
    items = planned(app, OPERATOR_STATION, yesterday)
    answer = post(client, device(app, OPERATOR_STATION), [aired(items[-1])]).json
    assert answer["created"] == 1 and answer["items"][0]["late"] is False
    assert [r.late for r in records(app)] == [False]


# Corrections and unplanned airings ---------------------------------------------------


def test_a_correction_points_to_the_record_it_corrects(app, client, dev):
    (seed,) = records(app)
    fix = {
        "item_id": dev.items[0].id,
        "client_key": "fix-1",
        "status": "not_aired",
        "reason": "power_cut",
        "corrects": seed.id,
    }
    answer = post(client, dev.headers, [fix]).json
    assert answer["created"] == 1
    earlier, correction = records(app)
    assert (earlier.id, earlier.status, earlier.hash) == (seed.id, seed.status, seed.hash)
    assert (correction.corrects_id, correction.status, correction.reason) == (
        seed.id,
        "not_aired",
        "power_cut",
    )
    with app.app_context():
        assert verify_station(get_session(), station(OPERATOR_STATION)) == (2, None)


def test_a_correction_of_another_station_or_item_is_refused(app, client, dev):
    neighbour = planned(app, SAME_DISTRICT_STATION, dev.day)
    theirs = post(
        client, device(app, SAME_DISTRICT_STATION), [aired(neighbour[0])], SAME_DISTRICT_STATION
    ).json["items"][0]["id"]
    (seed,) = (r for r in records(app) if r.client_key == "seed")
    msgid = "Record %(record)s is not an earlier report of this item at this station."
    for item, target in ((dev.items[0], theirs), (dev.items[2], seed.id), (dev.items[0], 10**9)):
        entry = {
            "item_id": item.id,
            "client_key": f"fix-{target}",
            "status": "not_aired",
            "reason": "power_cut",
            "corrects": target,
        }
        refused(app, client, dev, entry, "bad_correction", msgid, record=target)


def live(**fields: Any) -> dict[str, Any]:
    """A live announcement nobody planned, read yesterday at 17:00."""
    start = datetime.combine(today() - timedelta(days=1), time(17, 0), ZoneInfo(ZONE))
    return {
        "item_id": None,
        "client_key": "live-1",
        "status": "aired",
        "kind": "live",
        "title": "Thông báo khẩn của UBND xã về phòng, chống ma túy",
        "topic": NOTICES,
        "started_at": start.isoformat(),
        "seconds": 300,
        **fields,
    }


def test_an_unplanned_airing_is_recorded_with_what_it_was(app, client, dev):
    answer = post(client, dev.headers, [live()]).json
    assert answer["created"] == 1
    row = records(app)[-1]
    assert (row.playlist_item_id, row.planned_start, row.unplanned_kind) == (None, None, "live")
    assert (row.title, row.seconds, row.day) == (live()["title"], 300, dev.day)
    with app.app_context():
        assert row.topic_id == get_session().scalar(select(Topic.id).where(Topic.code == NOTICES))
    assert post(client, dev.headers, [live()]).json["duplicate"] == 1


def test_an_unplanned_airing_needs_a_title_and_a_known_topic(app, client, dev):
    msgid = "An unplanned airing needs its kind, a title, its start and its length."
    for missing in ({"title": "  "}, {"kind": None}, {"seconds": 0}, {"started_at": None}):
        refused(app, client, dev, live(**missing), "needs_what", msgid)
    # Not aired, with a reason: still says what it would have been.
    fell_through = live(status="not_aired", reason="power_cut", started_at=None)
    refused(app, client, dev, fell_through, "needs_what", msgid)
    refused(
        app,
        client,
        dev,
        live(topic="khong-co"),
        "no_topic",
        "Topic %(topic)s does not exist.",
        topic="khong-co",
    )


# People ------------------------------------------------------------------------------


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        found = get_session().scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def test_the_operator_confirms_with_the_session_and_csrf(app, client, as_user, yesterday):
    items = planned(app, OPERATOR_STATION, yesterday)
    as_user("operator")
    before = log_state(app)
    no_csrf = post(client, {}, [aired(items[0])])
    assert no_csrf.status_code == 400 and log_state(app) == before
    answer = post(client, {"X-CSRFToken": csrf_token(client, "/profile")}, [aired(items[0])])
    assert answer.status_code == 200 and answer.json["created"] == 1
    (row,) = records(app)
    assert (row.source, row.user_id, row.token_id) == ("page", user_id(app, "operator"), None)


def test_the_operator_confirms_with_a_personal_token(app, client, as_user, yesterday):
    items = planned(app, OPERATOR_STATION, yesterday)
    as_user("operator")
    plain = personal_token(client)
    client.delete_cookie("loaxa_session")  # the token alone speaks for the operator
    answer = post(client, {"Authorization": f"Bearer {plain}"}, [aired(items[0])])
    assert answer.status_code == 200 and answer.json["created"] == 1
    (row,) = records(app)
    with app.app_context():
        token_id = get_session().scalar(
            select(AccessToken.id).where(AccessToken.digest == token_digest(plain))
        )
    # Coded so: a person's token is used by a program, recorded like a device.
    assert (row.source, row.user_id, row.token_id) == ("device", user_id(app, "operator"), token_id)


def test_people_outside_the_station_are_refused(app, client, as_user, yesterday):
    mine = planned(app, OPERATOR_STATION, yesterday)
    theirs = planned(app, SAME_DISTRICT_STATION, yesterday)
    before = log_state(app)
    as_user("auditor")  # sees Cư Jút, but does not confirm
    answer = post(client, {"X-CSRFToken": csrf_token(client, "/profile")}, [aired(mine[0])])
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    as_user("operator")  # of Ea Pô, not of Ea T'Ling
    headers = {"X-CSRFToken": csrf_token(client, "/profile")}
    answer = post(client, headers, [aired(theirs[0])], SAME_DISTRICT_STATION)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    client.delete_cookie("loaxa_session")
    assert post(client, {}, [aired(mine[0])]).status_code == 401
    assert log_state(app) == before


# Bad input: a clear error, nothing stored -------------------------------------------


def test_another_stations_token_is_refused(app, client, dev):
    before = log_state(app)
    answer = post(client, device(app, SAME_DISTRICT_STATION), [aired(dev.items[1])])
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert answer.json["detail"] == words(app, "This token belongs to another station.")
    assert log_state(app) == before


def test_another_stations_item_is_refused(app, client, dev):
    theirs = planned(app, SAME_DISTRICT_STATION, dev.day)[0]
    msgid = "Item %(item)s belongs to another station's playlist."
    refused(app, client, dev, aired(theirs), "other_station", msgid, item=theirs.id)


def test_an_item_that_does_not_exist_is_refused(app, client, dev):
    entry = {**aired(dev.items[1]), "item_id": 10**9}
    refused(app, client, dev, entry, "no_item", "Item %(item)s does not exist.", item=10**9)


def test_a_batch_of_501_is_refused_whole(app, client, dev):
    entries = [aired(dev.items[n % len(dev.items)], f"b-{n}") for n in range(501)]
    before = log_state(app)
    answer = post(client, dev.headers, entries)
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    msgid = (
        "A batch holds at most %(max)s entries; this one has %(count)s. Send it in smaller batches."
    )
    assert answer.json["detail"] == words(app, msgid, max=500, count=501)
    assert log_state(app) == before


def test_a_status_not_in_the_list_is_refused(app, client, dev):
    msgid = "Unknown status “%(value)s”: use aired, not_aired or partly_aired."
    for status in ("played", "", None):
        entry = {**aired(dev.items[1]), "status": status}
        refused(app, client, dev, entry, "bad_status", msgid, value=status)


def test_an_end_before_its_start_is_refused(app, client, dev):
    item = dev.items[1]
    entry = aired(item, started_at=item.end.isoformat(), ended_at=item.start.isoformat())
    refused(app, client, dev, entry, "end_before_start", "The end is before the start.")


def test_a_time_years_in_the_future_is_refused(app, client, dev):
    future = datetime.now(ZoneInfo(ZONE)).replace(microsecond=0) + timedelta(days=3 * 365)
    msgid = "The time %(time)s is in the future: check the device's clock."
    entry = aired(dev.items[1], client_time=future.isoformat())
    refused(app, client, dev, entry, "future_time", msgid, time=shown(app, future))
    entry = aired(dev.items[1], ended_at=future.isoformat())
    refused(app, client, dev, entry, "future_time", msgid, time=shown(app, future))


def test_malformed_json_is_refused(app, client, dev):
    before = log_state(app)
    for body in ('{"items": [', "items=1", "[]"):
        answer = client.post(URL, data=body, content_type="application/json", headers=dev.headers)
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
        expected = (
            'The body is not valid JSON: send {"items": [...]}.'
            if body != "[]"
            else "The body must be a JSON object with a non-empty list “items”."
        )
        assert answer.json["detail"] == words(app, expected)
    assert log_state(app) == before


def test_a_duplicate_within_one_batch_is_stored_once(app, client, dev):
    entry = aired(dev.items[1], "twice")
    before = log_state(app)
    answer = post(client, dev.headers, [entry, entry]).json
    assert [o["outcome"] for o in answer["items"]] == ["created", "rejected"]
    assert answer["items"][1]["error"] == "twice_in_batch"
    assert answer["items"][1]["detail"] == words(
        app, "This item and client key appear twice in the batch."
    )
    assert log_state(app)[0] == before[0] + 1
    assert [r.client_key for r in records(app)].count("twice") == 1


def test_a_session_that_has_not_started_is_refused(app, client, dev, tomorrow):
    items = planned(app, OPERATOR_STATION, tomorrow)
    item = items[0]
    session_start = min(i.start for i in items if i.session_number == item.session_number)
    entry = {"item_id": item.id, "client_key": "early", "status": "not_aired", "reason": "weather"}
    msgid = "This session has not started yet: it starts at %(start)s."
    refused(app, client, dev, entry, "not_started", msgid, start=shown(app, session_start))


def test_a_time_without_offset_is_refused(app, client, dev):
    naive = dev.items[1].start.replace(tzinfo=None).isoformat()
    msgid = (
        "The time “%(value)s” in “%(field)s” is not valid: write ISO 8601 with its offset, "
        "for example 2026-07-01T06:00:00+07:00."
    )
    entry = aired(dev.items[1], started_at=naive)
    refused(app, client, dev, entry, "bad_time", msgid, value=naive, field="started_at")
    entry = aired(dev.items[1], ended_at="hôm qua")
    refused(app, client, dev, entry, "bad_time", msgid, value="hôm qua", field="ended_at")
    beyond = "0001-01-01T00:00:00+07:00"  # before the first instant UTC can write
    entry = aired(dev.items[1], client_time=beyond)
    refused(app, client, dev, entry, "bad_time", msgid, value=beyond, field="client_time")


def test_a_missing_client_key_is_refused(app, client, dev):
    msgid = "client_key is missing: give each entry a key of 1 to 64 characters."
    for key in (None, "", "   ", "x" * 65, 17, "k\x00"):
        entry = {**aired(dev.items[1]), "client_key": key}
        refused(app, client, dev, entry, "no_key", msgid)


def test_wrong_types_are_refused(app, client, dev):
    msgid = "The field “%(field)s” is not valid: %(expected)s."
    number = "a whole number from 0 to 2147483647"
    for name, value, expected in (
        ("item_id", "abc", number),
        ("item_id", True, number),
        ("item_id", 2**70, number),  # more than SQLite or PostgreSQL can bind
        ("corrects", 1.5, number),
        ("corrects", 2**70, number),
        ("note", 42, "text"),
        ("note", "tắt\x00điện", "text"),  # PostgreSQL's text cannot hold NUL
    ):
        entry = {**aired(dev.items[1]), name: value}
        refused(
            app, client, dev, entry, "bad_field", msgid, field=name, expected=words(app, expected)
        )
    refused(app, client, dev, "aired", "not_object", "Each entry must be a JSON object.")


def test_too_long_texts_are_refused_not_cut(app, client, dev):
    msgid = "The field “%(field)s” holds at most %(max)s characters."
    entry = aired(dev.items[1], "long", note="Mất điện cả xã. " * 40)
    refused(app, client, dev, entry, "too_long", msgid, field="note", max=500)
    entry = live(title="Thông báo " * 40)
    refused(app, client, dev, entry, "too_long", msgid, field="title", max=300)


def test_an_airing_longer_than_a_day_is_refused(app, client, dev):
    msgid = "An airing lasts at most 24 hours: check its start, end and length."
    item = dev.items[1]
    long_ago = (item.start - timedelta(days=400 * 365)).isoformat()  # a clock reset to 1626
    refused(app, client, dev, aired(item, started_at=long_ago), "bad_length", msgid)
    refused(app, client, dev, live(seconds=25 * 3600), "bad_length", msgid)
    refused(
        app,
        client,
        dev,
        live(seconds=10**12),
        "bad_field",
        "The field “%(field)s” is not valid: %(expected)s.",
        field="seconds",
        expected=words(app, "a whole number from 0 to 2147483647"),
    )


def test_what_did_not_air_says_why(app, client, dev):
    item = dev.items[1]
    for status in ("not_aired", "partly_aired"):
        entry = aired(item, f"why-{status}", status=status)
        msgid = "Choose why it did not air, or aired only in part."
        refused(app, client, dev, entry, "needs_reason", msgid)
    entry = aired(item, "why", status="not_aired", reason="other", note=" ")
    refused(app, client, dev, entry, "needs_note", "Say in a few words what the other reason was.")
    entry = aired(item, "why", status="not_aired", reason="mưa")
    choices = (
        "power_cut, equipment_fault, no_connection, file_missing, "
        "emergency, weather, local_event, other"
    )
    msgid = "Unknown reason “%(value)s”: use one of %(choices)s."
    refused(app, client, dev, entry, "bad_reason", msgid, value="mưa", choices=choices)
    entry = live(kind="radio")
    msgid = "Unknown kind “%(value)s”: use live, relay or other."
    refused(app, client, dev, entry, "bad_kind", msgid, value="radio")
    msgid = "Give the actual start and end of an item that aired."
    for missing in ("started_at", "ended_at"):
        refused(app, client, dev, {**aired(item), missing: None}, "needs_times", msgid)


def test_a_mixed_batch_stores_exactly_the_good_entries(app, client, dev):
    good = [aired(dev.items[1], "g-1"), aired(dev.items[2], "g-2")]
    bad = [
        {**aired(dev.items[3], "b-1"), "item_id": 10**9},
        {**aired(dev.items[3], "b-2"), "status": "played"},
        aired(
            dev.items[3],
            "b-3",
            ended_at=dev.items[3].start.isoformat(),
            started_at=dev.items[3].end.isoformat(),
        ),
        {**aired(dev.items[3]), "client_key": None},
    ]
    before = log_state(app)
    answer = post(client, dev.headers, [bad[0], good[0], bad[1], bad[2], good[1], bad[3]]).json
    assert [o["outcome"] for o in answer["items"]] == [
        "rejected",
        "created",
        "rejected",
        "rejected",
        "created",
        "rejected",
    ]
    assert [o["error"] for o in answer["items"] if o["outcome"] == "rejected"] == [
        "no_item",
        "bad_status",
        "end_before_start",
        "no_key",
    ]
    assert log_state(app)[0] == before[0] + 2
    stored = [(r.playlist_item_id, r.client_key) for r in records(app)][-2:]
    assert stored == [(dev.items[1].id, "g-1"), (dev.items[2].id, "g-2")]
    with app.app_context():
        assert verify_station(get_session(), station(OPERATOR_STATION)) == (3, None)


# The OpenAPI document ---------------------------------------------------------------


def test_the_answer_matches_the_openapi_document(app, client, dev):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    operation = spec["paths"]["/api/v1/stations/{code}/confirmations"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]

    def check(schema: dict[str, Any], instance: Any) -> None:
        Draft202012Validator({**schema, "components": spec["components"]}).validate(instance)

    batch = {"items": [aired(dev.items[0], "seed"), aired(dev.items[1], "new"), live()]}
    check(body, batch)
    response = client.post(
        URL, json={"items": [*batch["items"], {"status": "x"}]}, headers=dev.headers
    )
    assert [o["outcome"] for o in response.json["items"]] == [
        "duplicate",
        "created",
        "created",
        "rejected",
    ]
    check(answer, response.json)


def test_a_start_a_day_away_from_the_plan_is_a_wrong_clock(app, client, dev):
    reset = datetime(1970, 1, 1, 7, tzinfo=ZoneInfo(ZONE))
    item = dev.items[1]
    entry = aired(item, started_at=reset.isoformat(), ended_at=reset.isoformat())
    msgid = (
        "The start is more than a day away from the planned %(start)s: check the device's clock."
    )
    refused(app, client, dev, entry, "far_from_plan", msgid, start=shown(app, item.start))
