"""Language choice: Vietnamese by default, English on request, remembered in the session."""

from flask import Blueprint, current_app, has_request_context, redirect, request, session, url_for
from werkzeug.wrappers import Response

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


@bp.get("/lang/<code>")
def switch(code: str) -> Response:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.args.get("next", "")
    # Only same-site paths: an open redirect would let a link send people elsewhere.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("dashboard.index")
    return redirect(target)
