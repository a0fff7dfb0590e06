"""`radio build-playlists`, the nightly job and the rebuild after a change."""

import json
from datetime import date, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from audio_library.jobs import Job, JobState
from radio import db
from radio.audio import job_handlers
from radio.schedule_cli import build_at
from scheduler.build_job import KIND, NIGHTLY_JOB_ID, add_nightly_build, nightly, today_in
from scheduler.jobs import run_queued_jobs
from scheduler.playlists import Playlist, current_playlist
from scheduler.units import Station
from tests.conftest import OPERATOR_STATION


def playlist_count(app) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(Playlist))


def test_build_playlists_builds_one_station_for_several_days(app, runner):
    first = date.today() + timedelta(days=1)
    result = runner.invoke(
        args=[
            "build-playlists",
            "--date",
            first.isoformat(),
            "--days",
            "3",
            "--station",
            OPERATOR_STATION,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 đài" in result.output
    with app.app_context():
        session = db.get_session()
        station = session.scalar(select(Station).where(Station.code == OPERATOR_STATION))
        days = session.scalars(select(Playlist.day).where(Playlist.station_id == station.id))
        assert sorted(days) == [first + timedelta(days=i) for i in range(3)]
        playlist = current_playlist(session, station.id, first)
        assert [s.label for s in playlist.sessions] == ["Buổi sáng", "Buổi chiều"]


def test_building_again_without_a_change_writes_no_new_version(app, runner):
    args = ["build-playlists", "--date", date.today().isoformat(), "--station", OPERATOR_STATION]
    assert runner.invoke(args=args).exit_code == 0
    before = playlist_count(app)
    again = runner.invoke(args=args)
    assert again.exit_code == 0
    assert playlist_count(app) == before


def test_unknown_station_and_bad_date_are_refused_and_nothing_is_built(app, runner):
    unknown = runner.invoke(args=["build-playlists", "--date", "2026-12-01", "--station", "nope"])
    assert unknown.exit_code != 0
    assert "nope" in unknown.output
    bad_date = runner.invoke(args=["build-playlists", "--date", "01/12/2026"])
    assert bad_date.exit_code != 0
    too_many = runner.invoke(args=["build-playlists", "--date", "2026-12-01", "--days", "400"])
    assert too_many.exit_code != 0
    assert playlist_count(app) == 0


def test_nightly_job_has_a_stable_id_and_queues_a_build_that_the_runner_does(app):
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        with app.app_context():
            sessions = db.session_factory()
            for _ in range(2):
                add_nightly_build(scheduler, sessions, app.config["TIMEZONE"], build_at())
        assert [job.id for job in scheduler.get_jobs()] == [NIGHTLY_JOB_ID]
        trigger = str(scheduler.get_job(NIGHTLY_JOB_ID).trigger)
        assert "hour='2'" in trigger and "minute='0'" in trigger
    finally:
        scheduler.shutdown(wait=False)
    with app.app_context():
        nightly(db.session_factory(), app.config["TIMEZONE"], 2)
        run_queued_jobs(db.session_factory(), job_handlers(app))
        session = db.get_session()
        job = session.scalar(select(Job).where(Job.kind == KIND))
        assert job.state == JobState.DONE, job.error_detail
        assert json.loads(job.result)["playlists"] > 0
        today = today_in(app.config["TIMEZONE"])
        days = set(session.scalars(select(Playlist.day)))
        assert days == {today, today + timedelta(days=1)}
