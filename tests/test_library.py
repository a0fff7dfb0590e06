"""The audio library through the web, the API and the CLI, against real ffmpeg."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

import radio.db
from audio_library.jobs import Job
from audio_library.library import schedulable
from audio_library.segments import Segment, SegmentEvent, State, Topic
from radio import audio
from radio.audio import job_handlers
from radio.db import get_session
from scheduler.build_job import KIND as BUILD_KIND
from scheduler.jobs import run_queued_jobs
from scheduler.playlists import PlaylistItem
from tests import audio_fixtures as fx
from tests.conftest import csrf_token, login, personal_token

DRUGS = "phong-chong-ma-tuy"


def topic_id(app, code: str = DRUGS) -> int:
    with app.app_context():
        return get_session().scalar(select(Topic.id).where(Topic.code == code))


def segment_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Segment))


def stored_files(app) -> int:
    return sum(
        1
        for p in (Path(app.config["DATA_DIR"]) / "audio").rglob("*")
        if p.is_file() and ".work" not in p.parts
    )


def web_upload(client, app, path: Path, name: str | None = None, **fields: object):
    token = csrf_token(client, "/library/upload")
    data = {
        "csrf_token": token,
        "title": "Bản tin phòng, chống ma túy",
        "topic_id": topic_id(app),
        "level": "normal",
        "language": "vi",
        "source": "upload",
        "file": (io.BytesIO(path.read_bytes()), name or path.name),
        **fields,
    }
    return client.post("/library/upload", data=data, content_type="multipart/form-data")


@pytest.fixture
def speech(tmp_path: Path) -> Path:
    return fx.speech_like(tmp_path / "speech.wav")


@pytest.mark.parametrize("fmt", ["mp3", "wav", "opus", "vorbis", "m4a", "flac", "amr", "3gp"])
def test_editor_uploads_any_format_and_gets_the_house_version(
    client, as_user, app, speech, tmp_path, fmt
):
    source = fx.encode(speech, tmp_path, fmt)
    as_user("editor")
    response = web_upload(client, app, source)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        segment = get_session().scalar(select(Segment).order_by(Segment.id.desc()))
        assert segment.state == State.DRAFT
        path = audio.store().find(segment.audio_sha)
        original = audio.store().find(segment.original_sha)
    info = fx.probe(path)
    assert (info["codec"], info["channels"], info["sample_rate"]) == ("mp3", 1, 44100)
    # speech_like has 1 s of silence before and 1.5 s after: both are trimmed
    assert fx.decoded_duration(path) < fx.decoded_duration(speech) - 2.0
    lufs, peak = fx.loudness(path)
    assert abs(lufs - (-16)) <= 1.0
    assert peak <= -1.0
    assert original.read_bytes() == source.read_bytes()  # the original is kept as sent


def test_segment_page_has_player_waveform_and_history(client, as_user, app, speech):
    as_user("editor")
    location = web_upload(client, app, speech).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "<audio" in page and 'class="waveform"' in page
    assert "Bản tin phòng, chống ma túy" in page
    assert "Lịch sử" in page


def test_audio_has_etag_and_range(client, as_user, app, speech):
    as_user("editor")
    segment_id = int(web_upload(client, app, speech).headers["Location"].rsplit("/", 1)[1])
    url = f"/api/v1/segments/{segment_id}/audio"
    with client.get(url) as whole:
        assert whole.status_code == 200 and whole.mimetype == "audio/mpeg"
        etag, data = whole.headers["ETag"], whole.data
    with client.get(url, headers={"If-None-Match": etag}) as cached:
        assert cached.status_code == 304
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206 and part.data == data[100:200]
    with client.get(url, headers={"Range": "bytes=999999999-"}) as beyond:
        assert beyond.status_code == 416


BAD_INPUTS = {
    "text renamed .mp3": (
        lambda d: _write(d / "tin.mp3", "Đây không phải âm thanh.\n" * 50),
        "không phải",
    ),
    "truncated mp3": (lambda d: _truncated(d), "bị cắt"),
    "0-byte file": (lambda d: _write(d / "rong.mp3", ""), "rỗng"),
    "header claims hours": (lambda d: fx.lying_wav(d / "gia.wav"), "bị cắt"),
    "silence only": (lambda d: fx.silence(d / "im.wav", 3.0), "không có tiếng"),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _truncated(folder: Path) -> Path:
    whole = fx.encode(fx.speech_like(folder / "s.wav"), folder, "mp3")
    cut = folder / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    return cut


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_upload_is_refused_clearly_and_nothing_is_stored(client, as_user, app, tmp_path, case):
    make, words = BAD_INPUTS[case]
    as_user("editor")
    before = (segment_count(app), stored_files(app))
    response = web_upload(client, app, make(tmp_path))
    assert response.status_code == 422
    assert words in response.get_data(as_text=True).lower()
    assert (segment_count(app), stored_files(app)) == before


def test_over_the_maximum_duration(client, as_user, app, tmp_path):
    app.config["AUDIO_MAX_MINUTES"] = 0.05  # 3 s stands in for the 2-hour upload
    as_user("editor")
    response = web_upload(client, app, fx.tone(tmp_path / "dai.wav", 5.0))
    assert response.status_code == 422
    assert "dài hơn" in response.get_data(as_text=True)
    assert segment_count(app) == 0


def test_over_the_size_limit(client, as_user, app, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    as_user("editor")
    before = segment_count(app)
    response = web_upload(client, app, fx.tone(tmp_path / "lon.wav", 5.0))
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)
    assert segment_count(app) == before


def test_path_and_control_characters_in_the_name_are_dropped(client, as_user, app, speech):
    as_user("editor")
    response = web_upload(client, app, speech, name="../../etc/\x07ghi\x1bam.wav")
    assert response.status_code == 302
    with app.app_context():
        segment = get_session().scalar(select(Segment))
        assert segment.original_name == "ghiam.wav"
    assert not list(Path(app.config["DATA_DIR"]).parent.glob("etc"))


def test_same_audio_in_another_format_is_found(client, as_user, app, speech, tmp_path):
    as_user("editor")
    first = web_upload(client, app, speech)
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    again = web_upload(client, app, fx.encode(speech, tmp_path, "vorbis"), title="Khác tên")
    assert again.status_code == 409
    assert f"/library/{first_id}" in again.get_data(as_text=True)
    assert segment_count(app) == 1


def upload_and_submit(client, app, speech) -> int:
    location = web_upload(client, app, speech).headers["Location"]
    segment_id = int(location.rsplit("/", 1)[1])
    token = csrf_token(client, location)
    client.post(f"/library/{segment_id}/submit", data={"csrf_token": token})
    return segment_id


def state_of(app, segment_id: int) -> str:
    with app.app_context():
        return get_session().get(Segment, segment_id).state


def test_workflow_submit_approve_and_only_approved_is_schedulable(client, app, speech):
    from datetime import date

    login(client, "editor")
    segment_id = upload_and_submit(client, app, speech)
    assert state_of(app, segment_id) == State.SUBMITTED
    with app.app_context():
        ids = get_session().scalars(select(Segment.id).where(schedulable(date.today()))).all()
        assert segment_id not in ids
    approver = app.test_client()
    login(approver, "approver")
    token = csrf_token(approver, f"/library/{segment_id}")
    assert (
        approver.post(f"/library/{segment_id}/approve", data={"csrf_token": token}).status_code
        == 302
    )
    assert state_of(app, segment_id) == State.APPROVED
    with app.app_context():
        ids = get_session().scalars(select(Segment.id).where(schedulable(date.today()))).all()
        assert segment_id in ids
        actions = [
            e.action
            for e in get_session().scalars(
                select(SegmentEvent).where(SegmentEvent.segment_id == segment_id)
            )
        ]
        assert actions == ["created", "submitted", "approved"]
        # Approval changes what may air: one rebuild is queued, and it plans the segment.
        builds = get_session().scalars(select(Job).where(Job.kind == BUILD_KIND)).all()
        assert len(builds) == 1
        run_queued_jobs(radio.db.session_factory(), job_handlers(app))
        planned = get_session().scalars(select(PlaylistItem.segment_id)).all()
        assert segment_id in planned


def test_approving_ones_own_segment_is_refused(client, app, speech):
    from radio.people import find_user

    with app.app_context():
        session = get_session()
        find_user(session, "admin").role = "admin"
        session.commit()
    login(client, "admin")  # an admin may approve, but not what they made
    segment_id = upload_and_submit(client, app, speech)
    token = csrf_token(client, f"/library/{segment_id}")
    response = client.post(
        f"/library/{segment_id}/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "do chính mình" in response.get_data(as_text=True)
    assert state_of(app, segment_id) == State.SUBMITTED


def test_reject_needs_a_reason(client, app, speech):
    login(client, "editor")
    segment_id = upload_and_submit(client, app, speech)
    approver = app.test_client()
    login(approver, "approver")
    token = csrf_token(approver, f"/library/{segment_id}")
    approver.post(f"/library/{segment_id}/reject", data={"csrf_token": token, "reason": " "})
    assert state_of(app, segment_id) == State.SUBMITTED
    approver.post(
        f"/library/{segment_id}/reject", data={"csrf_token": token, "reason": "Sai số điện thoại"}
    )
    assert state_of(app, segment_id) == State.REJECTED


def test_editing_an_approved_segment_makes_a_new_version(client, app, speech):
    login(client, "editor")
    segment_id = upload_and_submit(client, app, speech)
    approver = app.test_client()
    login(approver, "approver")
    token = csrf_token(approver, f"/library/{segment_id}")
    approver.post(f"/library/{segment_id}/approve", data={"csrf_token": token})
    token = csrf_token(client, f"/library/{segment_id}/edit")
    response = client.post(
        f"/library/{segment_id}/edit",
        data={
            "csrf_token": token,
            "title": "Tiêu đề mới",
            "topic_id": topic_id(app),
            "level": "priority",
            "language": "vi",
            "text": "",
        },
    )
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != segment_id
    with app.app_context():
        session = get_session()
        old, new = session.get(Segment, segment_id), session.get(Segment, new_id)
        assert (old.title, old.state, old.level) == (
            "Bản tin phòng, chống ma túy",
            "approved",
            "normal",
        )
        assert (new.title, new.state, new.version, new.previous_id) == (
            "Tiêu đề mới",
            "draft",
            2,
            segment_id,
        )
        assert new.audio_sha == old.audio_sha
    token = csrf_token(client, f"/library/{new_id}")
    client.post(f"/library/{new_id}/submit", data={"csrf_token": token})
    token = csrf_token(approver, f"/library/{new_id}")
    approver.post(f"/library/{new_id}/approve", data={"csrf_token": token})
    assert state_of(app, segment_id) == State.ARCHIVED  # the new version replaced it
    assert state_of(app, new_id) == State.APPROVED


def test_api_upload_approve_and_problems(client, app, speech, tmp_path):
    login(client, "editor")
    editor_token = personal_token(client)
    headers = {"Authorization": f"Bearer {editor_token}"}
    api = app.test_client()
    with speech.open("rb") as f:
        created = api.post(
            "/api/v1/segments",
            headers=headers,
            content_type="multipart/form-data",
            data={"file": (f, "s.wav"), "title": "Qua API", "topic": DRUGS},
        )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.json
    assert body["state"] == "draft" and body["sha256"] and body["duration"] > 0
    bad = api.post(
        "/api/v1/segments",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"x" * 100), "s.mp3"), "title": "Hỏng", "topic": DRUGS},
    )
    assert bad.status_code == 422 and bad.json["code"] == "not_audio"
    assert bad.mimetype == "application/problem+json"
    own = api.post(f"/api/v1/segments/{body['id']}/approve", headers=headers)
    assert own.status_code == 403  # editors do not approve
    assert api.post(f"/api/v1/segments/{body['id']}/submit", headers=headers).json["state"] == (
        "submitted"
    )
    other = app.test_client()
    login(other, "approver")
    approver = {"Authorization": f"Bearer {personal_token(other)}"}
    done = api.post(f"/api/v1/segments/{body['id']}/approve", headers=approver)
    assert done.json["state"] == "approved"


def test_cli_import_with_approve(runner, app, speech, tmp_path):
    bad = _write(tmp_path / "bad.mp3", "not audio")
    result = runner.invoke(
        args=["library", "import", str(speech), str(bad), "--topic", DRUGS, "--approve"]
    )
    assert result.exit_code != 0
    assert "✓ speech.wav" in result.output
    assert "bad.mp3" in result.output
    with app.app_context():
        (segment,) = get_session().scalars(select(Segment)).all()
        assert segment.state == State.APPROVED
    unknown = runner.invoke(args=["library", "import", str(speech), "--topic", "no-such"])
    assert unknown.exit_code != 0 and DRUGS in unknown.output


def test_operator_cannot_read_the_library(client, as_user, app, speech, runner):
    runner.invoke(args=["library", "import", str(speech), "--topic", DRUGS])
    as_user("operator")
    assert client.get("/library/1").status_code == 403
    assert client.get("/api/v1/segments/1/audio").status_code == 403


def campaign_id(app) -> int:
    from scheduler.campaigns import Campaign

    with app.app_context():
        return get_session().scalar(select(Campaign.id))


def test_segments_serve_campaigns_and_the_list_filters_by_them(
    client, as_user, app, speech, tmp_path
):
    as_user("editor")
    linked = web_upload(client, app, speech, campaign_ids=campaign_id(app))
    linked_id = int(linked.headers["Location"].rsplit("/", 1)[1])
    other = web_upload(client, app, fx.tone(tmp_path / "t.wav", 3.0), title="Không thuộc kế hoạch")
    assert other.status_code == 302
    page = client.get(f"/library/{linked_id}").get_data(as_text=True)
    assert "phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2021" in page
    listed = client.get(f"/library?campaign={campaign_id(app)}").get_data(as_text=True)
    assert f"/library/{linked_id}" in listed and "Không thuộc kế hoạch" not in listed
    api = client.get(f"/api/v1/segments/{linked_id}").json
    assert api["campaigns"] == ["dnong-2021-pctp"]
    listed = client.get("/api/v1/segments?campaign=dnong-2021-pctp").json
    assert [s["id"] for s in listed] == [linked_id]
    assert client.get(f"/api/v1/segments?topic={DRUGS}&state=draft").json
    assert client.get("/api/v1/segments?valid=now").json == []  # nothing approved yet
    assert client.get("/api/v1/segments?campaign=no-such").json == []


def test_api_refuses_an_unknown_campaign(client, as_user, app, speech):
    as_user("editor")
    plain = personal_token(client)
    with speech.open("rb") as f:
        response = app.test_client().post(
            "/api/v1/segments",
            headers={"Authorization": f"Bearer {plain}"},
            content_type="multipart/form-data",
            data={"file": (f, "s.wav"), "title": "X", "topic": DRUGS, "campaigns": "no-such"},
        )
    assert response.status_code == 422
    assert "no-such" in response.json["detail"]
    assert segment_count(app) == 0
