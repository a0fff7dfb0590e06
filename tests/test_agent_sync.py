"""The station agent's sync against the real server on loopback: what it holds, how it
checks each file, and what it does when the link, the disk or the token fail."""

import hashlib
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from radio.agent.agent import AGENT_VERSION, Agent, AgentBusy
from radio.agent.status import describe, status
from radio.agent.sync import audio_items, audio_path
from radio.cli import cli
from tests import audio_fixtures as fx
from tests.agent_fixtures import (
    StationServer,
    device_token,
    make_agent,
    player_command,
    revoke_device_tokens,
    wait_until,
)
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import build, today

pytestmark = pytest.mark.usefixtures("fills")


@pytest.fixture
def days(app: Flask) -> list:
    first = today()
    build(app, first, [OPERATOR_STATION], days=2)
    return [first, first + timedelta(days=1)]


@pytest.fixture
def agent(app: Flask, station_server: StationServer, tmp_path: Path):
    made = make_agent(
        station_server.url,
        device_token(app, OPERATOR_STATION),
        tmp_path / "agent",
        player_command(tmp_path / "played.jsonl"),
    )
    yield made
    made.stop()


def held_audio(agent: Agent) -> dict[str, Path]:
    wanted = {
        item["sha256"]
        for body in agent.store.playlists(today()).values()
        for item in audio_items(body)
    }
    return {sha: audio_path(agent.settings.audio, sha) for sha in wanted}


def audio_gets(server: StationServer) -> list[tuple[str, str, int]]:
    return [r for r in server.faults.requests if r[1].endswith("/audio")]


def test_sync_holds_the_next_days_and_their_checked_audio(agent, days, station_server):
    agent.sync()
    held = agent.store.playlists(today())
    assert list(held) == days  # the third day is not built yet: asked, and not held
    assert agent.store.get("station") == OPERATOR_STATION
    files = held_audio(agent)
    assert files
    durations = {
        item["sha256"]: item["duration"] for body in held.values() for item in audio_items(body)
    }
    for sha, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        facts = fx.probe(path)
        assert facts["codec"] == "mp3"
        assert facts["duration"] == pytest.approx(durations[sha], abs=0.2)
    assert not list(agent.settings.audio.glob(".part-*"))
    assert agent.store.get("last_sync_at")

    station_server.faults.requests.clear()
    agent.sync()  # nothing changed: each day answers 304 and no audio moves
    playlist_answers = [r[2] for r in station_server.faults.requests if "/playlists/" in r[1]]
    assert playlist_answers[:2] == [304, 304]
    assert not audio_gets(station_server)


def test_only_what_is_still_needed_stays_on_disk(agent, days):
    agent.sync()
    folder = agent.settings.audio
    stray = folder / f"{'0' * 64}.mp3"
    stray.write_bytes(b"old bulletin")
    (folder / ".part-left-by-a-power-cut").write_bytes(b"half")
    old_day = today() - timedelta(days=3)
    old_body = {
        "version": 1,
        "sessions": [
            {
                "number": 1,
                "kind": "regular",
                "items": [{"id": 1, "sha256": "f" * 64, "audio_url": "x", "duration": 1}],
            }
        ],
    }
    agent.store.save_playlist(old_day, old_body, '"old"', agent.store.held_since(days[0]))
    (folder / f"{'f' * 64}.mp3").write_bytes(b"last week's")

    agent.sync()
    left = {path.name for path in folder.iterdir()}
    assert left == {path.name for path in held_audio(agent).values()}
    assert old_day not in agent.store.playlists(old_day)


@pytest.mark.parametrize("fault", ["damage_audio", "cut_audio"])
def test_a_damaged_or_cut_download_is_refused_by_its_hash_and_fetched_again(
    agent, days, station_server, fault
):
    setattr(station_server.faults, fault, 1)
    agent.sync()
    for sha, path in held_audio(agent).items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    urls = [r[1] for r in audio_gets(station_server)]
    assert len(urls) == len(set(urls)) + 1  # one file asked for twice
    assert not list(agent.settings.audio.glob(".part-*"))


def test_audio_that_keeps_arriving_damaged_is_not_kept_and_comes_at_the_next_sync(
    agent, days, station_server
):
    station_server.faults.damage_audio = 1000
    agent.sync()
    assert not any(path.exists() for path in held_audio(agent).values())
    assert not list(agent.settings.audio.glob("*"))
    assert agent.store.errors()[0]["kind"] == "bad_download"
    assert "sha256" in agent.store.errors()[0]["message"]
    assert agent.store.playlists(today())  # the playlists are held all the same

    station_server.faults.damage_audio = 0
    agent.sync()
    assert all(path.exists() for path in held_audio(agent).values())


def test_a_full_disk_stops_the_downloads_cleanly_and_says_so(agent, days, tmp_path):
    reserve = (fx_free(tmp_path) // 2**20) + 1024  # more than this disk has
    full = make_agent(
        agent.settings.server,
        agent.settings.token,
        tmp_path / "full",
        agent.settings.player or "",
        reserve_mb=reserve,
    )
    try:
        full.sync()
        assert full.store.playlists(today())
        assert not list(full.settings.audio.glob("*"))
        assert full.store.errors()[0]["kind"] == "disk_full"
        report = status(full.settings.folder)
        assert report["audio_missing"] == report["audio_files"] > 0
    finally:
        full.stop()


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real, nearly full file system: a 256 KB tmpfs (needs root, as CI has)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_disk_that_fills_up_mid_file_leaves_no_partial_file_and_says_so(
    agent, days, station_server, small_disk
):
    station_server.faults.hide_length = True  # the size is not known before writing
    full = make_agent(
        agent.settings.server, agent.settings.token, small_disk / "agent", agent.settings.player
    )
    try:
        full.sync()
        assert full.store.playlists(today())  # the playlists are held all the same
        errors = full.store.errors()
        assert errors[0]["kind"] == "disk_full"
        assert "No space left" in errors[0]["message"] or "28" in errors[0]["message"]
        assert not list(full.settings.audio.glob(".part-*"))
        for sha, path in held_audio(full).items():  # what was written is whole
            if path.exists():
                assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        assert status(full.settings.folder)["audio_missing"] > 0
    finally:
        full.stop()


def fx_free(path: Path) -> int:
    from radio.agent.client import free_bytes

    return free_bytes(path)


def test_server_down_at_start_says_clearly_it_has_nothing(app, tmp_path, days):
    down = StationServer(app)
    down.stop()
    token = device_token(app, OPERATOR_STATION)
    player = player_command(tmp_path / "p")
    agent = make_agent(down.url, token, tmp_path / "a", player, retry_seconds=30)
    try:
        agent.start()
        wait_until(lambda: agent.store.errors(), what="the first sync to fail")
        assert agent.store.errors()[0]["kind"] == "server_unreachable"
        report = status(agent.settings.folder)
        assert report["playlists"] == [] and report["next_session"] is None
        words = "\n".join(describe(report))
        assert "Chưa có danh sách phát" in words or "No playlist held" in words
        assert not agent.scheduler.get_jobs() or all(
            not job.id.startswith("air:") for job in agent.scheduler.get_jobs()
        )
        tries = len(agent.store.errors())
        agent.sync()  # backing off: no new attempt right away
        assert len(agent.store.errors()) == tries
    finally:
        agent.stop()


def test_a_revoked_token_stops_syncing_and_keeps_what_it_holds(app, agent, days, station_server):
    agent.sync()
    held = agent.store.playlists(today())
    revoke_device_tokens(app, OPERATOR_STATION)
    agent.sync()
    assert agent.refused
    assert agent.store.errors()[0]["kind"] == "token_refused"
    assert agent.store.playlists(today()) == held
    assert all(path.exists() for path in held_audio(agent).values())
    station_server.faults.requests.clear()
    agent.sync()
    agent.forward()
    assert station_server.faults.requests == []  # no more tries with a token that is dead


def test_status_command_reads_the_store(agent, days):
    agent.sync()
    runner = CliRunner()
    folder = str(agent.settings.folder)
    result = runner.invoke(cli, ["agent", "status", "--dir", folder, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["station"] == OPERATOR_STATION
    assert [p["date"] for p in report["playlists"]] == [str(d) for d in days]
    assert report["audio_missing"] == 0 and report["pending_confirmations"] == 0
    text = runner.invoke(cli, ["agent", "status", "--dir", folder]).output
    assert OPERATOR_STATION in text and "Danh sách phát đang giữ" in text
    missing = runner.invoke(cli, ["agent", "status", "--dir", str(agent.settings.audio)])
    assert missing.exit_code == 1 and "Chưa có thiết bị phát nào chạy" in missing.output


def test_agent_refuses_to_start_twice_on_one_folder(agent):
    with pytest.raises(AgentBusy):
        Agent(agent.settings)
    result = CliRunner().invoke(
        cli,
        [
            "agent",
            "--server",
            agent.settings.server,
            "--token",
            "x",
            "--dir",
            str(agent.settings.folder),
        ],
    )
    assert result.exit_code == 1 and str(agent.settings.folder) in result.output


def test_its_heartbeat_shows_the_station_live_on_the_auditor_pages(agent, days, as_user):
    agent.sync()
    agent.beat()
    auditor = as_user("auditor")
    beat = auditor.get(f"/api/v1/stations/{OPERATOR_STATION}/heartbeat")
    assert beat.status_code == 200, beat.get_data(as_text=True)
    shown = beat.get_json()
    assert (shown["state"], shown["agent_version"]) == ("live", AGENT_VERSION)
    assert shown["warnings"] == []
    assert [(p["date"], p["version"], p["current_version"]) for p in shown["playlists"]] == [
        (str(day), 1, 1) for day in days
    ]
    assert shown["last_sync_at"] and shown["pending_confirmations"] == 0
    page = auditor.get(f"/audit/stations/{OPERATOR_STATION}").get_data(as_text=True)
    assert AGENT_VERSION in page and "hoạt động" in page


def test_an_entry_the_server_refuses_is_set_aside_not_retried_forever(agent, days):
    agent.sync()
    key = "not-an-item-of-this-station"
    entry = {
        "item_id": 2**31 - 2,
        "client_key": key,
        "status": "aired",
        "started_at": None,
        "ended_at": None,
        "reason": None,
        "note": "",
        "client_time": "2026-11-28T06:00:00+07:00",
    }
    agent.store.record_airing(entry, days[0], "lost|session", "Bản tin")
    agent.forward()
    assert agent.store.pending_count() == 0
    assert agent.store.refused_count() == 1
    assert status(agent.settings.folder)["refused_confirmations"] == 1
