"""Loa xã: the Flask application behind commune loudspeaker stations."""

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from radio import (
    api,
    auth,
    cli,
    compression,
    db,
    errors,
    health,
    i18n,
    messages,
    schedule_messages,
)
from radio.config import data_dir, load_config
from radio.extensions import babel, csrf, login_manager
from radio.views import (
    announcements,
    audit,
    broadcast,
    campaigns,
    changes,
    confirm,
    dashboard,
    digests,
    lexicon,
    library,
    playlists,
    session_templates,
    stations,
    tts,
    units,
    users,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions and blueprints only; nothing starts here."""
    app = Flask(__name__, instance_path=str(data_dir(test_config)), template_folder=str(TEMPLATES))
    load_config(app, test_config)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    errors.init_app(app)
    compression.init_app(app)
    health.init_app(app)
    api.init_app(app)

    for blueprint in (
        auth.bp,
        i18n.bp,
        health.bp,
        dashboard.bp,
        units.bp,
        stations.bp,
        users.bp,
        library.bp,
        tts.bp,
        lexicon.bp,
        session_templates.bp,
        playlists.bp,
        broadcast.bp,
        campaigns.bp,
        announcements.bp,
        confirm.bp,
        digests.bp,
        changes.bp,
        audit.bp,
    ):
        app.register_blueprint(blueprint)
    cli.init_app(app)

    messages.init_app(app)
    schedule_messages.init_app(app)
    return app
