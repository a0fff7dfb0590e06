"""The real app as gunicorn serves it for bench/playlist_http.py, plus one static file.

`gunicorn bench.http_app:app`; configured by the environment like production (DATABASE_URL,
RADIO_DATA_DIR, SECRET_KEY). BENCH_STATIC_DIR is the folder /bench-static/<name> serves,
the baseline the playlist JSON is measured against: same server, same app, same hooks.
"""

import os

from flask import Response, send_from_directory

from radio import create_app

STATIC_DIR = os.environ["BENCH_STATIC_DIR"]

app = create_app()


def static_file(name: str) -> Response:
    return send_from_directory(STATIC_DIR, name)


app.add_url_rule("/bench-static/<path:name>", "bench_static", static_file)
