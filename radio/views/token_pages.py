"""Issuing and revoking tokens from a page: shared by device and personal tokens."""

from flask import abort, flash, redirect, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length

from radio.audit_trail import log_change
from radio.db import get_session
from radio.forms import Form
from radio.people import User
from radio.tokens import AccessToken, issue_token, revoke_token
from scheduler.units import Station


class TokenForm(Form):
    label = StringField(_l("What is it for?"), validators=[Length(max=120)])


def issue_and_show(back: str, *, station: Station | None = None, user: User | None = None) -> str:
    """Issue a token for the owner from the posted form and show its text this once."""
    form = TokenForm()
    if not form.validate():
        abort(400)
    session = get_session()
    token, plain = issue_token(
        session, station=station, user=user, label=form.label.data or "", created_by=current_user
    )
    log_token_change("token.issued", token)
    session.commit()
    return render_template("tokens/shown_once.html", token=token, plain=plain, back=back)


def revoke_and_return(token_id: int, owner: Station | User, back: str, message: str) -> Response:
    """Revoke one of the owner's tokens; a token of anyone else is not found."""
    session = get_session()
    token = session.get(AccessToken, token_id)
    mine = token is not None and (
        token.station_id == owner.id if isinstance(owner, Station) else token.user_id == owner.id
    )
    if token is None or not mine:
        abort(404)
    revoke_token(token)
    log_token_change("token.revoked", token)
    session.commit()
    flash(message, "success")
    return redirect(back)


def log_token_change(action: str, token: AccessToken) -> None:
    """A token's trail entry: whose it is (a station or a person), never its secret."""
    owner: Station | User | None = token.station or token.user
    name = owner.code if isinstance(owner, Station) else owner.username if owner else ""
    log_change(
        action,
        token.id,
        f"{name} · {token.hint}… {token.label}".strip(),
        unit_id=owner.unit_id if owner else None,
    )
