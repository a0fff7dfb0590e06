"""The pronunciation dictionary of one's unit, and the list of topics."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audio_library.db import nfc
from audio_library.segments import LexiconEntry, Topic
from radio.db import get_session
from radio.policy import Permission, require
from radio.segment_forms import LexiconForm, TopicForm

bp = Blueprint("lexicon", __name__, url_prefix="/library")
TOPIC_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@bp.route("/lexicon", methods=["GET", "POST"])
@login_required
def index() -> Response | str | tuple[str, int]:
    require(Permission.MANAGE_LEXICON)
    unit = current_user.unit
    if unit is None:
        abort(403)  # the dictionary belongs to a unit; a system admin picks none
    session = get_session()
    form = LexiconForm()
    if form.validate_on_submit():
        written, spoken = nfc(form.written.data or "").strip(), nfc(form.spoken.data or "").strip()
        entry = session.scalar(
            select(LexiconEntry).where(
                LexiconEntry.unit_id == unit.id, LexiconEntry.written == written
            )
        ) or LexiconEntry(unit_id=unit.id, written=written)
        entry.spoken = spoken
        session.add(entry)
        session.commit()
        flash(
            _("“%(written)s” will be read as “%(spoken)s”.", written=written, spoken=spoken),
            "success",
        )
        return redirect(url_for("lexicon.index"))
    entries = session.scalars(
        select(LexiconEntry).where(LexiconEntry.unit_id == unit.id).order_by(LexiconEntry.written)
    ).all()
    status = 422 if form.errors else 200
    return render_template("library/lexicon.html", form=form, entries=entries, unit=unit), status


@bp.post("/lexicon/<int:entry_id>/delete")
@login_required
def delete(entry_id: int) -> Response:
    require(Permission.MANAGE_LEXICON)
    session = get_session()
    entry = session.get(LexiconEntry, entry_id)
    if entry is None:
        abort(404)
    if current_user.unit is None or entry.unit_id != current_user.unit.id:
        abort(403)
    session.delete(entry)
    session.commit()
    return redirect(url_for("lexicon.index"))


@bp.route("/topics", methods=["GET", "POST"])
@login_required
def topics() -> Response | str | tuple[str, int]:
    require(Permission.VIEW_LIBRARY)
    session = get_session()
    form = TopicForm()
    if form.validate_on_submit():
        require(Permission.MANAGE_TOPICS)
        code = (form.code.data or "").strip().lower()
        if not TOPIC_CODE.match(code):
            form.code.errors = [_("Use lowercase letters without accents, digits and “-”.")]
        elif session.scalar(select(Topic).where(Topic.code == code)):
            form.code.errors = [_("This code is already used.")]
        else:
            session.add(Topic(code=code, name=nfc(form.name.data or "").strip()))
            session.commit()
            return redirect(url_for("lexicon.topics"))
    rows = session.scalars(select(Topic).order_by(Topic.name)).all()
    status = 422 if form.errors else 200
    return render_template("library/topics.html", form=form, topics=rows), status
