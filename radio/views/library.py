"""The audio library: list, segment page, upload and recording, workflow actions."""

import json
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, or_, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from audio_library import library
from audio_library.ffmpeg import AudioError
from audio_library.library import DuplicateAudio, LibraryError
from audio_library.segments import Segment, SegmentEvent, Source, State, Topic
from radio import audio
from radio.audit_trail import log_change
from radio.db import get_session
from radio.messages import AUDIO, LIBRARY, STATE_LABELS
from radio.people import User
from radio.policy import Permission, can, require, segment_or_403, segments_visible
from radio.schedule import rebuild_later
from radio.segment_forms import EditForm, RejectForm, SegmentForm, UploadForm
from scheduler.campaigns import Campaign, campaign_segment, campaigns_of, link_segment

bp = Blueprint("library", __name__, url_prefix="/library")
PAGE_SIZE = 50


def fill_choices(form: SegmentForm) -> None:
    """Topics and campaigns to pick from."""
    session = get_session()
    topics = session.scalars(select(Topic).order_by(Topic.name))
    form.topic_id.choices = [SelectChoice(0, _("— choose a topic —"))] + [
        SelectChoice(t.id, t.name) for t in topics
    ]
    campaigns = session.scalars(select(Campaign).order_by(Campaign.starts_on.desc()))
    form.campaign_ids.choices = [SelectChoice(c.id, c.name) for c in campaigns]


def audio_error_text(error: AudioError) -> str:
    return str(AUDIO[error.kind]) % {"minutes": current_app.config["AUDIO_MAX_MINUTES"]}


def search(
    user: User,
    *,
    text: str = "",
    state: str | None = None,
    level: str | None = None,
    topic: int | None = None,
    campaign: int | None = None,
    valid: str | None = None,
) -> Select[tuple[Segment]]:
    """The segments a user may read that match the filters, newest first (pages and API)."""
    query = segments_visible(user).order_by(Segment.updated_at.desc())
    if text := text.strip():
        query = query.where(
            or_(
                Segment.title.contains(text, autoescape=True),
                Segment.text.contains(text, autoescape=True),
            )
        )
    if state:
        query = query.where(Segment.state == state)
    if level:
        query = query.where(Segment.level == level)
    if topic:
        query = query.where(Segment.topic_id == topic)
    if campaign:
        query = query.join(campaign_segment, campaign_segment.c.segment_id == Segment.id).where(
            campaign_segment.c.campaign_id == campaign
        )
    if valid == "now":
        query = query.where(library.schedulable(date.today()))
    elif valid == "expired":
        query = query.where(Segment.air_until < date.today())
    return query


@bp.get("")
@login_required
def index() -> str:
    require(Permission.VIEW_LIBRARY)
    args = request.args
    query = search(
        current_user,
        text=args.get("q", ""),
        state=args.get("state"),
        level=args.get("level"),
        topic=args.get("topic", type=int),
        campaign=args.get("campaign", type=int),
        valid=args.get("valid"),
    )
    page = max(1, args.get("page", 1, type=int))
    rows = get_session().scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    topics = get_session().scalars(select(Topic).order_by(Topic.name)).all()
    campaigns = get_session().scalars(select(Campaign).order_by(Campaign.starts_on.desc())).all()
    return render_template(
        "library/index.html",
        segments=rows[:PAGE_SIZE],
        topics=topics,
        campaigns=campaigns,
        page=page,
        has_more=len(rows) > PAGE_SIZE,
        args=args,
        can_edit=can(current_user, Permission.EDIT_SEGMENTS),
    )


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> Response | str | tuple[str, int]:
    require(Permission.EDIT_SEGMENTS)
    form = UploadForm()
    fill_choices(form)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("library/upload.html", form=form), status
    source = Source.RECORDING if form.source.data == "recording" else Source.UPLOAD
    try:
        segment = audio.ingest_upload(form.file.data, form.metadata(), source, current_user)
    except (AudioError, LibraryError) as exc:
        get_session().rollback()
        text = audio_error_text(exc) if isinstance(exc, AudioError) else str(LIBRARY[exc.kind])
        form.form_errors.append(text)
        return render_template("library/upload.html", form=form), 422
    except DuplicateAudio as dup:
        get_session().rollback()
        return render_template("library/upload.html", form=form, duplicate=dup.existing), 409
    link_segment(get_session(), segment.id, form.campaign_ids.data or [])
    get_session().commit()
    flash(_("The audio has been processed and saved as a draft."), "success")
    return redirect(url_for("library.show", segment_id=segment.id))


@bp.get("/<int:segment_id>")
@login_required
def show(segment_id: int) -> str:
    segment = segment_or_403(segment_id)
    session = get_session()
    people_ids = {e.user_id for e in segment.events} | {segment.author_id, segment.approver_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people_ids)))}
    newer = session.scalar(select(Segment).where(Segment.previous_id == segment.id))
    return render_template(
        "library/show.html",
        segment=segment,
        people=people,
        newer=newer,
        peaks=json.loads(segment.peaks),
        events=_events(segment.events),
        campaigns=campaigns_of(session, segment.id),
        reject_form=RejectForm(),
        can_edit=can(current_user, Permission.EDIT_SEGMENTS),
        can_approve=can(current_user, Permission.APPROVE_SEGMENTS)
        and segment.author_id != current_user.id,
    )


def _events(events: list[SegmentEvent]) -> list[tuple[SegmentEvent, dict[str, object]]]:
    return [(e, json.loads(e.detail) if e.detail else {}) for e in events]


@bp.route("/<int:segment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(segment_id: int) -> Response | str | tuple[str, int]:
    segment = segment_or_403(segment_id, Permission.EDIT_SEGMENTS)
    form = EditForm(obj=segment)
    fill_choices(form)
    if request.method == "GET":
        form.campaign_ids.data = [c.id for c in campaigns_of(get_session(), segment.id)]
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("library/edit.html", form=form, segment=segment), status
    try:
        result = library.edit(
            get_session(), segment, current_user.id, form.metadata(form.text.data or "")
        )
    except LibraryError as exc:
        get_session().rollback()
        form.form_errors.append(str(LIBRARY[exc.kind]))
        return render_template("library/edit.html", form=form, segment=segment), 422
    link_segment(get_session(), result.id, form.campaign_ids.data or [])
    get_session().commit()
    if result is not segment:
        flash(
            _(
                "The approved segment is unchanged; your changes are a new version that "
                "needs approval."
            ),
            "info",
        )
    return redirect(url_for("library.show", segment_id=result.id))


ACTIONS = {
    "submit": (Permission.EDIT_SEGMENTS, library.submit),
    "approve": (Permission.APPROVE_SEGMENTS, library.approve),
    "archive": (Permission.EDIT_SEGMENTS, library.archive),
}


@bp.post("/<int:segment_id>/<any(submit, approve, archive, reject):action>")
@login_required
def act(segment_id: int, action: str) -> Response:
    permission = ACTIONS[action][0] if action in ACTIONS else Permission.APPROVE_SEGMENTS
    segment = segment_or_403(segment_id, permission)
    session = get_session()
    try:
        if action == "reject":
            form = RejectForm()
            library.reject(session, segment, current_user.id, form.reason.data or "")
        else:
            ACTIONS[action][1](session, segment, current_user.id)
        if action in ("approve", "archive"):  # what may air has changed
            rebuild_later(None)
    except LibraryError as exc:
        session.rollback()
        flash(str(LIBRARY[exc.kind]), "error")
        return redirect(url_for("library.show", segment_id=segment.id))
    log_segment_change(segment)
    session.commit()
    flash(_("Done: the segment is now “%(state)s”.", state=_state_label(segment.state)), "success")
    return redirect(url_for("library.show", segment_id=segment.id))


def log_segment_change(segment: Segment) -> None:
    """The trail entry of a workflow step (pages and API): the state it led to."""
    details = {"reason": segment.reject_reason} if segment.state == State.REJECTED else None
    log_change(
        f"segment.{segment.state}",
        segment.id,
        segment.title,
        unit_id=segment.unit_id,
        details=details,
    )


def _state_label(state: str) -> str:
    return str(STATE_LABELS[State(state)])


@bp.get("/approvals")
@login_required
def approvals() -> str:
    require(Permission.APPROVE_SEGMENTS)
    query = segments_visible(current_user).where(Segment.state == State.SUBMITTED)
    segments = get_session().scalars(query.order_by(Segment.updated_at)).all()
    return render_template("library/approvals.html", segments=segments)
