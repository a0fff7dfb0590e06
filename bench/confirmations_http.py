"""Confirmations through the HTTP API against a raw bulk insert of the same rows.

gunicorn serves the real app (`radio.create_app()`) on 127.0.0.1 with 2 sync workers (see
bench/playlist_http.py for why). THREADS device threads, one per station, post batches of
BATCH entries with their station's token (tests/airing_load.py: a new connection per
request, a batch retried until it gets a 2xx) until all ITEMS past playlist items are
confirmed; every entry must come back "created". The data: the demo, one approved
segment, and bulk-inserted playlists of 4 stations for 50 past days, 100 items a day.

The baseline, in the same run: the very rows the API stored (read back, hashes and all)
inserted again by one executemany INSERT in one transaction into the emptied table,
best of BULK_RUNS. Both as items per second, and their ratio. SQLite always; also
PostgreSQL (a throwaway database on that server) when DATABASE_URL is set.
"""

import threading
import time
from pathlib import Path

from sqlalchemy import select

from audio_library.db import make_engine
from bench.common import best_of, on_each_backend, report
from bench.http_load import WORKERS, gunicorn, server_cpu
from radio import create_app, db
from radio.airings.records import Confirmation
from radio.demo import load_demo
from radio.tokens import issue_token
from scheduler.build_job import today_in
from scheduler.units import Station
from tests.airing_load import Batch, Device, add_past_items, batches
from tests.playlist_fixtures import NOTICES, approved_segment

NAME = "confirmations_http"
TIMEZONE = "Asia/Ho_Chi_Minh"
SECRET = "bench-secret"
THREADS = 4  # one device per station
DAYS, PER_DAY = 50, 100
ITEMS = THREADS * DAYS * PER_DAY
BATCH = 50
BULK_RUNS = 3
DEADLINE = 1800  # seconds; a stuck run fails rather than hangs


def prepare(url: str, folder: Path) -> list[list[Batch]]:
    """Migrate and fill the database; each device's batches."""
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder), "SECRET_KEY": SECRET})
    with app.app_context():
        db.upgrade()
        load_demo(db.get_session(), password="bench-demo", timezone=TIMEZONE)
        db.get_session().commit()
    segment = approved_segment(app, folder, "Thông báo của UBND xã", NOTICES, 3)
    with app.app_context():
        session = db.get_session()
        stations = list(session.scalars(select(Station).order_by(Station.code).limit(THREADS)))
        items = add_past_items(session, stations, DAYS, PER_DAY, segment, today_in(TIMEZONE))
        work = []
        for station in stations:
            _token, plain = issue_token(session, station=station, label="bench")
            work.append(batches(station.code, plain, items[station.code], BATCH))
        session.commit()
        db.engine().dispose()
    return work


def post_all(port: int, group: int, work: list[list[Batch]]) -> dict[str, float]:
    """Every device's batches through the API at once; wall and server CPU seconds."""
    device = Device(port, deadline=time.monotonic() + DEADLINE)
    threads = [threading.Thread(target=device.run, args=(mine,)) for mine in work]
    cpu, start = server_cpu(group), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - start, server_cpu(group) - cpu
    if device.error is not None:
        raise device.error
    outcomes = {answer["outcome"] for answer in device.answers.values()}
    assert not device.rejected and len(device.answers) == ITEMS and outcomes == {"created"}, (
        device.rejected[:3],
        len(device.answers),
        outcomes,
    )
    return {"http_seconds": seconds, "server_cpu_s": cpu, "retries": device.failures}


def bulk_insert(url: str) -> float:
    """Best time to put the stored rows back by one executemany INSERT, one transaction."""
    engine = make_engine(url)
    quote = engine.dialect.identifier_preparer.quote
    columns = ", ".join(quote(column.name) for column in Confirmation.__table__.columns)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    marks = ", ".join(mark for _column in Confirmation.__table__.columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # The driver's own values, so the rows go back exactly as the API stored them.
        cursor.execute(f"SELECT {columns} FROM confirmation ORDER BY id")
        rows = cursor.fetchall()
        raw.commit()

        def empty() -> None:
            # Emptied without the per-row check of the records pointing at each deleted one
            # (`corrects_id`, unindexed, so quadratic): none does, and the app never deletes.
            if sqlite:
                cursor.execute("PRAGMA foreign_keys=OFF")
                cursor.execute("DELETE FROM confirmation")
                raw.commit()
                cursor.execute("PRAGMA foreign_keys=ON")
            else:
                cursor.execute("TRUNCATE confirmation")
                raw.commit()

        def insert(_state: None) -> None:
            cursor.executemany(f"INSERT INTO confirmation ({columns}) VALUES ({marks})", rows)
            raw.commit()

        seconds = best_of(BULK_RUNS, empty, insert)
        cursor.execute("SELECT count(*), max(seq) FROM confirmation")
        assert tuple(cursor.fetchone()) == (ITEMS, DAYS * PER_DAY)
    finally:
        raw.close()
        engine.dispose()
    return seconds


def measure(backend: str, url: str, folder: Path) -> None:
    work = prepare(url, folder)
    env = {"DATABASE_URL": url, "RADIO_DATA_DIR": str(folder), "SECRET_KEY": SECRET}
    with gunicorn("radio:create_app()", env) as (port, group):
        http = post_all(port, group, work)
    bulk_seconds = bulk_insert(url)
    figures = {
        "items": ITEMS,
        "batch": BATCH,
        "client_threads": THREADS,
        "workers": WORKERS,
        **http,
        "bulk_seconds": bulk_seconds,
        "http_items_per_s": ITEMS / http["http_seconds"],
        "bulk_items_per_s": ITEMS / bulk_seconds,
        "server_cpu_ms_per_batch": 1000 * http["server_cpu_s"] / (ITEMS / BATCH),
    }
    report(f"{NAME}_{backend}", figures, ("http_items_per_s", "bulk_items_per_s"))


def main() -> None:
    on_each_backend(measure)


if __name__ == "__main__":
    main()
