"""Configuration: defaults, then instance/config.toml, then the environment."""

import os
import secrets
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask


def data_dir(test_config: dict[str, Any] | None) -> Path:
    """The folder for the database, audio and caches (`RADIO_DATA_DIR`, default ./instance)."""
    given = (test_config or {}).get("DATA_DIR") or os.environ.get("RADIO_DATA_DIR") or "instance"
    path = Path(given).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config; read at call time so tests need no environment tricks."""
    folder = Path(app.instance_path)
    app.config.from_mapping(
        DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'radio.db'}",
        REDIS_URL=None,
        TTS_ENGINES="gtts,espeak",
        TIMEZONE="Asia/Ho_Chi_Minh",
        BUILD_AT="02:00",  # when the nightly job builds the next days' playlists
        PLAYLIST_DAYS=7,
        LOCK_MINUTES=20,  # before a session starts, only an emergency may change it
        # A confirmation received later than this after its session ends is marked late,
        # and a session with none by then is flagged as unconfirmed.
        CONFIRM_GRACE_HOURS=2,
        CONFIRM_WINDOW_DAYS=7,  # how long the operator page still takes a confirmation
        # A station agent heard from longer ago than this is silent (it reports every ~2).
        AGENT_SILENT_MINUTES=15,
        # The auditors' daily digest goes out by e-mail when an SMTP server is named.
        SMTP_HOST=None,
        SMTP_PORT=25,
        SMTP_USER="",
        SMTP_PASSWORD="",
        SMTP_FROM="loaxa@localhost",
        SMTP_TLS=False,  # STARTTLS
        DEMO_PASSWORD="loaxa-demo",
        SECURE_COOKIES=False,
        LOGIN_MAX_FAILURES=5,
        LOGIN_IP_MAX_FAILURES=30,
        LOGIN_WINDOW_MINUTES=15,
        UPLOAD_MAX_MB=200,
        AUDIO_MAX_MINUTES=60,
        LOUDNESS_TARGET=-16.0,
        TRUE_PEAK_MAX=-1.0,
        HOUSE_BITRATE="128k",
        GTTS_URL=None,
        TTS_TIMEOUT=10.0,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        LANGUAGES=("vi", "en"),
        API_TITLE="Loa xã API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="loaxa_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    toml_file = folder / "config.toml"
    if toml_file.exists():
        app.config.from_file(str(toml_file), load=tomllib.load, text=False)
    app.config.from_prefixed_env("RADIO", loads=_env_value)
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    # A little above the upload limit: the form around the file counts too.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["UPLOAD_MAX_MB"] * 1024 * 1024) + 65536
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(
        app.config["SECURE_COOKIES"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret(folder / "secret_key")


def _env_value(value: str) -> Any:
    """Numbers and true/false become values; everything else stays text."""
    lowered = value.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    return int(value) if value.strip().isdigit() else value


def _persistent_secret(path: Path) -> str:
    """A random key kept in the data folder so sessions survive restarts."""
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
