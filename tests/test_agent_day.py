"""A station agent's day, end to end: the real server on loopback, a controllable clock
(time-machine moves the wall clock of the agent and the server together) and the
recording fake player. Two sessions, an outage of eleven hours, an agent restarted while
the server is away, and an emergency in the middle of the afternoon session; at the end
the server's compliance view shows exactly what the fake player played."""

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask

from audio_library.segments import Level
from radio.agent.agent import Agent
from radio.agent.slots import slots_of
from radio.airings.records import Source
from tests.agent_fixtures import (
    StationServer,
    at,
    device_token,
    make_agent,
    played_log,
    player_command,
    records,
    wait_until,
)
from tests.conftest import OPERATOR_STATION, csrf_token, login
from tests.playlist_fixtures import NOTICES, approved_segment, build, today

pytestmark = pytest.mark.usefixtures("fills")
DISTRICT = "662"  # Huyện Cư Jút, the demo auditor's unit


def session_done(agent: Agent, day: date, number: int) -> bool:
    body = agent.store.playlists(day).get(day)
    if body is None:
        return False
    slots = [s for s in slots_of(day, body) if s.number == number]
    return bool(slots) and agent.store.session_done(slots[0].key)


def send_emergency(app: Flask, segment_id: int, expires: datetime) -> None:
    planner = app.test_client()
    assert login(planner, "planner").status_code == 302
    sent = planner.post(
        "/api/v1/emergencies",
        json={
            "segment_id": segment_id,
            "station_codes": [OPERATOR_STATION],
            "expires_at": expires.isoformat(),
            "repeat_minutes": 30,
        },
        headers={"X-CSRFToken": csrf_token(planner, "/profile")},
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)


def test_a_day_on_air_with_an_outage_a_restart_and_an_emergency(
    app: Flask, station_server: StationServer, tmp_path: Path
) -> None:
    day = today() + timedelta(days=2)
    bulletin = approved_segment(
        app, tmp_path, "Cảnh báo lũ quét", NOTICES, 6, level=Level.EMERGENCY
    )
    log = tmp_path / "played.jsonl"
    folder = tmp_path / "agent"
    token = device_token(app, OPERATOR_STATION)
    with time_machine.travel(at(day - timedelta(days=1), 20, 0), tick=True) as clock:
        build(app, day, [OPERATOR_STATION])  # the nightly build, the evening before
        agent = make_agent(station_server.url, token, folder, player_command(log, scale=0.3))
        agent.start()
        wait_until(lambda: day in agent.store.playlists(day), what="tomorrow's playlist")
        wait_until(lambda: agent.store.get("last_sync_at"), what="the audio")

        # The link goes down for the night and the morning; session 1 airs offline.
        station_server.stop()
        clock.move_to(at(day, 5, 59, 58))
        agent.scheduler.wakeup()
        wait_until(lambda: session_done(agent, day, 1), what="session 1")
        assert agent.store.pending_count() == 2  # reported locally, not yet sent

        # The PC is restarted at noon, still offline: it airs from what it holds.
        agent.stop()
        clock.move_to(at(day, 16, 59, 58))
        agent = make_agent(station_server.url, token, folder, player_command(log, scale=1.5))
        agent.start()
        assert agent.store.pending_count() == 2

        # The server comes back at 17:00, hours later, and loses its first answer.
        station_server.faults.fail_reports = 1
        station_server.start()
        wait_until(lambda: (agent.deck.playing or {}).get("session") == 2, what="session 2")
        send_emergency(app, bulletin, at(day, 18, 0))
        wait_until(lambda: session_done(agent, day, 2), timeout=60, what="session 2 to end")
        wait_until(lambda: agent.store.pending_count() == 0, what="the reports to reach it")
        agent.stop()

        played = played_log(log)
        outcomes = Counter(entry["outcome"] for entry in played)
        assert outcomes == {"played": 6, "interrupted": 1}  # 2 + 3 regular, 1 emergency

        stored = records(app, day)
        # exactly once: every item the player started has one record, whatever was retried
        assert len(stored) == len(played)
        assert len({r.client_key for r, _sha in stored}) == len(stored)
        assert {r.source for r, _sha in stored} == {Source.AGENT}
        assert [sha for r, sha in stored if r.status == "aired"] == [
            e["sha256"] for e in played if e["outcome"] == "played"
        ]
        interrupted = [e["sha256"] for e in played if e["outcome"] == "interrupted"]
        assert [(r.status, r.reason, sha) for r, sha in stored if r.status != "aired"] == [
            ("partly_aired", "emergency", interrupted[0])
        ]

        auditor = app.test_client()
        assert login(auditor, "auditor").status_code == 302
        report = auditor.get(
            f"/api/v1/reports/compliance?unit={DISTRICT}&from={day}&to={day}"
        ).get_json()
        (line,) = [s for s in report["stations"] if s["code"] == OPERATOR_STATION]
        figures = line["figures"]
        assert figures["aired_items"] == outcomes["played"]
        assert figures["due_items"] == outcomes["played"]  # the bulletin's repeats are not due
        assert figures["partly_items"] == figures["not_aired_items"] == 0
        first, *repeats = report["emergencies"]
        assert first["status"] == "aired" and first["delay_seconds"] < 60
        # the repeats every 30 minutes are still ahead, unreported
        assert repeats and all(e["status"] is None for e in repeats)
        assert min(datetime.fromisoformat(e["planned_start"]) for e in repeats) > at(day, 17, 5)
