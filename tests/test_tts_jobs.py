"""Announcements from text: editor, preview, background job, fallback, cache, API and CLI."""

import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from audio_library.db import utcnow
from audio_library.jobs import Job, JobState, claim, requeue_abandoned, run
from audio_library.segments import Segment, Topic
from radio import db
from radio.audio import job_handlers
from scheduler.jobs import run_queued_jobs
from tests import audio_fixtures as fx
from tests.conftest import csrf_token, login, personal_token
from tests.fake_gtts import FakeGoogle, closed_port_url, tone_mp3

TEXT = (
    "Thực hiện Kế hoạch số 145/KH-BCĐ ngày 22/3/2021 của BCĐ tỉnh, UBND xã đề nghị "
    "bà con giữ gìn ANTT. Mọi thông tin xin gọi số 113."
)


def run_jobs(app) -> None:
    with app.app_context():
        run_queued_jobs(db.session_factory(), job_handlers(app))


def job_of(app, job_id: str) -> Job:
    with app.app_context():
        return db.get_session().get(Job, job_id)


def tts_form(app, token: str, **changes: object) -> dict[str, object]:
    with app.app_context():
        topic = db.get_session().scalar(select(Topic.id).where(Topic.code == "an-ninh-to-quoc"))
    return {
        "csrf_token": token,
        "text": TEXT,
        "title": "Giữ gìn ANTT",
        "topic_id": topic,
        "level": "normal",
        "language": "vi",
        "voice": "north",
        "speed": "1.0",
        "engine": "",
        **changes,
    }


@pytest.fixture
def offline(app):
    """No internet: gTTS first, as configured by default, but Google cannot be reached."""
    app.config.update(TTS_ENGINES="gtts,espeak", GTTS_URL=closed_port_url(), TTS_TIMEOUT=1.0)
    return app


def test_preview_shows_the_spoken_form(client, as_user):
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    page = client.post(
        "/library/tts", data={"csrf_token": token, "text": TEXT, "preview": "1", "speed": "1.0"}
    ).get_data(as_text=True)
    assert "ngày hai mươi hai tháng ba năm hai nghìn không trăm hai mươi mốt" in page
    assert "ủy ban nhân dân" in page


def test_text_becomes_a_draft_segment_with_fallback_noted(client, as_user, offline):
    app = offline
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    response = client.post("/library/tts", data=tts_form(app, token))
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/library/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in page and 'http-equiv="refresh"' in page
    run_jobs(app)
    job = job_of(app, job_id)
    assert job.state == JobState.DONE, job.error_detail
    page = client.get(f"/library/jobs/{job_id}").get_data(as_text=True)
    with app.app_context():
        segment = db.get_session().scalar(select(Segment))
        path = Path(app.config["DATA_DIR"]) / "audio"
        audio_file = next(path.rglob(f"{segment.audio_sha}.mp3"))
    assert f"/library/{segment.id}" in page
    assert (segment.source, segment.state, segment.tts_engine) == ("tts", "draft", "espeak")
    assert segment.tts_note == "gtts:unreachable"
    assert segment.text == TEXT
    info = fx.probe(audio_file)
    assert info["codec"] == "mp3" and float(info["duration"]) > 5
    shown = client.get(f"/library/{segment.id}").get_data(as_text=True)
    assert "gtts không kết nối được" in shown  # the segment says why espeak spoke


def test_gtts_speaks_when_reachable(client, as_user, app):
    with FakeGoogle([tone_mp3(440), tone_mp3(660), tone_mp3(880)]) as google:
        app.config.update(TTS_ENGINES="gtts,espeak", GTTS_URL=google.url)
        as_user("editor")
        token = csrf_token(client, "/library/tts")
        client.post("/library/tts", data=tts_form(app, token))
        run_jobs(app)
        assert len(google.texts) >= 2  # the text was sent in chunks
    with app.app_context():
        segment = db.get_session().scalar(select(Segment))
        assert (segment.tts_engine, segment.tts_note) == ("gtts", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Vui lòng nhập"),
        ("  . , ; ! ? … —  ", "không có từ"),
        ("Thông báo. " * 10_000, "quá dài"),
    ],
    ids=["empty", "punctuation", "100 KB"],
)
def test_bad_text_is_refused_and_no_job_is_made(client, as_user, app, text, message):
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    response = client.post("/library/tts", data=tts_form(app, token, text=text))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(Job)) == 0


def test_decomposed_text_loses_no_words(client, as_user):
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    spoken = []
    for form in ("NFC", "NFD"):
        page = client.post(
            "/library/tts",
            data={
                "csrf_token": token,
                "text": unicodedata.normalize(form, TEXT),
                "preview": "1",
                "speed": "1.0",
            },
        ).get_data(as_text=True)
        start = page.index('<p class="prose">')
        spoken.append(page[start : page.index("</p>", start)])
    assert spoken[0] == spoken[1]
    assert "Thực hiện" in spoken[0]


def test_a_repeat_is_served_from_the_cache(client, as_user, app):
    app.config["TTS_ENGINES"] = "espeak"
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    first = client.post("/library/tts", data=tts_form(app, token)).headers["Location"]
    run_jobs(app)
    second = client.post("/library/tts", data=tts_form(app, token)).headers["Location"]
    run_jobs(app)
    result = job_of(app, second.rsplit("/", 1)[1])
    assert result.state == JobState.DONE
    assert '"existing": true' in result.result  # same text, same voice: the same audio
    assert job_of(app, first.rsplit("/", 1)[1]).state == JobState.DONE


def test_api_job_with_progress_and_cancel(app):
    app.config["TTS_ENGINES"] = "espeak"
    client = app.test_client()
    login(client, "editor")
    plain = personal_token(client)
    api, headers = app.test_client(), {"Authorization": f"Bearer {plain}"}
    body = {"text": TEXT, "title": "Qua API", "topic": "an-ninh-to-quoc"}
    started = api.post("/api/v1/tts", json=body, headers=headers)
    assert started.status_code == 202
    job_url = started.headers["Location"]
    assert api.get(job_url, headers=headers).json["state"] == "queued"
    run_jobs(app)
    done = api.get(job_url, headers=headers).json
    assert done["state"] == "done" and done["progress"] == 1.0
    assert (
        api.get(f"/api/v1/segments/{done['result']['segment_id']}", headers=headers).json["source"]
        == "tts"
    )
    queued = api.post("/api/v1/tts", json={**body, "text": "Một thông báo khác."}, headers=headers)
    cancelled = api.post(f"{queued.headers['Location']}/cancel", headers=headers)
    assert cancelled.json["state"] == "cancelled"
    bad = api.post("/api/v1/tts", json={**body, "text": "   "}, headers=headers)
    assert bad.status_code == 422 and bad.json["code"] == "empty"
    assert (
        api.post("/api/v1/tts/preview", json={"text": "khóa XI"}, headers=headers).json["spoken"]
        == "khóa mười một"
    )


def test_a_running_job_stops_when_cancelled(client, as_user, app):
    app.config["TTS_ENGINES"] = "espeak"
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    job_id = client.post("/library/tts", data=tts_form(app, token)).headers["Location"]
    job_id = job_id.rsplit("/", 1)[1]
    with app.app_context():
        claimed = claim(db.session_factory())
        db.get_session().execute(update(Job).values(cancel_requested=True))
        db.get_session().commit()
        run(db.session_factory(), claimed, job_handlers(app))
    assert job_of(app, job_id).state == JobState.CANCELLED
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(Segment)) == 0


def test_a_job_survives_a_restart(client, as_user, app):
    """A job whose process died while running is queued again and finished."""
    app.config["TTS_ENGINES"] = "espeak"
    as_user("editor")
    token = csrf_token(client, "/library/tts")
    job_id = client.post("/library/tts", data=tts_form(app, token)).headers["Location"]
    job_id = job_id.rsplit("/", 1)[1]
    with app.app_context():
        sessions = db.session_factory()
        claim(sessions)  # ... and then the process was killed
        db.get_session().execute(update(Job).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        db.get_session().commit()
        assert requeue_abandoned(sessions, timedelta(minutes=2)) == 1
    run_jobs(app)
    assert job_of(app, job_id).state == JobState.DONE


def test_lexicon_changes_how_text_is_read(client, as_user):
    as_user("editor")
    token = csrf_token(client, "/library/lexicon")
    client.post(
        "/library/lexicon",
        data={"csrf_token": token, "written": "Đắk R'Lấp", "spoken": "Đắk Rơ Lấp"},
    )
    page = client.post(
        "/library/tts",
        data={
            "csrf_token": token,
            "preview": "1",
            "speed": "1.0",
            "text": "Huyện Đắk R'Lấp thông báo.",
        },
    )
    assert "Đắk Rơ Lấp" in page.get_data(as_text=True)


def test_cli_tts_writes_audio_and_normalizes(runner, tmp_path):
    out = tmp_path / "tin.mp3"
    result = runner.invoke(
        args=["tts", TEXT, "-o", str(out), "--engine", "espeak", "--voice", "south"]
    )
    assert result.exit_code == 0, result.output
    info = fx.probe(out)
    assert info["codec"] == "mp3" and info["channels"] == 1
    wav = tmp_path / "tin.wav"
    assert (
        runner.invoke(
            args=["tts", "Xin chào bà con.", "-o", str(wav), "--engine", "espeak"]
        ).exit_code
        == 0
    )
    assert fx.probe(wav)["codec"] == "pcm_s16le"
    spoken = runner.invoke(args=["tts", "--normalize-only", "Luật số 73/2021/QH14"])
    assert "quốc hội khóa mười bốn" in spoken.output
    empty = runner.invoke(args=["tts", "  ", "-o", str(out)])
    assert empty.exit_code != 0 and "Vui lòng nhập" in empty.output
