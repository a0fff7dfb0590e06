"""Unit import of a national-size tree against a raw bulk INSERT of the same rows.

63 provinces × 10 districts × 16 communes (10,773 units, about the size of Vietnam's
pre-2025 tree) into a fresh, migrated SQLite database.
"""

import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from audio_library.db import make_engine
from bench.common import best_of, report
from radio import create_app, db
from scheduler.unit_import import import_units

PROVINCES, DISTRICTS, COMMUNES = 63, 10, 16


def national_csv() -> bytes:
    lines = ["code,name,tier,parent_code"]
    for p in range(1, PROVINCES + 1):
        lines.append(f"{p:02d},Tỉnh Số {p},province,")
        for d in range(1, DISTRICTS + 1):
            district = f"{p:02d}{d:02d}"
            lines.append(f"{district},Huyện Số {d} tỉnh {p},district,{p:02d}")
            lines += [
                f"{district}{c:02d},Xã Số {c} huyện {d},commune,{district}"
                for c in range(1, COMMUNES + 1)
            ]
    return ("\n".join(lines) + "\n").encode()


def fresh_database() -> str:
    folder = Path(tempfile.mkdtemp(prefix="loaxa-bench-"))
    url = f"sqlite:///{folder / 'radio.db'}"
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder)})
    with app.app_context():
        db.upgrade()
        db.engine().dispose()
    return url


def ours(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        import_units(session, DATA)
        session.commit()
    engine.dispose()


def baseline(url: str) -> None:
    """What a hand-written loader would do: one executemany, paths left empty."""
    rows = [line.split(",") for line in DATA.decode().splitlines()[1:]]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit (code, tree, name, tier, path, created_at) "
                "VALUES (:code, :tree, :name, :tier, '', CURRENT_TIMESTAMP)"
            ),
            [{"code": r[0], "tree": r[0][:2], "name": r[1], "tier": r[2]} for r in rows],
        )
    engine.dispose()


DATA = national_csv()


def main() -> None:
    figures = {
        "import_units_s": best_of(3, fresh_database, ours),
        "raw_insert_s": best_of(3, fresh_database, baseline),
    }
    figures["units"] = len(DATA.splitlines()) - 1
    report("unit_import", figures, ("import_units_s", "raw_insert_s"))
