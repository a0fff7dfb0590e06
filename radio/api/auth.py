"""Who is calling the API: a station device, a person's token, or a logged-in session."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from radio.db import get_session
from radio.extensions import csrf, login_manager
from radio.people import User
from radio.policy import Permission, require, station_or_403
from radio.tokens import AccessToken, find_active_token
from scheduler.units import Station


@dataclass
class Device:
    """A station device authenticated by its token."""

    station: Station


def bearer_token() -> AccessToken | None:
    """The active token of this API request's Authorization header, if any."""
    if "bearer" not in g:
        scheme, _sep, plain = request.headers.get("Authorization", "").partition(" ")
        token = None
        if scheme.lower() == "bearer" and request.path.startswith("/api/"):
            token = find_active_token(get_session(), plain.strip())
            if token is not None and get_session().is_modified(token):
                get_session().commit()  # keeps last_used_at, which shows dead devices
        g.bearer = token
    return g.bearer  # type: ignore[no-any-return]


@login_manager.request_loader
def load_user_from_token(_request: object) -> User | None:
    """A personal token stands for its person for one API request, with no cookie."""
    token = bearer_token()
    if token is None or token.user is None or not token.user.active:
        return None
    return token.user


def authenticate() -> None:
    """Accept a bearer token (a station's or a person's) or a logged-in session."""
    if "Authorization" in request.headers:
        token = bearer_token()
        if token is None or not (token.station or current_user.is_authenticated):
            abort(401, description=_("The token is missing, wrong or revoked."))
        if token.station is not None:
            g.device = Device(token.station)
        return
    if not current_user.is_authenticated:
        abort(401, description=_("Log in or send a bearer token."))
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        csrf.protect()  # a session cookie alone must not be able to change anything


def api_station(code: str) -> Station:
    """The station a device or person may read through the API."""
    device: Device | None = g.get("device")
    if device is not None:
        if device.station.code != code:
            abort(403, description=_("This token belongs to another station."))
        return device.station
    return station_or_403(code)


def person() -> User:
    """The person behind this API request; devices are refused."""
    if g.get("device") is not None:
        abort(403, description=_("A station token cannot do this."))
    require(Permission.VIEW_STATIONS)
    return current_user  # type: ignore[no-any-return]


class ApiParser(FlaskParser):  # type: ignore[misc]
    """Adds "form_and_files": an upload's file and its fields, read as one multipart body."""

    def load_form_and_files(self, req: object, schema: object) -> MultiDictProxy:
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)  # type: ignore[attr-defined]

    __location_map__ = {**FlaskParser.__location_map__, "form_and_files": "load_form_and_files"}


class ApiBlueprint(SmorestBlueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = ApiParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }


def blueprint(
    name: str,
    import_name: str,
    description: str,
    shortcut: Callable[[], Response | None] | None = None,
) -> ApiBlueprint:
    """An API blueprint whose routes authenticate first; `shortcut` may answer before that."""
    bp = ApiBlueprint(name, import_name, url_prefix="/api/v1", description=description)
    if shortcut is not None:
        bp.before_request(shortcut)
    bp.before_request(authenticate)
    return bp
