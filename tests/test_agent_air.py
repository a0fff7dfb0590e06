"""The station agent on air, under a controllable clock: a player that fails on one file,
a wall clock that jumps forward past a session and back before it, and a revoked token."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask

from radio.agent.agent import Agent
from radio.agent.slots import Slot, slots_of
from tests.agent_fixtures import (
    StationServer,
    at,
    device_token,
    make_agent,
    played_log,
    player_command,
    records,
    revoke_device_tokens,
    wait_until,
)
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import build, today

pytestmark = pytest.mark.usefixtures("fills")


@pytest.fixture
def day(app: Flask) -> date:
    return today() + timedelta(days=2)


@pytest.fixture
def evening(app: Flask, day: date) -> Iterator[time_machine.Traveller]:
    """The evening before `day`, its playlist just built; the clock ticks on from 21:00."""
    with time_machine.travel(at(day - timedelta(days=1), 21, 0), tick=True) as clock:
        build(app, day, [OPERATOR_STATION])
        yield clock


def synced_agent(app: Flask, server: StationServer, folder: Path, player: str, day: date) -> Agent:
    agent = make_agent(server.url, device_token(app, OPERATOR_STATION), folder, player)
    agent.start()
    wait_until(lambda: day in agent.store.playlists(day), what="the day's playlist")
    wait_until(lambda: agent.store.get("last_sync_at"), what="its audio")
    return agent


def first_session(agent: Agent, day: date) -> Slot:
    return slots_of(day, agent.store.playlists(day)[day])[0]


def air_morning(agent: Agent, clock: time_machine.Traveller, day: date) -> Slot:
    morning = first_session(agent, day)
    clock.move_to(at(day, 5, 59, 59))
    agent.scheduler.wakeup()
    wait_until(lambda: agent.store.session_done(morning.key), what="session 1")
    return morning


def test_a_file_the_player_cannot_play_is_reported_not_aired_and_the_session_goes_on(
    app, station_server, tmp_path, day, evening
):
    log = tmp_path / "played.jsonl"
    probe = synced_agent(app, station_server, tmp_path / "probe", player_command(log), day)
    broken, good = first_session(probe, day).items
    probe.stop()
    failing = player_command(log, fail=[broken["sha256"]])
    agent = synced_agent(app, station_server, tmp_path / "agent", failing, day)
    air_morning(agent, evening, day)
    wait_until(lambda: agent.store.pending_count() == 0, what="the reports to be sent")
    agent.stop()

    assert [(e["sha256"], e["outcome"]) for e in played_log(log)] == [
        (broken["sha256"], "failed"),
        (good["sha256"], "played"),
    ]
    stored = [r for r, _sha in records(app, day)]
    assert [(r.playlist_item_id, r.status, r.reason) for r in stored] == [
        (broken["id"], "not_aired", "equipment_fault"),
        (good["id"], "aired", None),
    ]
    assert "sound card" in stored[0].note


def test_the_clock_jumping_past_a_session_reports_it_missed_and_back_never_airs_it_twice(
    app, station_server, tmp_path, day, evening
):
    log = tmp_path / "played.jsonl"
    agent = synced_agent(app, station_server, tmp_path / "agent", player_command(log), day)
    morning = first_session(agent, day)

    evening.move_to(at(day, 6, 30))  # the PC's clock is set right after running slow
    agent.scheduler.wakeup()
    wait_until(lambda: agent.store.session_done(morning.key), what="the sweep")
    assert played_log(log) == []  # a session whose time is over is not aired late
    missed = agent.store.aired(day)
    assert {(a["status"], a["reason"]) for a in missed} == {("not_aired", "equipment_fault")}

    evening.move_to(at(day, 5, 59, 58))  # and stepped back before the session
    agent.scheduler.wakeup()
    with pytest.raises(AssertionError):
        wait_until(lambda: played_log(log), timeout=4)
    assert len(agent.store.aired(day)) == len(morning.items)

    evening.move_to(at(day, 16, 59, 59))  # the afternoon airs as usual
    agent.scheduler.wakeup()
    wait_until(lambda: len(played_log(log)) == 3, what="session 2")
    wait_until(lambda: agent.store.pending_count() == 0)
    agent.stop()
    statuses = [r.status for r, _sha in records(app, day)]
    assert statuses == ["not_aired"] * len(morning.items) + ["aired"] * 3


def test_a_revoked_token_stops_the_sync_but_the_station_keeps_airing_and_keeps_its_reports(
    app, station_server, tmp_path, day, evening
):
    log = tmp_path / "played.jsonl"
    agent = synced_agent(app, station_server, tmp_path / "agent", player_command(log), day)
    revoke_device_tokens(app, OPERATOR_STATION)
    wait_until(lambda: agent.refused, what="the token to be refused")
    morning = air_morning(agent, evening, day)
    assert [e["outcome"] for e in played_log(log)] == ["played"] * len(morning.items)
    assert agent.store.pending_count() == len(morning.items)  # kept for a new token
    assert agent.store.errors()[0]["kind"] == "token_refused"
    agent.stop()
    assert records(app, day) == []
