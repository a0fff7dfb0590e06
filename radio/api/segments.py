"""The audio library over the API: segments, their audio, TTS jobs."""

from typing import Any

from flask import abort, g, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library import jobs, library
from audio_library.ffmpeg import AudioError
from audio_library.library import DuplicateAudio, LibraryError, Metadata
from audio_library.segments import Level, Segment, Source, State, Topic
from audio_library.tts.segment_job import KIND, lexicon_for, tts_params
from audio_library.tts.synthesis import TTSError, spoken_form
from radio import audio
from radio.api.auth import blueprint, person
from radio.api.schemas import (
    EditSchema,
    JobSchema,
    PreviewSchema,
    RejectSchema,
    SegmentQuerySchema,
    SegmentSchema,
    SpokenSchema,
    TTSRequestSchema,
    UploadFormSchema,
)
from radio.db import get_session
from radio.errors import problem
from radio.messages import LIBRARY
from radio.policy import Permission, job_or_403, require, segment_or_403
from radio.schedule import rebuild_later
from radio.views.library import audio_error_text, log_segment_change, search
from radio.views.tts import lexicon_units, tts_error_text
from scheduler.campaigns import Campaign, link_segment

bp = blueprint("api_segments", __name__, "The audio library and text-to-speech")


def metadata(args: dict[str, Any], text: str = "") -> Metadata:
    topic = get_session().scalar(select(Topic).where(Topic.code == args["topic"]))
    if topic is None:
        abort(422, description=str(LIBRARY["unknown_topic"]))
    return Metadata(
        title=args["title"],
        topic_id=topic.id,
        level=Level(args["level"]),
        language=args["language"],
        air_from=args["air_from"],
        air_until=args["air_until"],
        text=text,
    )


def campaign_ids(codes: list[str]) -> list[int]:
    """The ids of these campaign codes, or 422 naming the unknown ones."""
    query = select(Campaign.code, Campaign.id).where(Campaign.code.in_(codes))
    found = {code: campaign_id for code, campaign_id in get_session().execute(query)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        abort(422, description=_("Unknown campaign: %(codes)s", codes=", ".join(unknown)))
    return list(found.values())


def refuse(error: LibraryError | AudioError) -> Response:
    get_session().rollback()
    text = audio_error_text(error) if isinstance(error, AudioError) else str(LIBRARY[error.kind])
    return problem(422, text, code=error.kind)


@bp.get("/segments")
@bp.arguments(SegmentQuerySchema, location="query")
@bp.response(200, SegmentSchema(many=True))
def list_segments(args: dict[str, Any]) -> list[Segment]:
    """Segments the caller may read, newest first, with optional filters."""
    require(Permission.VIEW_LIBRARY)
    session = get_session()
    topic = session.scalar(select(Topic.id).where(Topic.code == args["topic"]))
    campaign = session.scalar(select(Campaign.id).where(Campaign.code == args["campaign"]))
    if (args["topic"] and topic is None) or (args["campaign"] and campaign is None):
        return []
    query = search(
        person(),
        text=args["q"],
        state=args["state"],
        level=args["level"],
        topic=topic,
        campaign=campaign,
        valid=args["valid"],
    )
    rows = get_session().scalars(query.limit(args["limit"]).offset(args["offset"]))
    return list(rows)


@bp.post("/segments")
@bp.arguments(UploadFormSchema, location="form_and_files")
@bp.response(201, SegmentSchema)
def upload_segment(args: dict[str, Any]) -> Any:
    """Upload audio (any common format); it is validated, trimmed and normalised."""
    require(Permission.EDIT_SEGMENTS)
    user = person()
    campaigns = campaign_ids(args["campaigns"])
    try:
        segment = audio.ingest_upload(args["file"], metadata(args), Source(args["source"]), user)
    except (AudioError, LibraryError) as exc:
        return refuse(exc)
    except DuplicateAudio as dup:
        get_session().rollback()
        detail = _("This audio is already in the library as “%(title)s”.", title=dup.existing.title)
        return problem(409, detail, code="duplicate", segment_id=dup.existing.id)
    link_segment(get_session(), segment.id, campaigns)
    get_session().commit()
    return segment


@bp.get("/segments/<int:segment_id>")
@bp.response(200, SegmentSchema)
def get_segment(segment_id: int) -> Segment:
    """One segment."""
    person()
    return segment_or_403(segment_id)


@bp.patch("/segments/<int:segment_id>")
@bp.arguments(EditSchema)
@bp.response(200, SegmentSchema)
def edit_segment(args: dict[str, Any], segment_id: int) -> Any:
    """Change what is said about a segment; an approved one gets a new draft version."""
    person()
    segment = segment_or_403(segment_id, Permission.EDIT_SEGMENTS)
    campaigns = campaign_ids(args["campaigns"])
    try:
        result = library.edit(get_session(), segment, current_user.id, metadata(args, args["text"]))
    except LibraryError as exc:
        return refuse(exc)
    link_segment(get_session(), result.id, campaigns)
    get_session().commit()
    return result


@bp.post("/segments/<int:segment_id>/<any(submit, approve, archive):action>")
@bp.response(200, SegmentSchema)
def segment_action(segment_id: int, action: str) -> Any:
    """Send for approval, approve (not one's own), or archive."""
    person()
    permission = Permission.APPROVE_SEGMENTS if action == "approve" else Permission.EDIT_SEGMENTS
    segment = segment_or_403(segment_id, permission)
    operation = {"submit": library.submit, "approve": library.approve, "archive": library.archive}[
        action
    ]
    try:
        operation(get_session(), segment, current_user.id)
    except LibraryError as exc:
        return refuse(exc)
    if action in ("approve", "archive"):  # what may air has changed
        rebuild_later(None)
    log_segment_change(segment)
    get_session().commit()
    return segment


@bp.post("/segments/<int:segment_id>/reject")
@bp.arguments(RejectSchema)
@bp.response(200, SegmentSchema)
def reject_segment(args: dict[str, Any], segment_id: int) -> Any:
    """Reject with a reason (not one's own)."""
    person()
    segment = segment_or_403(segment_id, Permission.APPROVE_SEGMENTS)
    try:
        library.reject(get_session(), segment, current_user.id, args["reason"])
    except LibraryError as exc:
        return refuse(exc)
    log_segment_change(segment)
    get_session().commit()
    return segment


@bp.get("/segments/<int:segment_id>/audio")
@bp.response(200, description="The house MP3, with ETag and Range support")
def segment_audio(segment_id: int) -> Response:
    """The segment's audio; station devices may fetch approved segments."""
    if g.get("device") is not None:
        segment = get_session().get(Segment, segment_id)
        if segment is None or segment.state != State.APPROVED:
            abort(403)
    else:
        segment = segment_or_403(segment_id)
    path = audio.store().find(segment.audio_sha)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype="audio/mpeg",
        conditional=True,
        etag=segment.audio_sha,
        as_attachment=bool(request.args.get("download")),
        download_name=f"segment-{segment.id}.mp3",
        max_age=86400,
    )
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    return response


@bp.post("/tts/preview")
@bp.arguments(PreviewSchema)
@bp.response(200, SpokenSchema)
def tts_preview(args: dict[str, Any]) -> Any:
    """The spoken form of a text, as the engines will read it."""
    person()
    try:
        return {"spoken": spoken_form(args["text"], lexicon_for(get_session(), lexicon_units()))}
    except TTSError as exc:
        return problem(422, tts_error_text(exc), code=exc.kind)


@bp.post("/tts")
@bp.arguments(TTSRequestSchema)
@bp.response(202, JobSchema)
def start_tts(args: dict[str, Any]) -> Any:
    """Start making a draft segment from text; follow it at the returned job."""
    require(Permission.EDIT_SEGMENTS)
    user = person()
    session = get_session()
    try:
        spoken_form(args["text"])
        meta = library.check_metadata(session, metadata(args, args["text"]))
    except TTSError as exc:
        return problem(422, tts_error_text(exc), code=exc.kind)
    except LibraryError as exc:
        return refuse(exc)
    params = tts_params(
        meta,
        voice=args["voice"],
        speed=args["speed"],
        engine=args["engine"],
        author_id=user.id,
        unit_id=user.unit_id,
        lexicon_unit_ids=lexicon_units(),
    )
    params["campaign_ids"] = campaign_ids(args["campaigns"])
    job = jobs.enqueue(session, KIND, params, user.id)
    session.commit()
    return job, 202, {"Location": url_for("api_segments.get_job", job_id=job.id)}


@bp.get("/jobs/<job_id>")
@bp.response(200, JobSchema)
def get_job(job_id: str) -> jobs.Job:
    """A background job's state and progress."""
    person()
    return job_or_403(job_id)


@bp.post("/jobs/<job_id>/cancel")
@bp.response(200, JobSchema)
def cancel_job(job_id: str) -> jobs.Job:
    """Cancel a queued job, or ask a running one to stop."""
    person()
    job = job_or_403(job_id)
    jobs.cancel(get_session(), job)
    get_session().commit()
    return job
