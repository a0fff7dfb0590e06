"""Writing many rows at once: COPY on PostgreSQL, one executemany elsewhere.

A national build writes about a million playlist rows; row-by-row INSERTs would take
most of the build's time on PostgreSQL.
"""

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from audio_library.db import Base


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in the session's transaction."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    # Values go through the columns' own types first (e.g. UTC datetimes), as in an INSERT.
    binds = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    quoted = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    bind(row[name]) if bind else row[name]
                    for name, bind in zip(columns, binds, strict=True)
                ]
            )
