"""The nightly job pre-mixes the morning's sessions; a request then finds them ready."""

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from audio_library import jobs
from audio_library.jobs import Job, JobState
from radio import audio, db
from radio.db import get_session
from radio.tokens import issue_token
from scheduler import build_job, session_mix
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import playlist_url, station, today


def run_all(app) -> list[Job]:  # type: ignore[no-untyped-def]
    handlers = audio.job_handlers(app)
    with app.app_context():
        sessions = db.session_factory()
    while jobs.run_next(sessions, handlers):
        pass
    with app.app_context():
        return list(get_session().scalars(select(Job).order_by(Job.created_at)))


def test_nightly_build_queues_the_premix_and_requests_find_it_ready(client, app, fills):
    with app.app_context():
        ids = [station(code).id for code in (OPERATOR_STATION, SAME_DISTRICT_STATION)]
        build_job.request_build(get_session(), today(), days=2, station_ids=ids, trigger="nightly")
        _token, plain = issue_token(get_session(), station=station(OPERATOR_STATION))
        get_session().commit()
    done = run_all(app)
    assert [(j.kind, j.state) for j in done] == [
        (build_job.KIND, JobState.DONE),
        (session_mix.KIND, JobState.DONE),
    ]
    assert json.loads(done[1].result)["sessions"] == 2 * 2 * 2  # stations × days × sessions
    folder = Path(app.config["DATA_DIR"]) / "premix"
    cached = sorted(folder.rglob("*.mp3"))
    assert cached and all(fx.probe(p)["codec"] == "mp3" for p in cached)
    url = playlist_url(OPERATOR_STATION, today() + timedelta(days=1)) + "/sessions/1.mp3"
    answer = client.get(url, headers={"Authorization": f"Bearer {plain}"}, buffered=True)
    assert answer.status_code == 200
    assert answer.headers["ETag"].strip('"') in {p.stem for p in cached}  # mixed last night
    assert sorted(folder.rglob("*.mp3")) == cached  # nothing new rendered


def test_a_change_build_does_not_queue_a_premix(app, fills):
    with app.app_context():
        ids = [station(OPERATOR_STATION).id]
        build_job.request_build(get_session(), today(), days=1, station_ids=ids)
        get_session().commit()
    assert [j.kind for j in run_all(app)] == [build_job.KIND]
