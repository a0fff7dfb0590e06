"""Logging in and out, one's own password and personal API tokens."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from audio_library.db import utcnow
from radio.db import get_session
from radio.extensions import login_manager
from radio.forms import Form
from radio.login_guard import minutes_locked, record_attempt
from radio.people import MIN_PASSWORD_LENGTH, User, find_user, normalise_username
from radio.tokens import AccessToken
from radio.views.token_pages import TokenForm, issue_and_show, revoke_and_return

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class PasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new", message=_l("The two passwords differ."))],
    )


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    session = get_session()
    username = normalise_username(form.username.data or "")
    ip = request.remote_addr or "?"
    config = current_app.config
    wait = minutes_locked(
        session,
        username,
        ip,
        max_failures=config["LOGIN_MAX_FAILURES"],
        ip_max_failures=config["LOGIN_IP_MAX_FAILURES"],
        window=timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
    )
    if wait:
        flash(_("Too many failed logins. Try again in %(n)d minutes.", n=wait), "error")
        return render_template("auth/login.html", form=form), 429
    user = find_user(session, username)
    ok = user is not None and user.active and user.check_password(form.password.data or "")
    record_attempt(session, username, ip, ok)
    if not ok or user is None:
        session.commit()
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    user.last_login_at = utcnow()
    session.commit()
    login_user(user)
    return redirect(_safe_next() or url_for("dashboard.index"))


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Response | str:
    session = get_session()
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        if current_user.check_password(form.current.data or ""):
            current_user.set_password(form.new.data or "")
            session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
        form.current.errors = [_("The current password is wrong.")]
    tokens = session.scalars(
        select(AccessToken)
        .where(AccessToken.user_id == current_user.id)
        .order_by(AccessToken.created_at.desc())
    ).all()
    return render_template("auth/profile.html", form=form, token_form=TokenForm(), tokens=tokens)


@bp.post("/profile/tokens")
@login_required
def create_token() -> str:
    return issue_and_show(url_for("auth.profile"), user=current_user)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_own_token(token_id: int) -> Response:
    message = _("The token has been revoked.")
    return revoke_and_return(token_id, current_user, url_for("auth.profile"), message)
