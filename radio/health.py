"""Liveness and Prometheus metrics."""

import time

from flask import Blueprint, Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import select, text

from radio.db import get_session
from scheduler.jobs import SchedulerBeat

bp = Blueprint("health", __name__)

REQUESTS = Counter(
    "loaxa_http_requests_total", "HTTP requests served", ["method", "endpoint", "status"]
)
LATENCY = Histogram("loaxa_http_request_seconds", "Time to serve a request", ["endpoint"])


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Answer 200 when the database answers, 503 otherwise."""
    session = get_session()
    try:
        session.execute(text("SELECT 1"))
        beat = session.scalar(select(SchedulerBeat.beat_at).order_by(SchedulerBeat.beat_at.desc()))
    except Exception:  # any database failure means not healthy
        return jsonify(status="error", database="unreachable"), 503
    scheduler = beat.isoformat() if beat else None
    return jsonify(status="ok", database="ok", scheduler_last_beat=scheduler), 200


@bp.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if "request_started" in g:
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.request_started)
        return response
