"""Daily digests for auditors and admins: the list of their area's digests, and one digest."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from radio.airings.chain import stations_under
from radio.airings.digest import silent_agents
from radio.airings.follow_up import Digest, unconfirmed_sessions
from radio.db import get_session
from radio.digest_mail import FIGURE_LABELS
from radio.people import User
from radio.policy import Permission, can, require, sees_whole_tree
from scheduler.units import Unit, path_names

bp = Blueprint("digests", __name__, url_prefix="/digests")

PAGE_SIZE = 50


def digests_in_scope(user: User) -> Select[tuple[Digest]]:
    query = select(Digest).join(Unit, Unit.id == Digest.unit_id)
    if user.unit is not None:
        query = query.where(Unit.path.startswith(user.unit.path, autoescape=True))
    return query.order_by(Digest.day.desc(), Unit.path)


def latest_digest(user: User) -> Digest | None:
    """The newest digest of the user's area, for their dashboard (None if not an auditor)."""
    if not can(user, Permission.VIEW_AUDIT):
        return None
    return get_session().scalar(digests_in_scope(user).limit(1))


@bp.get("")
@login_required
def index() -> str:
    require(Permission.VIEW_AUDIT)
    session = get_session()
    page = max(1, request.args.get("page", 1, type=int))
    query = digests_in_scope(current_user).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    digests = session.scalars(query).all()
    units = [session.get_one(Unit, d.unit_id) for d in digests]
    return render_template(
        "digest/index.html",
        digests=digests[:PAGE_SIZE],
        paths=path_names(session, units),
        page=page,
        has_more=len(digests) > PAGE_SIZE,
    )


@bp.get("/<int:digest_id>")
@login_required
def show(digest_id: int) -> str:
    require(Permission.VIEW_AUDIT)
    session = get_session()
    digest = session.get(Digest, digest_id)
    if digest is None:
        abort(404 if sees_whole_tree(current_user) else 403)
    unit = session.get_one(Unit, digest.unit_id)
    require(Permission.VIEW_AUDIT, unit)
    stations = {s.id: s for s in stations_under(session, unit) if s.active}
    still = unconfirmed_sessions(session, list(stations), digest.day, digest.day)
    return render_template(
        "digest/show.html",
        digest=digest,
        unit=unit,
        path=path_names(session, [unit])[unit.id],
        figures=digest.figures,
        labels=FIGURE_LABELS,
        still_unconfirmed=still,
        stations=stations,
        agents=silent_agents(digest.figures),
    )
