"""Announcements from text: the TTS editor, its preview, and the job's progress page."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audio_library import jobs
from audio_library.library import LibraryError, check_metadata
from audio_library.tts.segment_job import KIND, lexicon_for, tts_params
from audio_library.tts.synthesis import MAX_TEXT, TTSError, spoken_form
from radio.db import get_session
from radio.messages import LIBRARY, TTS
from radio.policy import Permission, job_or_403, require
from radio.segment_forms import TTSForm
from radio.views.library import fill_choices

bp = Blueprint("tts", __name__, url_prefix="/library")


def lexicon_units() -> list[int]:
    """The user's unit and those above it: whose pronunciations apply to their text."""
    unit = current_user.unit
    return list(unit.ids_from_root) if unit else []


def tts_error_text(error: TTSError) -> str:
    return str(TTS[error.kind]) % {"n": MAX_TEXT}


@bp.route("/tts", methods=["GET", "POST"])
@login_required
def editor() -> Response | str | tuple[str, int]:
    require(Permission.EDIT_SEGMENTS)
    form = TTSForm()
    fill_choices(form)
    if request.method == "GET":
        return render_template("library/tts.html", form=form, spoken=None)
    valid = form.validate()
    spoken = _spoken(form)
    if "preview" in request.form:
        return render_template("library/tts.html", form=form, spoken=spoken)
    if not valid or spoken is None:
        return render_template("library/tts.html", form=form, spoken=spoken), 422
    session = get_session()
    try:
        meta = check_metadata(session, form.metadata(form.text.data or ""))
    except LibraryError as exc:
        form.form_errors.append(str(LIBRARY[exc.kind]))
        return render_template("library/tts.html", form=form, spoken=spoken), 422
    params = tts_params(
        meta,
        voice=form.voice.data or "north",
        speed=form.speed.data or 1.0,
        engine=form.engine.data or None,
        author_id=current_user.id,
        unit_id=current_user.unit_id,
        lexicon_unit_ids=lexicon_units(),
    )
    params["campaign_ids"] = form.campaign_ids.data or []
    job = jobs.enqueue(session, KIND, params, current_user.id)
    session.commit()
    return redirect(url_for("tts.job", job_id=job.id))


def _spoken(form: TTSForm) -> str | None:
    """What will be said, or None with the reason added to the text field's errors."""
    try:
        return spoken_form(form.text.data or "", lexicon_for(get_session(), lexicon_units()))
    except TTSError as exc:
        form.text.errors = [*form.text.errors, tts_error_text(exc)]
        return None


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str) -> str:
    return render_template("library/job.html", job=job_or_403(job_id))


@bp.post("/jobs/<job_id>/cancel")
@login_required
def cancel(job_id: str) -> Response:
    found = job_or_403(job_id)
    jobs.cancel(get_session(), found)
    get_session().commit()
    flash(_("Cancellation requested."), "info")
    return redirect(url_for("tts.job", job_id=found.id))
