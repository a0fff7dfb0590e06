"""The server a station agent talks to in tests: the real app on a loopback port that can
go away and come back, with a proxy's faults (damaged or cut-short audio) on demand."""

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from audio_library.segments import Segment
from radio.agent.agent import Agent
from radio.agent.settings import Settings
from radio.airings.records import Confirmation
from radio.db import get_session
from radio.tokens import AccessToken, issue_token, revoke_token
from tests.conftest import OPERATOR_STATION
from tests.playlist_fixtures import ZONE, station

FAKE_PLAYER = Path(__file__).parent / "fake_player.py"


@dataclass
class Faults:
    """WSGI middleware: the app as a device sees it through a bad link or a bad cache."""

    app: Flask
    damage_audio: int = 0  # the next N audio answers have a byte flipped
    cut_audio: int = 0  # the next N audio answers stop half-way (with a matching length)
    fail_reports: int = 0  # the next N confirmation batches are stored, then answered 500
    hide_length: bool = False  # audio comes without Content-Length, as through some proxies
    requests: list[tuple[str, str, int]] = field(default_factory=list)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]

        def noted(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            self.requests.append((method, path, int(status.split()[0])))
            return start_response(status, headers, exc_info)

        if method == "POST" and path.endswith("/confirmations") and self.fail_reports:
            self.fail_reports -= 1
            drained(self.app(environ, lambda *args: None))  # stored, but the answer is lost
            noted("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
            return [b"lost"]
        if not path.endswith("/audio") or not (
            self.damage_audio or self.cut_audio or self.hide_length
        ):
            return self.app(environ, noted)
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured.update(status=status, headers=headers)

        body = drained(self.app(environ, keep))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if self.hide_length:
            noted(captured["status"], headers)
            return [body]
        if self.damage_audio:
            self.damage_audio -= 1
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        else:
            self.cut_audio -= 1
            body = body[: len(body) // 2]
        noted(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


def drained(answer: Iterable[bytes]) -> bytes:
    try:
        return b"".join(answer)
    finally:
        getattr(answer, "close", lambda: None)()  # send_file's open file


class StationServer:
    """The app on 127.0.0.1 at a fixed port, stopped and started again like a real outage."""

    def __init__(self, app: Flask) -> None:
        self.faults = Faults(app)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: Any = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.faults, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None


@pytest.fixture
def station_server(app: Flask) -> Iterator[StationServer]:
    server = StationServer(app)
    yield server
    server.stop()


def device_token(app: Flask, code: str) -> str:
    with app.app_context():
        _token, plain = issue_token(get_session(), station=station(code), label="agent test")
        get_session().commit()
        return plain


def revoke_device_tokens(app: Flask, code: str) -> None:
    with app.app_context():
        session = get_session()
        for token in session.scalars(
            select(AccessToken).where(AccessToken.station_id == station(code).id)
        ):
            revoke_token(token)
        session.commit()


def player_command(log: Path, scale: float = 0.0, fail: Iterable[str] = ()) -> str:
    """The agent's --player for the recording fake: plays SECONDS × scale, fails on `fail`."""
    return (
        f"{sys.executable} {FAKE_PLAYER} {log} {{file}} {{seconds}} "
        f"--scale {scale} --fail {','.join(fail) or '-'}"
    )


def make_agent(server: str, token: str, folder: Path, player: str, **options: Any) -> Agent:
    """An agent polling (and retrying) fast: a test cannot wait minutes for each poll."""
    settings = Settings(
        server=server,
        token=token,
        folder=folder,
        poll_seconds=options.pop("poll_seconds", 1),
        emergency_seconds=options.pop("emergency_seconds", 1),
        forward_seconds=options.pop("forward_seconds", 1),
        retry_seconds=options.pop("retry_seconds", 1),
        player=player,
        reserve_mb=options.pop("reserve_mb", 0),
        **options,
    )
    return Agent(settings)


def wait_until(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """A moment of the station's day, on its clock."""
    return datetime.combine(day, clock_time(hour, minute, second), ZoneInfo(ZONE))


def played_log(path: Path) -> list[dict[str, Any]]:
    """What the fake player was asked to play, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def records(app: Flask, day: date) -> list[tuple[Confirmation, str]]:
    """The operator station's as-run records of a day, each with its segment's sha256."""
    with app.app_context():
        session = get_session()
        rows = session.execute(
            select(Confirmation, Segment.audio_sha)
            .join(Segment, Segment.id == Confirmation.segment_id)
            .where(Confirmation.station_id == station(OPERATOR_STATION).id)
            .where(Confirmation.day == day)
            .order_by(Confirmation.seq)
        ).all()
        session.expunge_all()
        return [(record, sha) for record, sha in rows]
