"""A station's playlist JSON under load, against a static file of the same size.

gunicorn serves the real app (bench/http_app.py: `radio.create_app()` plus one route
sending a file with flask.send_from_directory) on 127.0.0.1 with 2 sync workers, one per
core: the app's work is CPU-bound Python, so threads (gthread) would only share the GIL,
and with a new connection per request, keep-alive (gthread's other use) plays no part.
A separate load process with a few threads (bench/http_load.py) opens a new connection
per request, for all three cases alike:

- full: `GET /api/v1/stations/{code}/playlists/{date}` with the station's device token
  and `Accept-Encoding: gzip`, as a device asks (200, gzip, and a download recorded);
- 304: the same with `If-None-Match` set to the ETag it got;
- static: the same JSON body stored as a file (same size, sent uncompressed), no token.

Each case runs ROUNDS × SECONDS, each after a warm-up, the cases taking turns so that
other load on the machine falls on all of them alike. Besides requests per second and
latencies, the server's CPU per request (gunicorn's processes; not PostgreSQL's) and the
load generator's. The data: the demo, 24 approved tone segments for its sessions' fill
rules, today's playlist of the demo operator's station (about 30 items). SQLite always;
also PostgreSQL (a throwaway database on that server) when DATABASE_URL is set.

Targets: 304 rps / static rps >= 1, full rps / static rps >= 0.33.
"""

import json
import statistics
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from audio_library import library
from audio_library.db import utcnow
from audio_library.ffmpeg import ffmpeg_exe
from audio_library.library import Metadata, Origin
from audio_library.segments import Source, Topic
from bench.common import on_each_backend, report
from bench.http_load import THREADS, WORKERS, fetch, gunicorn, load
from radio import audio, create_app, db
from radio.demo import load_demo
from radio.tokens import issue_token
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.units import Station

NAME = "playlist_http"
STATION = "67-24646"  # the demo operator's station, Xã Ea Pô
TIMEZONE = "Asia/Ho_Chi_Minh"
SECRET = "bench-secret"
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


def summary(name: str, runs: list[dict[str, Any]]) -> dict[str, float]:
    """Requests per second, latency percentiles and CPU per request of one case's runs."""
    latencies = [t for r in runs for t in r["latencies"]]
    errors = [e for r in runs for e in r["errors"]]
    assert not errors, f"{name}: {len(errors)} failed requests, first {errors[0]}"
    cuts = statistics.quantiles(latencies, n=100)
    timed = len(latencies)
    return {
        f"{name}_rps": timed / sum(r["seconds"] for r in runs),
        f"{name}_p50_ms": cuts[49] * 1000,
        f"{name}_p99_ms": cuts[98] * 1000,
        f"{name}_server_cpu_ms": 1000 * sum(r["server_cpu"] for r in runs) / timed,
        f"{name}_client_cpu_ms": 1000 * sum(r["client_cpu"] for r in runs) / timed,
    }


def measure(backend: str, url: str, folder: Path) -> None:
    token = prepare(url, folder)
    static = folder / "static"
    static.mkdir()
    runs: dict[str, list[dict[str, Any]]] = {}
    env = {"DATABASE_URL": url, "RADIO_DATA_DIR": str(folder), "SECRET_KEY": SECRET}
    with gunicorn("bench.http_app:app", {**env, "BENCH_STATIC_DIR": str(static)}) as (port, pgrp):
        requests, sizes = cases(port, token, static)
        for _round in range(ROUNDS):
            for case in requests:
                runs.setdefault(case["name"], []).append(load(port, pgrp, case, SECONDS, WARMUP))
    figures: dict[str, float] = {**sizes, "workers": WORKERS, "client_threads": THREADS}
    for name, results in runs.items():
        figures |= summary(name, results)
    figures["full_to_static"] = figures["full_rps"] / figures["static_rps"]
    title = f"{NAME}_{backend}"
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


def main() -> None:
    on_each_backend(measure)


if __name__ == "__main__":
    main()
