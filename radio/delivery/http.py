"""HTTP caching for what stations fetch: validators, 304s and Cache-Control.

Playlists change version by version, so clients revalidate each time (no-cache) and get
a 304 while the version is the same. Audio files never change under their sha256, so
they are cached for good. A session's pre-mix keeps one URL while its content may change
with a new version, so it is revalidated against the ETag of its content.
"""

import hashlib
from pathlib import Path

from flask import Response, request, send_file
from flask_babel import get_locale

REVALIDATE = "private, no-cache"
FOREVER = "private, max-age=31536000, immutable"


def document_etag(*parts: object) -> str:
    """A validator for a generated document: its inputs and the reader's language."""
    text = "\x1f".join(str(p) for p in (*parts, get_locale()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def not_modified(etag: str) -> Response | None:
    """The 304 answer when the client already holds this version."""
    if not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304)
    return revalidated(response, etag)


def revalidated(response: Response, etag: str) -> Response:
    # Weak: the bytes differ with gzip and with link expiry times, the content does not.
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = REVALIDATE
    response.vary.update(("Accept-Language", "Cookie", "Authorization"))
    return response


def send_audio(path: Path, etag: str, name: str, *, cache: str = FOREVER) -> Response:
    """An MP3 with a strong validator and byte ranges (players seek and resume with them)."""
    response = send_file(
        path,
        mimetype="audio/mpeg",
        conditional=True,
        etag=etag,
        download_name=name,
        as_attachment=bool(request.args.get("download")),
    )
    response.headers["Cache-Control"] = cache
    return response
