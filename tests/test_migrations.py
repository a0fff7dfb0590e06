"""Alembic: the migrations build exactly the models' schema, and go down and up again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import radio.models  # noqa: F401
from audio_library.db import Base
from radio import db


def test_migrations_match_models(app):
    with app.app_context(), db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(app, runner):
    with app.app_context():
        command.downgrade(db.alembic_config(), "base")
        assert set(inspect(db.engine()).get_table_names()) <= {"alembic_version"}
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "station" in inspect(db.engine()).get_table_names()
