"""Nothing acknowledged is lost: kill -9 the server while a device streams confirmations.

gunicorn (2 sync workers) serves the real app on loopback against the test's database.
One device thread streams 10,000 confirmations of two stations in batches of 50 and
retries a batch on a dropped connection or a 5xx until it gets a 2xx. Meanwhile the
whole gunicorn process group (master and workers) is killed with SIGKILL a few times, at
random points of the stream, and started again on the same port. Afterwards every entry
answered 2xx is stored exactly once, under the id it was answered with, and both
stations' chains verify.
"""

import os
import random
import signal
import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from bench.http_load import free_port, gunicorn
from radio.airings.chain import verify_station
from radio.airings.records import Confirmation
from radio.db import get_session
from radio.tokens import issue_token
from tests.airing_load import Batch, Device, add_past_items, batches
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import NOTICES, approved_segment, station, today

APP = "radio:create_app()"
STATIONS = (OPERATOR_STATION, SAME_DISTRICT_STATION)
DAYS, PER_DAY = 50, 100  # per station: 2 × 50 × 100 = 10,000 items
TOTAL = len(STATIONS) * DAYS * PER_DAY
BATCH = 50
KILLS = 3
STREAM_SECONDS = 300  # the device gives up after this; the test then fails


def prepare(app: Flask, folder: Path) -> list[Batch]:
    """The past playlists and a token per station; the batches, stations taking turns."""
    segment = approved_segment(app, folder, "Thông báo của UBND xã", NOTICES, 3)
    with app.app_context():
        session = get_session()
        stations = [station(code) for code in STATIONS]
        items = add_past_items(session, stations, DAYS, PER_DAY, segment, today())
        tokens = {s.code: issue_token(session, station=s, label="load")[1] for s in stations}
        session.commit()
    per_station = [batches(code, tokens[code], items[code], BATCH) for code in STATIONS]
    return [batch for turn in zip(*per_station, strict=True) for batch in turn]


def stored(app: Flask) -> dict[tuple[int, str], list[int]]:
    """Each (item, client key) in the database, with the ids of its records."""
    with app.app_context():
        rows = get_session().execute(
            select(Confirmation.playlist_item_id, Confirmation.client_key, Confirmation.id)
        )
        found: dict[tuple[int, str], list[int]] = {}
        for item_id, key, record_id in rows:
            found.setdefault((item_id, key), []).append(record_id)
        return found


def test_acknowledged_confirmations_survive_kill_9(app: Flask, tmp_path: Path) -> None:
    work = prepare(app, tmp_path)
    env = {
        "DATABASE_URL": app.config["DATABASE_URL"],
        "RADIO_DATA_DIR": app.config["DATA_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    port = free_port()
    device = Device(port, deadline=time.monotonic() + STREAM_SECONDS)
    client = threading.Thread(target=device.run, args=(work,), daemon=True)
    chance = random.Random()
    # Kill once the device has been answered this many entries, a moment later.
    kill_at = sorted(chance.sample(range(TOTAL // 10, TOTAL * 8 // 10, BATCH), KILLS))
    kills = 0
    for threshold in [*kill_at, None]:
        with gunicorn(APP, env, port) as (_port, group):
            if client.ident is None:  # not started: the first server is up now
                client.start()
            if threshold is None:
                client.join(STREAM_SECONDS)
                break
            while device.answered < threshold and client.is_alive():
                time.sleep(0.01)
            time.sleep(chance.uniform(0, 0.3))  # mid-request, as often as not
            if client.is_alive():
                os.killpg(group, signal.SIGKILL)
                kills += 1
    assert not client.is_alive(), "the device did not finish its stream in time"
    if device.error is not None:
        raise device.error

    assert kills == KILLS
    assert device.failures >= KILLS  # each kill cost the device at least one try
    assert device.rejected == []
    assert len(device.answers) == TOTAL
    records = stored(app)
    assert len(records) == TOTAL
    assert {key: ids for key, ids in records.items() if len(ids) > 1} == {}
    # Each entry is stored under the very record it was answered with.
    assert {key: [answer["id"]] for key, answer in device.answers.items()} == records
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Confirmation)) == TOTAL
        assert session.scalar(select(func.count(Confirmation.playlist_item_id.distinct()))) == TOTAL
        for code in STATIONS:
            assert verify_station(session, station(code)) == (TOTAL // len(STATIONS), None)

    # Replaying the first batch once more, server up, stores nothing new.
    replay = Device(port, deadline=time.monotonic() + 60)
    with gunicorn(APP, env, port):
        replay.send(work[0])
    assert {a["outcome"] for a in replay.answers.values()} == {"duplicate"}
    assert len(replay.answers) == BATCH
    assert stored(app) == records
