"""The operator's checklist: confirm what a station aired, in two taps, on a phone.

One page per station-day. "The whole session aired" records every item still
unconfirmed; an item that did not air (or only in part) is reported on its own, as a
correction when the session was already confirmed; unplanned airings have a form of
their own. Each form carries a key made when the page was drawn, so a double tap or a
resent form is answered "already recorded" and never counts twice.
"""

import math
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import FloatField, HiddenField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import NumberInput

from audio_library.db import utcnow
from audio_library.segments import Topic
from radio.airing_messages import (
    REASON_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    UNPLANNED_LABELS,
    entry_error,
)
from radio.airings.checklist import Checklist, Sheet, checklist, exception, whole_session
from radio.airings.intake import Actor, Entry, Outcome, Result, Rules, accept
from radio.airings.records import NotAiredReason, Source, Status, UnplannedKind
from radio.db import get_session
from radio.forms import Form
from radio.people import User
from radio.playlist_docs import readable_days
from radio.policy import Permission, station_or_403
from radio.schedule_messages import minutes_seconds
from radio.views.playlists import clock, parse_day
from scheduler.build_job import today_in
from scheduler.units import Station

bp = Blueprint("confirm", __name__)

KEY = re.compile(r"[0-9a-f]{32}")  # a form's key: uuid4 hex


class UnplannedForm(Form):
    key = HiddenField()
    kind = SelectField(
        _l("What aired"),
        choices=[SelectChoice(k.value, label) for k, label in UNPLANNED_LABELS.items()],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    topic = SelectField(
        _l("Topic"),
        coerce=lambda value: int(value) if value else None,
        validators=[DataRequired(_l("Choose a topic."))],
    )
    start = TimeField(_l("Started at (hh:mm)"), validators=[InputRequired()])
    minutes = FloatField(
        _l("Length (minutes)"),
        widget=NumberInput(step="any", min=0),
        validators=[InputRequired(), NumberRange(min=0.1, max=24 * 60)],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        topics = get_session().scalars(select(Topic).order_by(Topic.name))
        self.topic.choices = [SelectChoice("", "—")] + [SelectChoice(t.id, t.name) for t in topics]
        if not self.key.data:
            self.key.data = uuid.uuid4().hex


def _window() -> timedelta:
    return timedelta(days=current_app.config["CONFIRM_WINDOW_DAYS"])


def _rules() -> Rules:
    return Rules(grace=timedelta(hours=current_app.config["CONFIRM_GRACE_HOURS"]), window=_window())


def _station_and_day(code: str) -> tuple[Station, date]:
    station = station_or_403(code, Permission.CONFIRM_AIRING)
    day = today_in(station.timezone)
    if request.args.get("day"):
        day = parse_day(request.args["day"])
    first, last = readable_days(station.timezone)
    if not first <= day <= last:
        abort(
            400,
            _(
                "This page shows the days from %(first)s to %(last)s.",
                first=format_date(first),
                last=format_date(last),
            ),
        )
    return station, day


@bp.get("/stations/<code>/confirm")
@login_required
def page(code: str) -> str:
    station, day = _station_and_day(code)
    return _page(station, day, UnplannedForm(formdata=None))


def _page(station: Station, day: date, form: UnplannedForm) -> str:
    now, window, zone = utcnow(), _window(), ZoneInfo(station.timezone)
    sheets = checklist(get_session(), station.id, day)
    today = today_in(station.timezone)
    return render_template(
        "confirm/page.html",
        station=station,
        day=day,
        today=today,
        days=[today - timedelta(days=n) for n in range(window.days + 1)],
        checklist=sheets,
        names=_names(sheets),
        now=now,
        old={s.session.number for s in sheets.sheets if s.too_old(now, window)},
        window_days=window.days,
        hhmm=clock(zone),
        received=clock(zone, "%H:%M %d/%m"),
        form=form,
        topics={choice.value: choice.label for choice in form.topic.choices},
        new_key=lambda: uuid.uuid4().hex,
        mmss=minutes_seconds,
        status_labels=STATUS_LABELS,
        airing_reasons=REASON_LABELS,
        airing_sources=SOURCE_LABELS,
        unplanned_labels=UNPLANNED_LABELS,
        entry_error=entry_error,
    )


def _names(sheets: Checklist) -> dict[int, str]:
    """Who made each report shown, by user id."""
    records = [line.record for s in sheets.sheets for line in s.lines] + sheets.unplanned
    ids = {r.user_id for r in records if r is not None and r.user_id is not None}
    if not ids:
        return {}
    return dict(get_session().execute(select(User.id, User.username).where(User.id.in_(ids))).all())


@bp.post("/stations/<code>/confirm")
@login_required
def record(code: str) -> Response | tuple[str, int]:
    station, day = _station_and_day(code)
    key = request.form.get("key", "")
    if not KEY.fullmatch(key):
        abort(400)  # the page always sends one; only a forged form lacks it
    kind = request.form.get("form")
    if kind == "unplanned":
        return _unplanned(station, day, key)
    if kind not in ("session", "item"):
        abort(400)
    sheets = checklist(get_session(), station.id, day)
    entries, anchor = _session(sheets, key) if kind == "session" else _exception(sheets, key)
    if entries:
        _report(_accept(station, entries))
    return redirect(url_for(".page", code=station.code, day=day.isoformat(), _anchor=anchor))


def _session(sheets: Checklist, key: str) -> tuple[list[Entry], str]:
    """The "whole session aired" button: its entries, and where the page goes back to."""
    sheet = sheets.sheet(request.form.get("number", -1, type=int))
    if sheet is None:
        abort(400)
    anchor = f"session-{sheet.session.number}"
    if not _started(sheet):
        return [], anchor
    entries = whole_session(sheet, key, utcnow())
    if not entries:
        flash(
            _("Nothing to record: every item of this session that has ended is confirmed."),
            "info",
        )
    return entries, anchor


def _exception(sheets: Checklist, key: str) -> tuple[list[Entry], str]:
    """One item's report as posted (nothing, with the reason flashed, when it is unusable)."""
    item_id = request.form.get("item_id", -1, type=int)
    anchor, found = f"item-{item_id}", sheets.find(item_id)
    if found is None:
        flash(entry_error("no_item", {"item": item_id}), "error")
        return [], anchor
    sheet, line = found
    if not _started(sheet):
        return [], anchor
    try:
        status = Status(request.form.get("status", ""))
        reason = NotAiredReason(request.form["reason"]) if request.form.get("reason") else None
    except ValueError:
        abort(400)
    seconds = 0
    if status == Status.PARTLY_AIRED:
        minutes = request.form.get("minutes", type=float)
        seconds = round(minutes * 60) if minutes is not None and math.isfinite(minutes) else 0
        if not 0 < seconds <= math.ceil(line.item.duration):
            flash(
                _(
                    "Say how many minutes aired: more than 0 and at most the item's "
                    "length (%(length)s).",
                    length=minutes_seconds(line.item.duration),
                ),
                "error",
            )
            return [], anchor
    note = request.form.get("note", "")
    return [exception(line, key, status, reason, note, seconds)], anchor


def _started(sheet: Sheet) -> bool:
    """A session not started is refused here, before its planned times look like a wrong
    clock to the intake (which checks those first)."""
    if sheet.started(utcnow()):
        return True
    flash(entry_error("not_started", {"start": sheet.starts}), "error")
    return False


def _unplanned(station: Station, day: date, key: str) -> Response | tuple[str, int]:
    form = UnplannedForm()
    if not form.validate():
        return _page(station, day, form), 422
    started = datetime.combine(day, form.start.data, ZoneInfo(station.timezone))
    seconds = round(form.minutes.data * 60)
    if started > utcnow():
        form.start.errors = [_("This time has not come yet.")]
        return _page(station, day, form), 422
    entry = Entry(
        client_key=key,
        status=Status.AIRED,
        started_at=started,
        ended_at=started + timedelta(seconds=seconds),
        unplanned_kind=UnplannedKind(form.kind.data),
        title=form.title.data,
        topic_id=form.topic.data,
        seconds=seconds,
    )
    if not _report(_accept(station, [entry])):
        return _page(station, day, form), 422
    return redirect(url_for(".page", code=station.code, day=day.isoformat(), _anchor="unplanned"))


def _accept(station: Station, entries: list[Entry]) -> list[Result]:
    actor = Actor(Source.PAGE, user_id=current_user.id, remote_addr=request.remote_addr or "")
    return accept(get_session(), station, entries, actor, _rules())


def _report(results: list[Result]) -> bool:
    """Flash what was recorded, what already was, and why anything was refused."""
    created = [r for r in results if r.outcome == Outcome.CREATED]
    duplicates = sum(r.outcome == Outcome.DUPLICATE for r in results)
    late = sum(bool(r.record and r.record.late) for r in created)
    if created:
        flash(_("Items recorded: %(n)s.", n=len(created)), "success")
    if late:
        hours = current_app.config["CONFIRM_GRACE_HOURS"]
        flash(
            _(
                "%(n)s of them are marked late: they came more than %(hours)s hours "
                "after their session ended.",
                n=late,
                hours=hours,
            ),
            "info",
        )
    if duplicates:
        flash(_("Already recorded: %(n)s; nothing was counted twice.", n=duplicates), "info")
    refused = dict.fromkeys(
        entry_error(r.error, r.params) for r in results if r.outcome == Outcome.REJECTED
    )
    for message in refused:
        flash(message, "error")
    return not refused
