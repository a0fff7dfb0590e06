"""Error answers: a Vietnamese page for people, RFC 9457 problem details for the API."""

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header

TITLES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in."),
    403: _l("You do not have access to this."),
    404: _l("This page does not exist."),
    405: _l("This action is not allowed here."),
    409: _l("This conflicts with what is already stored."),
    413: _l("The file is too large."),
    416: _l("The requested part of the file does not exist."),
    422: _l("Some of the data is not valid."),
    429: _l("Too many attempts. Please wait and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}


def problem(status: int, detail: str | None = None, **extra: object) -> Response:
    """An RFC 9457 problem document."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": str(TITLES.get(status, TITLES[500])),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def range_detail(size: int) -> str:
    asked = request.headers.get("Range", "")
    parsed = parse_range_header(asked)
    if parsed is None or parsed.units != "bytes":
        return _(
            "The Range header “%(value)s” is not valid: write it as bytes=FIRST-LAST, "
            "for example bytes=0-1023.",
            value=asked,
        )
    return _("The file has %(size)s bytes: ask for a range inside it.", size=size)


def handle_http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    # Werkzeug's own descriptions are English; show only those we wrote.
    detail = error.description if "description" in vars(error) else None
    if isinstance(error, CSRFError):
        detail = _(
            "The form has expired or was not sent from this site. Reload the page and try again."
        )
    if isinstance(error, RequestedRangeNotSatisfiable) and error.length is not None:
        detail = range_detail(error.length)
    if request.path.startswith("/api/"):
        messages = getattr(error, "data", {}).get("messages")
        answer = problem(status, detail, errors=messages)
        # Allow, Content-Range and the like; the body's type is ours
        answer.headers.extend((k, v) for k, v in error.get_headers() if k != "Content-Type")
        return answer
    title = str(TITLES.get(status, TITLES[500]))
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
