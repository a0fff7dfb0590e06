"""gzip for the text the API and pages send: playlists are read over slow mobile links."""

import gzip

from flask import Flask, Response, request

COMPRESSIBLE = {
    "application/json",
    "application/problem+json",
    "application/vnd.apple.mpegurl",
    "text/calendar",
    "text/html",
    "text/plain",
}
MIN_SIZE = 1024  # below this the gzip header costs more than it saves


def compress(response: Response) -> Response:
    if (
        response.mimetype not in COMPRESSIBLE
        or response.direct_passthrough
        or response.is_streamed
        or response.status_code != 200
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    data = response.get_data()
    if len(data) < MIN_SIZE or not request.accept_encodings["gzip"]:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # other bytes, same content
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
