"""The JSON API under /api/v1: OpenAPI document, bearer tokens, problem details."""

from flask import Flask, render_template
from flask_smorest import Api

from radio.api import (
    announcements,
    campaigns,
    confirmations,
    delivery,
    heartbeat,
    links,
    playlists,
    reports,
    segments,
    stations,
    templates,
)
from radio.extensions import csrf


class LoaxaApi(Api):  # type: ignore[misc]
    def _register_error_handlers(self) -> None:
        """Leave errors to radio.errors, which answers problem details under /api/."""


def init_app(app: Flask) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {"security": [{"bearerAuth": []}]})
    api = LoaxaApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in (
        stations.bp,
        segments.bp,
        playlists.bp,
        delivery.bp,
        links.bp,
        templates.bp,
        campaigns.bp,
        announcements.bp,
        confirmations.bp,
        heartbeat.bp,
        reports.bp,
    ):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)

    @app.get("/api/v1/docs")
    def api_docs() -> str:
        return render_template("api/docs.html", spec=api.spec.to_dict())
