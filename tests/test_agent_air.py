"""The station agent on air, under a controllable clock: a player that fails on one file,
and a wall clock that jumps forward past a session and back before it."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask

from radio.agent.agent import Agent
from radio.agent.slots import Slot, slots_of
from tests.agent_fixtures import (
    StationServer,
    device_token,
    make_agent,
    player_command,
    revoke_device_tokens,
    wait_until,
)
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import ZONE, build, today
from tests.test_agent_day import records

pytestmark = pytest.mark.usefixtures("fills")


def at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), ZoneInfo(ZONE))


def first_session(agent: Agent, day: date) -> Slot:
    return slots_of(day, agent.store.playlists(day)[day])[0]


def played(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def day(app: Flask) -> date:
    return today() + timedelta(days=2)


def synced_agent(app: Flask, server: StationServer, folder: Path, player: str) -> Agent:
    agent = make_agent(server.url, device_token(app, OPERATOR_STATION), folder, player)
    agent.start()
    wait_until(lambda: agent.store.get("last_sync_at"), what="a sync")
    return agent


def test_a_file_the_player_cannot_play_is_reported_not_aired_and_the_session_goes_on(
    app, station_server, tmp_path, day
):
    log = tmp_path / "played.jsonl"
    with time_machine.travel(at(day - timedelta(days=1), 21, 0), tick=True) as clock:
        build(app, day, [OPERATOR_STATION])
        probe = synced_agent(app, station_server, tmp_path / "probe", player_command(log))
        wait_until(lambda: day in probe.store.playlists(day))
        broken, good = first_session(probe, day).items
        probe.stop()
        agent = synced_agent(
            app, station_server, tmp_path / "agent", player_command(log, fail=[broken["sha256"]])
        )
        wait_until(lambda: day in agent.store.playlists(day))
        clock.move_to(at(day, 5, 59, 59))
        agent.scheduler.wakeup()
        wait_until(lambda: agent.store.session_done(first_session(agent, day).key))
        wait_until(lambda: agent.store.pending_count() == 0, what="the reports to be sent")
        agent.stop()

    assert [(e["sha256"], e["outcome"]) for e in played(log)] == [
        (broken["sha256"], "failed"),
        (good["sha256"], "played"),
    ]
    stored = [(r.playlist_item_id, r.status, r.reason) for r, _sha in records(app, day)]
    assert stored == [
        (broken["id"], "not_aired", "equipment_fault"),
        (good["id"], "aired", None),
    ]
    (failed,) = [r for r, _sha in records(app, day) if r.status == "not_aired"]
    assert "sound card" in failed.note


def test_the_clock_jumping_past_a_session_reports_it_missed_and_back_never_airs_it_twice(
    app, station_server, tmp_path, day
):
    log = tmp_path / "played.jsonl"
    with time_machine.travel(at(day - timedelta(days=1), 21, 0), tick=True) as clock:
        build(app, day, [OPERATOR_STATION])
        agent = synced_agent(app, station_server, tmp_path / "agent", player_command(log))
        wait_until(lambda: day in agent.store.playlists(day))
        morning = first_session(agent, day)

        clock.move_to(at(day, 6, 30))  # the PC's clock is set right after running slow
        agent.scheduler.wakeup()
        wait_until(lambda: agent.store.session_done(morning.key), what="the sweep")
        assert played(log) == []  # a session whose time is over is not aired late
        missed = agent.store.aired(day)
        assert {(a["status"], a["reason"]) for a in missed} == {("not_aired", "equipment_fault")}

        clock.move_to(at(day, 5, 59, 58))  # and stepped back before the session
        agent.scheduler.wakeup()
        assert not wait_for(lambda: played(log), seconds=4)
        assert len(agent.store.aired(day)) == len(morning.items)

        clock.move_to(at(day, 16, 59, 59))  # the afternoon airs as usual
        agent.scheduler.wakeup()
        wait_until(lambda: len(played(log)) == 3, what="session 2")
        wait_until(lambda: agent.store.pending_count() == 0)
        agent.stop()
    statuses = [r.status for r, _sha in records(app, day)]
    assert statuses == ["not_aired"] * len(morning.items) + ["aired"] * 3


def wait_for(check, seconds: float) -> bool:
    try:
        wait_until(check, timeout=seconds)
    except AssertionError:
        return False
    return True


def test_a_revoked_token_stops_the_sync_but_the_station_keeps_airing_and_keeps_its_reports(
    app, station_server, tmp_path, day
):
    log = tmp_path / "played.jsonl"
    with time_machine.travel(at(day - timedelta(days=1), 21, 0), tick=True) as clock:
        build(app, day, [OPERATOR_STATION])
        agent = synced_agent(app, station_server, tmp_path / "agent", player_command(log))
        wait_until(lambda: day in agent.store.playlists(day))
        revoke_device_tokens(app, OPERATOR_STATION)
        wait_until(lambda: agent.refused, what="the token to be refused")
        clock.move_to(at(day, 5, 59, 59))
        agent.scheduler.wakeup()
        morning = first_session(agent, day)
        wait_until(lambda: agent.store.session_done(morning.key), what="session 1")
        assert [e["outcome"] for e in played(log)] == ["played"] * len(morning.items)
        assert agent.store.pending_count() == len(morning.items)  # kept for a new token
        assert agent.store.errors()[0]["kind"] == "token_refused"
        agent.stop()
    assert records(app, day) == []
