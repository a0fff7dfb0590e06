"""Extract Vietnamese administrative units into our own CSV data files.

Development-time tool only. The facts (official codes and names) come from the
PyPI package ``vietnam-provinces``, which is GPL-licensed, so the application
must never import it at run time: this script copies the few facts we need into
``radio/data/units/*.csv`` once, and those CSV files are what the app reads.

Produces:

* ``dak-nong-2021.csv`` -- Tỉnh Đắk Nông before the 2025 reform (legacy data):
  province -> district-level units -> communes (xã, phường, thị trấn).
* ``lam-dong-2025.csv`` -- Tỉnh Lâm Đồng after 1 July 2025 (two-tier system):
  province -> communes (xã, phường, đặc khu), no district level.

Columns: ``code,name,tier,parent_code``; ``tier`` is province, district or
commune; codes are the zero-padded strings the package uses in its enum names
(``P_67`` -> ``67``, ``D_660`` -> ``660``, ``W_24610`` -> ``24610``).

How to run (needs Python >= 3.12, the package's own requirement)::

    mkdir -p /tmp/vp && cd /tmp/vp
    python3.13 -m pip download --no-deps --only-binary=:all: vietnam-provinces -d .
    unzip -q vietnam_provinces-*.whl -d wheel
    cd REPO && python3.13 tools/extract_units.py /tmp/vp/wheel [--out-dir DIR]

The wheel directory is put on ``sys.path`` only for the duration of this run;
nothing is installed.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from enum import IntEnum
    from types import ModuleType

HEADER = ("code", "name", "tier", "parent_code")
DAK_NONG_LEGACY_CODE = 67
LAM_DONG_CODE = 68
DEFAULT_OUT_DIR = Path(__file__).resolve().parent.parent / "radio" / "data" / "units"

Row = tuple[str, str, str, str]


class Unit(Protocol):
    """What we read from a package unit (Province, District or Ward)."""

    @property
    def code(self) -> IntEnum:
        """Official code, as an enum member such as ``P_67``."""

    @property
    def name(self) -> str:
        """Full name including the unit type, e.g. ``Tỉnh Đắk Nông``."""


def code_str(code: IntEnum) -> str:
    """Return the official code as the package spells it (``P_01`` -> ``01``)."""
    _prefix, _sep, digits = code.name.partition("_")
    if not digits.isdigit() or int(digits) != code.value:
        msg = f"Unexpected code enum member {code.name}={code.value}"
        raise ValueError(msg)
    return digits


def nfc(text: str) -> str:
    """Normalise text to NFC."""
    return unicodedata.normalize("NFC", text)


def row(unit: Unit, tier: str, parent: IntEnum | None) -> Row:
    """Build one CSV row from a package unit object."""
    parent_code = "" if parent is None else code_str(parent)
    return (code_str(unit.code), nfc(unit.name), tier, parent_code)


def dak_nong_2021_rows(legacy: ModuleType) -> list[Row]:
    """Tỉnh Đắk Nông with its districts and communes, from the legacy data."""
    province = legacy.Province.from_code(legacy.ProvinceCode(DAK_NONG_LEGACY_CODE))
    rows = [row(province, "province", None)]
    districts = sorted(legacy.District.iter_by_province(province.code), key=lambda d: d.code)
    for district in districts:
        rows.append(row(district, "district", province.code))
        wards = sorted(legacy.Ward.iter_by_district(district.code), key=lambda w: w.code)
        rows.extend(row(ward, "commune", district.code) for ward in wards)
    return rows


def lam_dong_2025_rows(current: ModuleType) -> list[Row]:
    """Tỉnh Lâm Đồng with its communes, from the current two-tier data."""
    province = current.Province.from_code(current.ProvinceCode(LAM_DONG_CODE))
    wards = sorted(current.Ward.iter_by_province(province.code), key=lambda w: w.code)
    return [
        row(province, "province", None),
        *(row(ward, "commune", province.code) for ward in wards),
    ]


def check(rows: list[Row]) -> None:
    """Fail loudly on duplicate codes, orphans, or non-NFC text."""
    seen: set[str] = set()
    for code, name, tier, parent_code in rows:
        if code in seen:
            msg = f"Duplicate code {code}"
            raise ValueError(msg)
        if (tier == "province") != (parent_code == "") or (parent_code and parent_code not in seen):
            msg = f"Bad parent for {code} {name}: {parent_code!r}"
            raise ValueError(msg)
        if not all(
            unicodedata.is_normalized("NFC", field) for field in (code, name, tier, parent_code)
        ):
            msg = f"Text not NFC in row {code}"
            raise ValueError(msg)
        seen.add(code)


def write_csv(path: Path, rows: list[Row]) -> None:
    """Write rows as UTF-8 (no BOM) CSV with LF line endings."""
    check(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    sys.stdout.write(f"{path}: {len(rows)} rows\n")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and write both CSV files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "wheel_dir", type=Path, help="directory of the unpacked vietnam-provinces wheel"
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help="where to write the CSV files",
    )
    args = parser.parse_args(argv)
    if sys.version_info < (3, 12):
        parser.error("vietnam-provinces needs Python >= 3.12")
    if not (args.wheel_dir / "vietnam_provinces").is_dir():
        parser.error(f"{args.wheel_dir} does not contain vietnam_provinces/")

    sys.path.insert(0, str(args.wheel_dir.resolve()))
    current = importlib.import_module("vietnam_provinces")
    legacy = importlib.import_module("vietnam_provinces.legacy")
    write_csv(args.out_dir / "dak-nong-2021.csv", dak_nong_2021_rows(legacy))
    write_csv(args.out_dir / "lam-dong-2025.csv", lam_dong_2025_rows(current))


if __name__ == "__main__":
    main()
