"""The trail of people's changes, for admins and auditors, narrowed to their area."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, func, select, true

from radio.audit_trail import ACTION_LABELS, Change
from radio.db import get_session
from radio.people import User
from radio.policy import Permission, require
from radio.views.playlists import parse_day
from scheduler.units import Unit, path_names

bp = Blueprint("changes", __name__, url_prefix="/audit/changes")

PAGE_SIZE = 50


def changes_in_scope(user: User) -> ColumnElement[bool]:
    """Entries of the user's subtree; those of no unit only for the whole system's people."""
    if user.unit is None:
        return true()
    below = select(Unit.id).where(Unit.path.startswith(user.unit.path, autoescape=True))
    return Change.unit_id.in_(below)


def _local_start(text: str) -> datetime:
    """The start of a YYYY-MM-DD day in the deployment's zone (400 for a bad date)."""
    return datetime.combine(parse_day(text), time(0), ZoneInfo(current_app.config["TIMEZONE"]))


@bp.get("")
@login_required
def index() -> str:
    require(Permission.VIEW_AUDIT)
    session, args = get_session(), request.args
    scope = changes_in_scope(current_user)
    query = select(Change).where(scope)
    if person := args.get("person", "").strip():
        query = query.where(func.lower(Change.username) == person.lower())
    if action := args.get("action", ""):
        if action not in ACTION_LABELS:
            abort(400, _("Choose an action from the list."))
        query = query.where(Change.action == action)
    if first := args.get("from", "").strip():
        query = query.where(Change.at >= _local_start(first))
    if last := args.get("to", "").strip():
        query = query.where(Change.at < _local_start(last) + timedelta(days=1))
    page = max(1, args.get("page", 1, type=int))
    query = query.order_by(Change.at.desc(), Change.id.desc())
    rows = session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    units = session.scalars(select(Unit).where(Unit.id.in_({c.unit_id for c in rows}))).all()
    named = select(Change.username).where(scope, Change.username != "").distinct()
    people = session.scalars(named.order_by(Change.username)).all()
    return render_template(
        "changes/index.html",
        changes=rows[:PAGE_SIZE],
        paths=path_names(session, list(units)),
        people=people,
        page=page,
        has_more=len(rows) > PAGE_SIZE,
        args={k: v for k, v in args.items() if k != "page"},
        action_labels=ACTION_LABELS,
    )
