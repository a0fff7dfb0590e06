"""The time-based jobs: stable ids, the heartbeat, and `radio serve` running them."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from json import loads
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from audio_library.db import utcnow
from radio import db
from scheduler.jobs import HEARTBEAT_JOB_ID, SchedulerBeat, add_jobs, beat

RADIO = Path(sys.executable).parent / "radio"


def test_jobs_have_stable_ids_and_are_not_duplicated(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        with app.app_context():
            add_jobs(scheduler, db.session_factory(), "test", "host")
            add_jobs(scheduler, db.session_factory(), "test", "host")
        assert [job.id for job in scheduler.get_jobs()] == [HEARTBEAT_JOB_ID]
    finally:
        scheduler.shutdown(wait=False)


def test_heartbeat_records_the_scheduler(app):

    with app.app_context():
        beat(db.session_factory(), "embedded", "may-chu-1", utcnow())
        row = db.get_session().scalar(select(SchedulerBeat))
        assert (row.name, row.host) == ("embedded", "may-chu-1")
        assert db.get_session().get(SchedulerBeat, "embedded").beat_at.tzinfo is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_radio_serve_serves_the_app_with_the_scheduler(tmp_path):
    env = {**os.environ, "RADIO_DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    subprocess.run([RADIO, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [RADIO, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        health = {}
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz") as r:
                    health = loads(r.read())
                if health.get("scheduler_last_beat"):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert health.get("status") == "ok"
        assert health.get("scheduler_last_beat"), health
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
