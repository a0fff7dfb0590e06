"""Load a unit tree from CSV (code,name,tier,parent_code), all rows or none."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.db import nfc
from scheduler.units import Tier, Unit, move_unit

COLUMNS = ("code", "name", "tier", "parent_code")


@dataclass(frozen=True)
class Problem:
    """One reason a file was refused: `kind` names it, the UI words it."""

    line: int
    kind: str
    value: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units: list[Unit] = field(default_factory=list)


class UnitImportError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the units file")
        self.problems = problems


def read_rows(data: bytes) -> list[dict[str, str]]:
    """Decode UTF-8 (with or without BOM) CSV into NFC rows, or raise UnitImportError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnitImportError([Problem(_line_of(data, exc.start), "encoding")]) from exc
    reader = csv.DictReader(io.StringIO(nfc(text)))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UnitImportError([Problem(1, "columns", ", ".join(missing))])
    return [{k: (row.get(k) or "").strip() for k in COLUMNS} for row in reader]


def import_units(session: Session, data: bytes) -> ImportResult:
    """Create or update the units in the file; raise UnitImportError and add nothing on error."""
    rows = read_rows(data)
    problems = _check(rows)
    if problems:
        raise UnitImportError(problems)
    stored = _stored_by_code(session, {r["code"] for r in rows} | {r["parent_code"] for r in rows})
    result = ImportResult()
    in_file: dict[str, Unit] = {}
    created: list[tuple[Unit, Unit | None]] = []
    moved: list[tuple[int, Unit, Unit | None]] = []
    for line, row in enumerate(rows, start=2):
        parent = in_file.get(row["parent_code"]) or _stored_parent(line, row, stored)
        tree = parent.tree if parent else row["code"]
        unit = next((u for u in stored.get(row["code"], []) if u.tree == tree), None)
        if unit is None:
            unit = Unit(code=row["code"], name=row["name"], tier=row["tier"], tree=tree, path="")
            created.append((unit, parent))
            result.created += 1
        elif (unit.name, unit.tier, unit.parent_id) == (
            row["name"],
            row["tier"],
            parent.id if parent else None,
        ):
            result.unchanged += 1
        else:
            if unit.parent_id != (parent.id if parent else None):
                moved.append((line, unit, parent))
            unit.name, unit.tier = row["name"], Tier(row["tier"])
            result.updated += 1
        in_file[row["code"]] = unit
        result.units.append(unit)
    _insert_generations(session, created)
    for line, unit, parent in moved:  # after the inserts: a new parent has its path now
        if parent is not None and parent.path.startswith(unit.path):
            raise UnitImportError([Problem(line, "cycle", unit.code)])
        move_unit(session, unit, parent)
    session.flush()
    return result


def _insert_generations(session: Session, created: list[tuple[Unit, Unit | None]]) -> None:
    """Insert new units a generation at a time: a path needs the parent's id and path.

    Setting parent_id rather than the relationship keeps the flush to plain batched
    INSERTs; a national tree takes three or four flushes instead of one per unit.
    """
    pending = created
    while pending:
        ready = [(u, p) for u, p in pending if p is None or p.id is not None]
        for unit, parent in ready:
            unit.parent_id = parent.id if parent else None
        session.add_all(unit for unit, _ in ready)
        session.flush()
        for unit, parent in ready:
            unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        pending = [(u, p) for u, p in pending if u.id is None]


def _stored_by_code(session: Session, codes: set[str]) -> dict[str, list[Unit]]:
    """Stored units with any of these codes, in one query per 500 codes."""
    found: dict[str, list[Unit]] = {}
    ordered = sorted(c for c in codes if c)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for unit in session.scalars(select(Unit).where(Unit.code.in_(chunk))):
            found.setdefault(unit.code, []).append(unit)
    return found


def _stored_parent(line: int, row: dict[str, str], stored: dict[str, list[Unit]]) -> Unit | None:
    if not row["parent_code"]:
        return None
    matches = stored.get(row["parent_code"], [])
    if len(matches) != 1:
        kind = "missing_parent" if not matches else "ambiguous_parent"
        raise UnitImportError([Problem(line, kind, row["parent_code"])])
    return matches[0]


def _check(rows: list[dict[str, str]]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    tiers = {t.value for t in Tier}
    if not rows:
        problems.append(Problem(1, "empty"))
    for line, row in enumerate(rows, start=2):
        if not row["code"]:
            problems.append(Problem(line, "no_code"))
        elif row["code"] in seen:
            problems.append(Problem(line, "duplicate_code", row["code"]))
        if not row["name"]:
            problems.append(Problem(line, "no_name"))
        if row["tier"] not in tiers:
            problems.append(Problem(line, "bad_tier", row["tier"]))
        if row["parent_code"] == row["code"]:
            problems.append(Problem(line, "own_parent", row["code"]))
        seen.add(row["code"])
    return problems


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1
