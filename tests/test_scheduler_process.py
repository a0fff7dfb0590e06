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

from audio_library.db import make_engine, utcnow
from audio_library.jobs import Job, enqueue
from audio_library.library import Metadata
from audio_library.segments import Topic
from audio_library.tts.segment_job import KIND, tts_params
from radio import create_app, db
from scheduler.build_job import KIND as BUILD_KIND
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


def queue_tts_job(data_dir: Path) -> str:
    """Queue a TTS job in the database of data_dir, as the web would."""
    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir}/radio.db"})
    with app.app_context():
        session = db.get_session()
        topic = session.scalar(select(Topic).where(Topic.code == "thong-bao"))
        meta = Metadata(title="Thông báo", topic_id=topic.id, text="Xin chào bà con.")
        params = tts_params(
            meta,
            voice="north",
            speed=1.0,
            engine="espeak",
            author_id=None,
            unit_id=None,
            lexicon_unit_ids=[],
        )
        job = enqueue(session, KIND, params, None)
        session.commit()
        db.engine().dispose()
        return job.id


def test_radio_serve_serves_the_app_with_the_scheduler_and_runs_jobs(tmp_path):
    env = {**os.environ, "RADIO_DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    subprocess.run([RADIO, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([RADIO, "demo", "--no-audio"], env=env, check=True, capture_output=True)
    job_id = queue_tts_job(tmp_path)
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
        assert wait_for_job(tmp_path, job_id) == "done"
        # The nightly build also runs once at start, so a fresh `make run` has playlists.
        assert wait_for_job(tmp_path, nightly_job_id(tmp_path)) == "done"
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def nightly_job_id(data_dir: Path) -> str:
    engine = make_engine(f"sqlite:///{data_dir}/radio.db")
    try:
        for _ in range(300):
            with engine.connect() as conn:
                found = conn.execute(select(Job.id).where(Job.kind == BUILD_KIND)).scalar()
            if found:
                return str(found)
            time.sleep(0.1)
        raise AssertionError("the nightly build was not queued")
    finally:
        engine.dispose()


def wait_for_job(data_dir: Path, job_id: str) -> str:
    """The job's state once it has finished (or after 30 s)."""
    engine = make_engine(f"sqlite:///{data_dir}/radio.db")
    try:
        for _ in range(300):
            with engine.connect() as conn:
                state = conn.execute(select(Job.state).where(Job.id == job_id)).scalar_one()
            if state in ("done", "failed", "cancelled"):
                return str(state)
            time.sleep(0.1)
        return str(state)
    finally:
        engine.dispose()
