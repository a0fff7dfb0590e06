"""Alembic environment: the app's engine and the one shared metadata."""

from alembic import context

import radio.models  # noqa: F401  (registers every table on the metadata)
from audio_library.db import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
