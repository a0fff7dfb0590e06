"""The agent's player command, run for real: ffmpeg decoding at real-time speed."""

import threading
import time
from pathlib import Path

from radio.agent.player import CommandPlayer, default_command
from tests import audio_fixtures as fx

# The real ffmpeg, paced like a sound card (-re), writing to no device.
REAL_TIME = "ffmpeg -nostdin -hide_banner -loglevel error -re -t {seconds} -i {file} -f null -"


def test_the_default_player_is_ffmpeg_to_the_default_alsa_output():
    argv = CommandPlayer().argv("/srv/a.mp3", 12.4)
    assert Path(argv[0]).name.startswith("ffmpeg")
    assert argv[argv.index("-i") + 1] == "/srv/a.mp3"
    assert argv[argv.index("-t") + 1] == "12"
    assert argv[-3:] == ["-f", "alsa", "default"]
    assert "{file}" in default_command()  # the template, filled per item


def test_a_file_plays_to_its_end(tmp_path):
    audio = fx.tone(tmp_path / "tone.wav", 1.0)
    started = time.monotonic()
    played = CommandPlayer(REAL_TIME).play(str(audio), 1.0, threading.Event())
    assert played.ok and not played.interrupted
    assert time.monotonic() - started >= 0.9  # it took the file's own length


def test_an_emergency_stops_the_item_at_once(tmp_path):
    audio = fx.tone(tmp_path / "tone.wav", 10.0)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    played = CommandPlayer(REAL_TIME).play(str(audio), 10.0, stop)
    assert played.interrupted and not played.ok
    assert time.monotonic() - started < 5


def test_a_file_the_player_cannot_read_fails_with_its_words(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not audio at all")
    played = CommandPlayer(REAL_TIME).play(str(broken), 3, threading.Event())
    assert not played.ok and played.error.startswith("exit ")
    assert "Invalid data" in played.error or "broken.mp3" in played.error


def test_a_player_that_is_not_installed_is_an_error_not_a_crash(tmp_path):
    played = CommandPlayer("/nonexistent/player {file}").play("x.mp3", 1, threading.Event())
    assert not played.ok and "nonexistent" in played.error


def test_messages_are_vietnamese_even_from_an_uncompiled_catalog(tmp_path, monkeypatch):
    from radio.agent import words

    folder = tmp_path / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    source = words.CATALOGS / "vi" / "LC_MESSAGES" / "messages.po"
    (folder / "messages.po").write_bytes(source.read_bytes())  # as pip installs it: no .mo
    monkeypatch.setattr(words, "CATALOGS", tmp_path)
    try:
        words.use_language("vi")
        assert words._("The agent is running.") == "Thiết bị phát đang chạy."
        words.use_language("en")
        assert words._("The agent is running.") == "The agent is running."
    finally:
        monkeypatch.undo()
        words.use_language("vi")
