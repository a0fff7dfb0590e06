"""A station's playlist JSON under load, against a static file of the same size.

gunicorn serves the real app (bench/http_app.py: `radio.create_app()` plus one route
sending a file with flask.send_from_directory) on 127.0.0.1 with 2 sync workers, one per
core: the app's work is CPU-bound Python, so threads (gthread) would only share the GIL,
and with a new connection per request keep-alive, gthread's other use, plays no part.
A separate load process with a few threads opens a new connection per request, for all
three cases alike:

- full: `GET /api/v1/stations/{code}/playlists/{date}` with the station's device token
  and `Accept-Encoding: gzip`, as a device asks (200, gzip, and a download recorded);
- 304: the same with `If-None-Match` set to the ETag it got;
- static: the same JSON body stored as a file (same size, uncompressed), no token.

Each case runs ROUNDS × SECONDS after a warm-up, the cases taking turns so that other
load on the machine falls on all of them. The data: the demo, a dozen approved tone
segments for its sessions' fill rules, today's playlist of the demo operator's station.
SQLite always; also PostgreSQL (a throwaway database) when DATABASE_URL is set.

Targets: 304 rps / static rps >= 1, full rps / static rps >= 0.33.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, select, text

from audio_library import library
from audio_library.db import database_url, utcnow
from audio_library.ffmpeg import ffmpeg_exe
from audio_library.library import Metadata, Origin
from audio_library.segments import Source, Topic
from bench.common import report
from radio import audio, create_app, db
from radio.demo import load_demo
from radio.tokens import issue_token
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.units import Station

NAME = "playlist_http"
ROOT = Path(__file__).resolve().parent.parent
STATION = "67-24646"  # the demo operator's station, Xã Ea Pô
TIMEZONE = "Asia/Ho_Chi_Minh"
SECRET = "bench-secret"
WORKERS, WORKER_CLASS = 2, "sync"
THREADS = 6
WARMUP, SECONDS, ROUNDS = 2.0, 5.0, 2
TARGET_NOT_MODIFIED, TARGET_FULL = 1.0, 0.33
# Topics of the demo sessions' fill rules (radio/demo_schedule.py); PER_TOPIC segments each
# make a playlist of about 30 items.
PER_TOPIC = 4
FILL_TOPICS = [
    "an-ninh-to-quoc",
    "phong-chong-toi-pham",
    "thong-bao",
    "phong-chong-ma-tuy",
    "te-nan-xa-hoi",
    "phong-chay-chua-chay",
]


def add_segments(folder: Path) -> None:
    """PER_TOPIC approved tone segments of 3–8 s per fill topic, through the upload pipeline."""
    session = db.get_session()
    topics = {t.code: t.id for t in session.scalars(select(Topic))}
    for n, code in enumerate(FILL_TOPICS * PER_TOPIC):
        seconds, frequency = 3 + (n + n // 6) % 6, 220 + 35 * n
        tone = folder / f"tone-{n}.wav"
        # A tone swelling at its own rate: the library's fingerprint compares loudness envelopes.
        swell = f"(0.55+0.45*sin(2*PI*{0.3 + 0.11 * n:.2f}*t))"
        source = f"aevalsrc=0.5*sin(2*PI*{frequency}*t)*{swell}:s=44100:d={seconds}"
        subprocess.run(
            [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, str(tone)],
            check=True,
        )
        segment = library.ingest(
            session,
            audio.store(),
            tone,
            Metadata(title=f"Bản tin số {n + 1}", topic_id=topics[code]),
            Origin(source=Source.UPLOAD, author_id=None, unit_id=None),
            house=audio.house_format(),
        )
        library.approve(session, segment, None)
        tone.unlink()
    session.commit()


def prepare(url: str, folder: Path) -> str:
    """Migrate and fill the database, build today's playlist; the station's device token."""
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder), "SECRET_KEY": SECRET})
    with app.app_context():
        db.upgrade()
        session = db.get_session()
        load_demo(session, password="bench-demo", timezone=TIMEZONE)
        session.commit()
        add_segments(folder)
        station = session.scalar(select(Station).where(Station.code == STATION))
        assert station is not None
        build_playlists(session, today_in(TIMEZONE), 1, now=utcnow(), station_ids=[station.id])
        _token, plain = issue_token(session, station=station, label="bench")
        session.commit()
        db.engine().dispose()
    return plain


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def gunicorn(url: str, folder: Path, static: Path, worker_class: str) -> Iterator[int]:
    """gunicorn serving bench.http_app in its own process group, stopped whatever happens."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RADIO_DATA_DIR": str(folder),
        "SECRET_KEY": SECRET,
        "BENCH_STATIC_DIR": str(static),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS)]
    command += ["--worker-class", worker_class, "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "bench.http_app:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_ready(port, server)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        with contextlib.suppress(OSError):
            if fetch(port, "/healthz", {})[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection, closed after it, as every request here is made."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def cases(port: int, token: str, static: Path) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The three requests, checked once each; and the sizes of what they send."""
    path = f"/api/v1/stations/{STATION}/playlists/{today_in(TIMEZONE).isoformat()}"
    device = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    status, _headers, body = fetch(port, path, {"Authorization": f"Bearer {token}"})
    assert status == 200, body
    (static / "playlist.json").write_bytes(body)
    status, headers, zipped = fetch(port, path, device)
    assert status == 200 and headers.get("Content-Encoding") == "gzip", headers
    etag = headers["ETag"]
    assert fetch(port, path, {**device, "If-None-Match": etag})[0] == 304
    plain = {"Accept-Encoding": "gzip"}
    status, headers, copy = fetch(port, "/bench-static/playlist.json", plain)
    assert status == 200 and copy == body and "Content-Encoding" not in headers, headers
    items = sum(len(s["items"]) for s in json.loads(body)["sessions"])
    found = [
        {"name": "static", "path": "/bench-static/playlist.json", "headers": plain, "status": 200},
        {"name": "full", "path": path, "headers": device, "status": 200},
        {
            "name": "not_modified",
            "path": path,
            "headers": {**device, "If-None-Match": etag},
            "status": 304,
        },
    ]
    return found, {"body_bytes": len(body), "gzip_bytes": len(zipped), "items": items}


def load(port: int, case: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Run the case in a separate process for `seconds` after a warm-up; its timings."""
    spec = {"port": port, "case": case, "seconds": seconds, "warmup": WARMUP}
    command = [sys.executable, "-m", "bench.playlist_http", "--load"]
    done = subprocess.run(
        command, cwd=ROOT, input=json.dumps(spec), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def hammer(port: int, case: dict[str, Any], seconds: float) -> dict[str, Any]:
    """THREADS threads requesting the case until `seconds` have passed; latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    until = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                status = fetch(port, case["path"], case["headers"])[0]
            except OSError as exc:
                errors.append(repr(exc))
                continue
            if status != case["status"]:
                errors.append(f"status {status}")
            else:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - start, "latencies": latencies, "errors": errors}


def load_process() -> None:
    """The load generator's side: a spec on stdin, a warm-up, the timed run as JSON out."""
    spec = json.load(sys.stdin)
    hammer(spec["port"], spec["case"], spec["warmup"])
    json.dump(hammer(spec["port"], spec["case"], spec["seconds"]), sys.stdout)


def measure(backend: str, url: str, folder: Path, worker_class: str = WORKER_CLASS) -> None:
    token = prepare(url, folder)
    static = folder / "static"
    static.mkdir()
    runs: dict[str, list[dict[str, Any]]] = {}
    with gunicorn(url, folder, static, worker_class) as port:
        requests, sizes = cases(port, token, static)
        for _round in range(ROUNDS):
            for case in requests:
                runs.setdefault(case["name"], []).append(load(port, case, SECONDS))
    figures: dict[str, float] = {**sizes, "workers": WORKERS, "client_threads": THREADS}
    for name, results in runs.items():
        latencies = [t for r in results for t in r["latencies"]]
        errors = [e for r in results for e in r["errors"]]
        assert not errors, f"{name}: {len(errors)} failed requests, first {errors[0]}"
        cuts = statistics.quantiles(latencies, n=100)
        figures[f"{name}_rps"] = len(latencies) / sum(r["seconds"] for r in results)
        figures[f"{name}_p50_ms"], figures[f"{name}_p99_ms"] = cuts[49] * 1000, cuts[98] * 1000
    figures["full_to_static"] = figures["full_rps"] / figures["static_rps"]
    title = f"{NAME}_{backend}" + ("" if worker_class == WORKER_CLASS else f"_{worker_class}")
    report(title, figures, ("not_modified_rps", "static_rps"))
    print(f"{title}: ratio full_rps / static_rps = {figures['full_to_static']:.2f}")
    met = (
        figures["not_modified_rps"] / figures["static_rps"] >= TARGET_NOT_MODIFIED
        and figures["full_to_static"] >= TARGET_FULL
    )
    print(
        f"{title}: targets 304/static ≥ {TARGET_NOT_MODIFIED:g} and full/static ≥ "
        f"{TARGET_FULL:g}: " + ("met" if met else "MISSED")
    )


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A throwaway database on the server of admin_url, dropped after."""
    admin = create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"loaxa_http_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(database_url(admin_url)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stop_on_sigterm() -> None:
    # SystemExit unwinds through the finally blocks, which stop gunicorn and drop databases.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))


def main(worker_class: str = WORKER_CLASS) -> None:
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder:
        measure("sqlite", f"sqlite:///{Path(folder) / 'radio.db'}", Path(folder), worker_class)
    pg_url = os.environ.get("DATABASE_URL", "")
    if pg_url.startswith("postgresql"):
        with (
            postgres_database(pg_url) as url,
            tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder,
        ):
            measure("postgresql", url, Path(folder), worker_class)


if __name__ == "__main__":
    if "--load" in sys.argv:
        load_process()
    else:
        chosen = sys.argv.index("--worker-class") + 1 if "--worker-class" in sys.argv else 0
        main(sys.argv[chosen] if chosen else WORKER_CLASS)
