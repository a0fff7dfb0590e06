"""Load a unit tree from CSV (code,name,tier,parent_code), all rows or none."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.db import nfc
from scheduler.units import Tier, Unit, set_parent, units_by_code

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
    result = ImportResult()
    in_file: dict[str, Unit] = {}
    for line, row in enumerate(rows, start=2):
        parent = in_file.get(row["parent_code"]) if row["parent_code"] else None
        if row["parent_code"] and parent is None:
            matches = units_by_code(session, row["parent_code"])
            if len(matches) != 1:
                kind = "missing_parent" if not matches else "ambiguous_parent"
                raise UnitImportError([Problem(line, kind, row["parent_code"])])
            parent = matches[0]
        tree = parent.tree if parent else row["code"]
        unit = session.scalar(select(Unit).where(Unit.tree == tree, Unit.code == row["code"]))
        if unit is None:
            unit = Unit(code=row["code"], name=row["name"], tier=row["tier"], tree=tree)
            session.add(unit)
            session.flush()
            result.created += 1
        elif (unit.name, unit.tier, unit.parent_id) == (
            row["name"],
            row["tier"],
            parent.id if parent else None,
        ):
            result.unchanged += 1
        else:
            unit.name, unit.tier = row["name"], Tier(row["tier"])
            result.updated += 1
        set_parent(unit, parent)
        in_file[row["code"]] = unit
        result.units.append(unit)
    session.flush()
    return result


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
