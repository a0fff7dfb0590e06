"""The station agent's heartbeat: posted by the station's own device, refused in Vietnamese
when wrong (storing nothing), turned into liveness (live, silent, no agent) and warnings,
shown to the auditors in scope, flagged by the job and listed in the daily digest."""

import logging
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_timedelta
from sqlalchemy import func, select

from audio_library.db import utcnow
from radio import db
from radio.airings.follow_up import Digest
from radio.airings.jobs import SILENT_JOB_ID, add_liveness_job, digest_job, silent_agents_job
from radio.airings.liveness import (
    AgentError,
    AgentState,
    Held,
    Playing,
    Report,
    StationHeartbeat,
    WarningKind,
    liveness,
    record_heartbeat,
)
from radio.db import get_session
from radio.digest_mail import compose
from radio.tokens import AccessToken, revoke_token, token_digest
from scheduler.playlists import Playlist
from scheduler.units import Unit
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    SAME_DISTRICT_STATION,
    add_user,
    csrf_token,
    login,
    personal_token,
)
from tests.playlist_fixtures import ZONE, station, today, words
from tests.test_delivery_api import device

URL = "/api/v1/stations/{code}/heartbeat"
THRESHOLD = timedelta(minutes=15)  # the default AGENT_SILENT_MINUTES
THIRD_STATION = "67-24643"  # another commune of Huyện Cư Jút, with no agent
MOMENT = "Write a time in ISO 8601 with its offset, for example 2026-11-28T06:00:00+07:00."


def heartbeat(**fields: Any) -> dict[str, Any]:
    """A full heartbeat as the agent sends it, its clock 30 s ahead of the server's."""
    local = datetime.now(ZoneInfo(ZONE))
    body: dict[str, Any] = {
        "agent_version": "0.7.0",
        "last_sync_at": (local - timedelta(minutes=1)).isoformat(),
        "playlists": [{"date": today().isoformat(), "version": 3}],
        "disk_free_bytes": 123_456_789,
        "pending_confirmations": 2,
        "errors": [
            {
                "at": (local - timedelta(hours=1)).isoformat(),
                "kind": "download_failed",
                "message": "Không tải được tệp: hết thời gian chờ",
            }
        ],
        "playing": {"date": today().isoformat(), "session": 1, "item_id": 17},
        "clock": (local + timedelta(seconds=30)).isoformat(),
    }
    return {**body, **fields}


def post(client: FlaskClient, headers: dict[str, str], body: Any, code: str = OPERATOR_STATION):  # type: ignore[no-untyped-def]
    return client.post(
        URL.format(code=code), json=body, headers={**headers, "X-Loaxa-Agent": "0.7.0"}
    )


def rows(app: Flask) -> list[tuple[Any, ...]]:
    """Every stored heartbeat, column by column."""
    with app.app_context():
        table = StationHeartbeat.__table__
        return [tuple(r) for r in get_session().execute(select(table).order_by(table.c.station_id))]


def stored(app: Flask, code: str = OPERATOR_STATION) -> StationHeartbeat:
    with app.app_context():
        beat = get_session().get(StationHeartbeat, station(code).id)
        assert beat is not None
        get_session().expunge(beat)
        return beat


def store(app: Flask, code: str, received_at: datetime, **fields: Any) -> None:
    """A heartbeat received at a given time, through the same function the API uses."""
    report = Report(
        agent_version=fields.pop("agent_version", "0.7.0"),
        clock=fields.pop("clock", received_at),
        disk_free_bytes=fields.pop("disk_free_bytes", 10**10),
        pending_confirmations=0,
        **fields,
    )
    with app.app_context():
        record_heartbeat(get_session(), station(code).id, report, received_at, "10.0.0.7")
        get_session().commit()


# Posting ----------------------------------------------------------------------------------


def test_a_device_posts_and_the_latest_heartbeat_wins(app, client):
    headers = device(app, OPERATOR_STATION)
    body = heartbeat()
    answer = post(client, headers, body)
    assert answer.status_code == 200, answer.json
    assert answer.json["silent_after_minutes"] == 15
    received = datetime.fromisoformat(answer.json["received_at"])
    assert abs(received - utcnow()) < timedelta(seconds=30)
    assert datetime.fromisoformat(answer.json["server_time"]) >= received

    beat = stored(app)
    assert (beat.agent_version, beat.disk_free_bytes, beat.pending_confirmations) == (
        "0.7.0",
        123_456_789,
        2,
    )
    assert beat.last_sync_at == datetime.fromisoformat(body["last_sync_at"])
    assert beat.held == [Held(today(), 3)]
    (error,) = beat.recent_errors
    assert error == AgentError(
        datetime.fromisoformat(body["errors"][0]["at"]),
        "download_failed",
        "Không tải được tệp: hết thời gian chờ",
    )
    assert beat.now_playing == Playing(today(), 1, 17)
    assert 25 < beat.clock_skew_seconds < 35
    assert beat.received_at == received == beat.first_seen_at
    assert beat.remote_addr == "127.0.0.1"

    again = post(client, headers, heartbeat(agent_version="0.7.1", playing=None, errors=[]))
    assert again.status_code == 200
    assert len(rows(app)) == 1
    newer = stored(app)
    assert (newer.agent_version, newer.playing, newer.errors) == ("0.7.1", None, [])
    assert newer.first_seen_at == beat.first_seen_at and newer.received_at > beat.received_at

    own = client.get(URL.format(code=OPERATOR_STATION), headers=headers).json
    assert (own["state"], own["agent_version"], own["playlists"]) == (
        "live",
        "0.7.1",
        [{"date": today().isoformat(), "version": 3, "current_version": None}],
    )


def test_text_is_stored_nfc_and_unknown_fields_are_ignored(app, client):
    nfd = unicodedata.normalize("NFD", "Lỗi tải tệp")
    body = heartbeat(errors=[{"at": heartbeat()["clock"], "kind": "x", "message": f" {nfd} "}])
    body["added_by_a_newer_agent"] = {"anything": 1}
    assert post(client, device(app, OPERATOR_STATION), body).status_code == 200
    assert stored(app).errors[0]["message"] == "Lỗi tải tệp"


def bad_cases() -> list[tuple[str, Any, int, str | None, str, dict[str, Any]]]:
    """(case, body, status, field, msgid, values) for each kind of bad heartbeat."""
    good = heartbeat()
    no_version = {k: v for k, v in good.items() if k != "agent_version"}
    error = good["errors"][0]
    return [
        ("missing agent_version", no_version, 422, "agent_version", "This field is missing.", {}),
        (
            "negative disk",
            heartbeat(disk_free_bytes=-1),
            422,
            "disk_free_bytes",
            "Give a whole number from {min} to {max}.",
            {"min": 0, "max": 2**63 - 1},
        ),
        (
            "disk over 64 bits",
            heartbeat(disk_free_bytes=2**63),
            422,
            "disk_free_bytes",
            "Give a whole number from {min} to {max}.",
            {"min": 0, "max": 2**63 - 1},
        ),
        (
            "too many errors",
            heartbeat(errors=[error] * 21),
            422,
            "errors",
            "Send at most {max} entries.",
            {"max": 20},
        ),
        (
            "message too long",
            heartbeat(errors=[{**error, "message": "x" * 501}]),
            422,
            "errors.0.message",
            "Write at most {max} characters.",
            {"max": 500},
        ),
        (
            "bad date",
            heartbeat(playlists=[{"date": "28/11/2026", "version": 3}]),
            422,
            "playlists.0.date",
            "Write a date as YYYY-MM-DD.",
            {},
        ),
        (
            "no such day",
            heartbeat(playing={"date": "2026-02-30", "session": 1}),
            422,
            "playing.date",
            "Write a date as YYYY-MM-DD.",
            {},
        ),
        ("time without offset", heartbeat(clock="2026-11-28T06:02:00"), 422, "clock", MOMENT, {}),
        (
            "disk as text",
            heartbeat(disk_free_bytes="lots"),
            422,
            "disk_free_bytes",
            "Give a whole number.",
            {},
        ),
        (
            "fraction",
            heartbeat(pending_confirmations=1.5),
            422,
            "pending_confirmations",
            "Give a whole number.",
            {},
        ),
        (
            "boolean",
            heartbeat(pending_confirmations=True),
            422,
            "pending_confirmations",
            "Give a whole number.",
            {},
        ),
        ("version as number", heartbeat(agent_version=7), 422, "agent_version", "Give text.", {}),
        (
            "NUL in text",
            heartbeat(agent_version="0.7\x00"),
            422,
            "agent_version",
            "Text cannot contain the NUL character.",
            {},
        ),
        (
            "playlists not a list",
            heartbeat(playlists={"2026-11-28": 3}),
            422,
            "playlists",
            "Give a list.",
            {},
        ),
        (
            "playing not an object",
            heartbeat(playing="yes"),
            422,
            "playing",
            "Give a JSON object.",
            {},
        ),
        ("null clock", heartbeat(clock=None), 422, "clock", "This field cannot be null.", {}),
        (
            "not an object",
            [heartbeat()],
            400,
            None,
            "The body must be a JSON object: the agent's heartbeat.",
            {},
        ),
    ]


@pytest.mark.parametrize(
    ("case", "body", "status", "field", "msgid", "values"),
    bad_cases(),
    ids=[c[0] for c in bad_cases()],
)
def test_a_bad_heartbeat_is_refused_in_vietnamese_and_changes_nothing(
    app, client, case, body, status, field, msgid, values
):
    headers = device(app, OPERATOR_STATION)
    assert post(client, headers, body).status_code == status and rows(app) == []  # first
    assert post(client, headers, heartbeat()).status_code == 200
    before = rows(app)
    answer = post(client, headers, body)
    assert answer.status_code == status, answer.json
    assert answer.mimetype == "application/problem+json"
    expected = words(app, msgid).format(**values)
    assert expected in answer.json["detail"], answer.json["detail"]
    assert answer.json["title"] == words(app, "Some of the data is not valid.") or status == 400
    if field is not None:
        assert answer.json["errors"][field] == [expected]
    assert rows(app) == before


def test_a_body_that_is_not_json_is_refused(app, client):
    headers = {**device(app, OPERATOR_STATION), "Content-Type": "application/json"}
    answer = client.post(URL.format(code=OPERATOR_STATION), data="{not json", headers=headers)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.json["detail"] == words(
        app, "The body must be a JSON object: the agent's heartbeat."
    )
    assert rows(app) == []


def test_only_the_station_own_device_may_post(app, client, as_user):
    mine = device(app, OPERATOR_STATION)
    assert post(client, mine, heartbeat(), code=SAME_DISTRICT_STATION).status_code == 403
    assert post(client, mine, heartbeat(), code="NO-SUCH").status_code == 404
    as_user("admin")
    session_post = post(client, {"X-CSRFToken": csrf_token(client, "/profile")}, heartbeat())
    assert session_post.status_code == 403
    assert session_post.json["detail"] == words(
        app, "Only the station's own device token can send its heartbeat."
    )
    personal = {"Authorization": f"Bearer {personal_token(client)}"}
    client.delete_cookie("loaxa_session")
    assert post(client, personal, heartbeat()).status_code == 403
    with app.app_context():
        plain = mine["Authorization"].removeprefix("Bearer ")
        token = get_session().scalar(
            select(AccessToken).where(AccessToken.digest == token_digest(plain))
        )
        revoke_token(token)
        get_session().commit()
    assert post(client, mine, heartbeat()).status_code == 401
    assert rows(app) == []


# Liveness ---------------------------------------------------------------------------------


def test_live_then_silent_after_the_threshold_and_no_agent_is_never_silent(app):
    t0 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    store(app, OPERATOR_STATION, t0)
    with app.app_context():
        ids = [station(c).id for c in (OPERATOR_STATION, THIRD_STATION)]
        for minutes, state in (
            (0, AgentState.LIVE),
            (15, AgentState.LIVE),
            (16, AgentState.SILENT),
        ):
            now = t0 + timedelta(minutes=minutes)
            lines = liveness(get_session(), ids, now, THRESHOLD)
            assert lines[ids[0]].state == state, minutes
            assert lines[ids[1]].state == AgentState.NO_AGENT and lines[ids[1]].heartbeat is None
        far = liveness(get_session(), ids, t0 + timedelta(days=30), THRESHOLD)
        assert far[ids[1]].state == AgentState.NO_AGENT
        assert liveness(get_session(), ids, t0, timedelta(minutes=-1))[ids[0]].state == "silent"


def add_version(app: Flask, code: str, day: date, built_at: datetime) -> int:
    """A new version of a station's playlist for the day, as a rebuild stores it."""
    with app.app_context():
        session = get_session()
        station_id = station(code).id
        latest = session.scalar(
            select(func.max(Playlist.version)).where(
                Playlist.station_id == station_id, Playlist.day == day
            )
        )
        version = (latest or 0) + 1
        session.add(
            Playlist(
                station_id=station_id,
                day=day,
                version=version,
                built_at=built_at,
                trigger="test",
                content_hash=f"{version:064d}",
            )
        )
        session.commit()
        return version


def test_behind_when_today_was_rebuilt_and_the_agent_holds_the_old_version(app):
    now = utcnow()
    day = now.astimezone(ZoneInfo(ZONE)).date()
    add_version(app, OPERATOR_STATION, day, now - timedelta(hours=3))
    store(app, OPERATOR_STATION, now, playlists=[Held(day, 1)])

    def warnings_at(moment: datetime) -> list[Any]:
        with app.app_context():
            sid = station(OPERATOR_STATION).id
            return liveness(get_session(), [sid], moment, THRESHOLD)[sid].warnings

    assert warnings_at(now) == []
    rebuilt = add_version(app, OPERATOR_STATION, day, now - timedelta(minutes=5))
    assert warnings_at(now) == []  # it has the threshold to fetch the new version
    (behind,) = warnings_at(now + timedelta(minutes=11))
    assert (behind.kind, behind.day, behind.held, behind.current) == (
        WarningKind.BEHIND,
        day,
        1,
        rebuilt,
    )
    store(app, OPERATOR_STATION, now, playlists=[Held(day, 1), Held(day, rebuilt)])
    assert warnings_at(now + timedelta(minutes=11)) == []
    store(app, OPERATOR_STATION, now, playlists=[])  # holds nothing of today
    assert [w.kind for w in warnings_at(now + timedelta(minutes=11))] == [WarningKind.BEHIND]


def test_clock_skew_and_a_nearly_full_disk_are_warnings(app):
    now = utcnow()
    store(app, OPERATOR_STATION, now, clock=now + timedelta(minutes=2), disk_free_bytes=200 * 10**6)
    with app.app_context():
        sid = station(OPERATOR_STATION).id
        assert liveness(get_session(), [sid], now, THRESHOLD)[sid].warnings == []
    store(app, OPERATOR_STATION, now, clock=now - timedelta(minutes=3), disk_free_bytes=10**6)
    with app.app_context():
        warnings = liveness(get_session(), [sid], now, THRESHOLD)[sid].warnings
    assert [(w.kind, w.seconds, w.free_bytes) for w in warnings] == [
        (WarningKind.CLOCK_SKEW, -180.0, None),
        (WarningKind.LOW_DISK, None, 10**6),
    ]


# Pages and JSON for auditors --------------------------------------------------------------


def row_of(page: str, code: str) -> str:
    start = page.index(f'<tr id="station-{code}"')
    return page[start : page.index("</tr>", start)]


def test_the_unit_page_has_the_agent_column_with_silent_agents_flagged(app, client, as_user):
    store(app, OPERATOR_STATION, utcnow() - timedelta(hours=3))
    assert (
        post(
            client, device(app, SAME_DISTRICT_STATION), heartbeat(), SAME_DISTRICT_STATION
        ).status_code
        == 200
    )
    as_user("auditor")
    page = client.get("/audit/units/662").get_data(as_text=True)
    assert f"<th>{words(app, 'Playout device')}</th>" in page
    with app.test_request_context():
        three_hours = str(format_timedelta(timedelta(hours=3)))
    silent = row_of(page, OPERATOR_STATION)
    assert "⚠ " + words(app, "silent for %(span)s", span=three_hours) in silent
    assert "badge bad" in silent
    live = row_of(page, SAME_DISTRICT_STATION)
    assert words(app, "live · %(ago)s", ago="").rstrip() in live and "⚠" not in live
    assert '<span class="muted"' in row_of(page, THIRD_STATION) and "—</span>" in row_of(
        page, THIRD_STATION
    )
    tile = page[page.index(words(app, "station agents silent")) - 200 :]
    assert '<span class="num">1</span>' in tile[:300]
    assert f'href="#station-{OPERATOR_STATION}"' in tile[:600]


def test_the_station_page_shows_the_agent_box(app, client, as_user):
    body = heartbeat(disk_free_bytes=150_000_000)
    assert post(client, device(app, OPERATOR_STATION), body).status_code == 200
    as_user("auditor")
    page = client.get(f"/audit/stations/{OPERATOR_STATION}").get_data(as_text=True)
    box = page[page.index('id="agent"') : page.index("</section>", page.index('id="agent"'))]
    beat = stored(app)
    local = beat.received_at.astimezone(ZoneInfo(ZONE)).strftime("%d/%m/%Y %H:%M:%S")
    error_at = beat.recent_errors[0].at.astimezone(ZoneInfo(ZONE)).strftime("%d/%m/%Y %H:%M:%S")
    for expected in (
        words(app, "Playout device"),
        words(app, "live · %(ago)s", ago="").rstrip(),
        local,
        "0.7.0",
        "150 MB",
        words(app, "disk nearly full"),
        "download_failed",
        error_at,
        "Không tải được tệp: hết thời gian chờ",
        words(app, "session %(n)s", n=1),
        words(app, "item %(id)s", id=17),  # not an item of this station's playlists
    ):
        assert expected in box, expected
    other = client.get(f"/audit/stations/{SAME_DISTRICT_STATION}").get_data(as_text=True)
    assert words(app, "No agent has reported: the station is run by hand.") in other


def test_the_json_is_for_auditors_in_scope_and_the_station_itself(app, client, as_user):
    path = URL.format(code=OPERATOR_STATION)
    as_user("auditor")
    none_yet = client.get(path)
    assert none_yet.status_code == 404 and none_yet.mimetype == "application/problem+json"
    assert none_yet.json["detail"] == words(app, "No agent has reported for this station.")
    store(app, OPERATOR_STATION, utcnow() - timedelta(hours=1), disk_free_bytes=5)
    doc = client.get(path).json
    assert (doc["station"], doc["state"], doc["disk_free_bytes"]) == (OPERATOR_STATION, "silent", 5)
    (low,) = doc["warnings"]
    assert low["kind"] == "low_disk" and low["free_bytes"] == 5 and low["detail"]
    as_user("admin")
    assert client.get(path).status_code == 200
    as_user("operator")
    assert client.get(path).status_code == 403
    assert client.get(f"/audit/stations/{OPERATOR_STATION}").status_code == 403
    client.delete_cookie("loaxa_session")
    assert client.get(path, headers=device(app, OPERATOR_STATION)).status_code == 200
    assert client.get(path, headers=device(app, SAME_DISTRICT_STATION)).status_code == 403
    with app.app_context():
        gia_nghia = station(OTHER_DISTRICT_STATION).unit.parent.code
    add_user(app, "auditor-gn", "auditor", gia_nghia, "mat-khau-dai-1")
    assert login(client, "auditor-gn", "mat-khau-dai-1").status_code == 302
    assert client.get(path).status_code == 403
    assert client.get(f"/audit/stations/{OPERATOR_STATION}").status_code == 403


# The job and the digest -------------------------------------------------------------------


def test_the_job_has_a_stable_id_every_five_minutes(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        with app.app_context():
            for _ in range(2):
                add_liveness_job(scheduler, db.session_factory(), app.config)
        (job,) = scheduler.get_jobs()
        assert job.id == SILENT_JOB_ID == "flag-silent-agents"
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=5)
    finally:
        scheduler.shutdown(wait=False)


def test_the_job_flags_a_silent_agent_once_and_the_digest_lists_it(app, client, as_user, caplog):
    store(app, OPERATOR_STATION, utcnow() - timedelta(hours=1))
    store(app, SAME_DISTRICT_STATION, utcnow())
    with app.app_context():
        sessions = db.session_factory()
        with caplog.at_level(logging.WARNING, logger="radio.airings.jobs"):
            assert silent_agents_job(sessions, THRESHOLD) == 1
            assert silent_agents_job(sessions, THRESHOLD) == 0  # flagged once
        flagged = [r for r in caplog.records if OPERATOR_STATION in r.getMessage()]
        assert len(flagged) == 1 and flagged[0].levelno == logging.WARNING
        assert not any(SAME_DISTRICT_STATION in r.getMessage() for r in caplog.records)
        (made,) = digest_job(sessions, app.config["TIMEZONE"], timedelta(hours=2), None)
        digest = get_session().get(Digest, made)
        assert digest.figures["silent_agents"] == 1
        assert [s["station"] for s in digest.figures["silent_agent_list"]] == [OPERATOR_STATION]
        unit = get_session().get(Unit, digest.unit_id)
        with app.test_request_context():
            mail = compose(digest, unit, ["auditor@cujut.example.vn"], app.config)
        assert OPERATOR_STATION in mail.get_content()
        assert words(app, "Station agents silent") in mail.get_content()
    as_user("auditor")
    page = client.get(f"/digests/{made}").get_data(as_text=True)
    section = page[page.index('id="silent-agents"') :]
    assert f'href="/audit/stations/{OPERATOR_STATION}"' in section
    # A heartbeat clears the flag: a later silence is flagged (and logged) again.
    assert post(client, device(app, OPERATOR_STATION), heartbeat()).status_code == 200
    assert stored(app).flagged_silent_at is None
    store(app, OPERATOR_STATION, utcnow() - timedelta(hours=1))
    with app.app_context():
        assert silent_agents_job(db.session_factory(), THRESHOLD) == 1
