"""The database binding: one engine per app, one session per request or command."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from audio_library.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["radio.engine"] = engine
    app.extensions["radio.sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["radio.engine"]  # type: ignore[no-any-return]


def session_factory() -> sessionmaker[Session]:
    return current_app.extensions["radio.sessions"]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The session of the current request, job or command."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session  # type: ignore[no-any-return]


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine()
    return config


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)
