"""`radio export-playlist`: the same downloads as files, for a commune with no connection."""

import subprocess
from datetime import timedelta

from sqlalchemy import select

from radio.db import get_session
from radio.downloads import Download, Format
from scheduler.playlists import current_playlist
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import build, station, today, words


def export(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["export-playlist", OPERATOR_STATION, *args])


def test_exports_a_bundle_of_two_days_and_a_session(runner, app, fills, tmp_path):
    build(app, today(), [OPERATOR_STATION], days=2)
    bundle = tmp_path / "bundle.zip"
    result = export(runner, "--date", today().isoformat(), "--days", "2", "-o", str(bundle))
    assert result.exit_code == 0, result.output
    subprocess.run(["unzip", "-tq", str(bundle)], check=True, capture_output=True)
    names = subprocess.run(["unzip", "-Z1", str(bundle)], capture_output=True, text=True).stdout
    for day in (today(), today() + timedelta(days=1)):
        assert f"{day.isoformat()}/danh-sach-phat.m3u8" in names
    mix = tmp_path / "buoi-1.mp3"
    args = ["--date", today().isoformat(), "--format", "mp3", "--session", "1", "-o", str(mix)]
    assert export(runner, *args).exit_code == 0
    with app.app_context():
        playlist = current_playlist(get_session(), station(OPERATOR_STATION).id, today())
        planned = playlist.sessions[0].planned_seconds
        rows = get_session().scalars(select(Download)).all()
        assert sorted((r.format, r.day, r.session_number, r.remote_addr) for r in rows) == [
            (Format.MP3, today(), 1, "cli"),
            (Format.ZIP, today(), None, "cli"),
            (Format.ZIP, today() + timedelta(days=1), None, "cli"),
        ]
    assert abs(fx.decoded_duration(mix) - planned) < 0.5


def test_m3u8_links_start_with_the_given_server(runner, app, fills, tmp_path):
    build(app, today(), [OPERATOR_STATION])
    out = tmp_path / "list.m3u8"
    args = ["--date", today().isoformat(), "--format", "m3u8", "--base-url", "http://10.1.2.3:8080"]
    assert export(runner, *args, "-o", str(out)).exit_code == 0
    links = [line for line in out.read_text().splitlines() if line.startswith("http")]
    assert links and all(line.startswith("http://10.1.2.3:8080/api/v1/links/") for line in links)


def test_refusals_say_why_and_write_nothing(runner, app, fills, tmp_path):
    build(app, today(), [OPERATOR_STATION])
    usb = tmp_path / "usb"
    usb.mkdir()
    out = usb / "out.zip"
    later = (today() + timedelta(days=5)).isoformat()
    missing = export(runner, "--date", later, "-o", str(out))
    assert missing.exit_code != 0
    assert (
        words(
            app,
            "No playlist has been built for station %(station)s on %(date)s.",
            station=OPERATOR_STATION,
            date=later,
        )
        in missing.output
    )
    args = ["--date", today().isoformat(), "--format", "mp3", "--session", "9", "-o", str(out)]
    no_session = export(runner, *args)
    assert no_session.exit_code != 0 and "9" in no_session.output
    unknown = runner.invoke(args=["export-playlist", "NO-SUCH", "--date", later, "-o", str(out)])
    assert words(app, "No station with code %(code)s.", code="NO-SUCH") in unknown.output
    assert list(usb.iterdir()) == []
    with app.app_context():
        assert get_session().scalars(select(Download)).all() == []
