"""People: list, create and edit users, their role, scope and password."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from audio_library.db import nfc
from radio.audit_trail import log_change
from radio.db import get_session
from radio.forms import Form
from radio.messages import ROLE_LABELS, USER
from radio.people import Role, User, UserError, save_user
from radio.policy import (
    Permission,
    can,
    require,
    sees_whole_tree,
    stations_in_scope,
    units_in_scope,
    users_in_scope,
)
from scheduler.units import Station, Unit, path_names

bp = Blueprint("users", __name__, url_prefix="/users")

WHOLE_SYSTEM = 0
# Enough to catch a slip of the keyboard; the mail server has the last word.
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+\Z"


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    email = StringField(
        _l("E-mail (for the daily digest)"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            Optional(),
            Length(max=200),
            Regexp(EMAIL, message=_l("Write an e-mail address such as ten@example.vn.")),
        ],
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    unit_id = SelectField(_l("Unit (scope)"), coerce=int)
    station_id = SelectField(_l("Station (operators only)"), coerce=int)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)])
    active = BooleanField(_l("Active"), default=True)


@bp.get("")
@login_required
def index() -> str:
    require(Permission.MANAGE_USERS)
    session = get_session()
    users = session.scalars(users_in_scope(current_user).order_by(User.username)).all()
    units = [u.unit for u in users if u.unit is not None]
    return render_template("users/index.html", users=users, paths=path_names(session, units))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    require(Permission.MANAGE_USERS)
    return _edit(User(active=True, password_hash=""), new=True)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int) -> Response | str | tuple[str, int]:
    user = get_session().get(User, user_id)
    if user is None:
        require(Permission.MANAGE_USERS)
        abort(404 if sees_whole_tree(current_user) else 403)
    require(Permission.MANAGE_USERS, user)
    return _edit(user, new=False)


def _edit(user: User, *, new: bool) -> Response | str | tuple[str, int]:
    session = get_session()
    form = UserForm(obj=user, unit_id=user.unit_id or WHOLE_SYSTEM, station_id=user.station_id or 0)
    units = session.scalars(units_in_scope(current_user).order_by(Unit.path)).all()
    paths = path_names(session, list(units))
    form.unit_id.choices = [SelectChoice(u.id, paths[u.id]) for u in units]
    if current_user.unit is None:
        form.unit_id.choices.insert(0, SelectChoice(WHOLE_SYSTEM, _("Whole system")))
    stations = session.scalars(stations_in_scope(current_user).order_by(Station.code)).all()
    form.station_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(s.id, f"{s.code} — {s.name}") for s in stations
    ]
    if new:
        form.password.validators = [DataRequired(), Length(max=200)]
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("users/edit.html", form=form, user=user, new=new), status
    action = "user.updated" if user.id else "user.created"
    try:
        user.username = form.username.data or ""
        user.full_name = form.full_name.data or ""
        user.email = nfc(form.email.data or "")
        user.active = bool(form.active.data) or user is current_user
        save_user(
            session,
            user,
            role=Role(form.role.data),
            unit=session.get(Unit, form.unit_id.data) if form.unit_id.data else None,
            station=session.get(Station, form.station_id.data) if form.station_id.data else None,
            password=form.password.data or None,
        )
    except UserError as exc:
        session.rollback()
        form.form_errors.append(str(USER[exc.kind]))
        return render_template("users/edit.html", form=form, user=user, new=new), 422
    if not can(current_user, Permission.MANAGE_USERS, user):
        session.rollback()
        form.form_errors.append(str(USER["unit_required"]))
        return render_template("users/edit.html", form=form, user=user, new=new), 422
    details = {"role": user.role, "active": user.active}
    log_change(action, user.id, user.username, unit_id=user.unit_id, details=details)
    session.commit()
    flash(_("User %(name)s has been saved.", name=user.username), "success")
    return redirect(url_for("users.index"))
