"""The unit tree (province, district, commune — any depth) and its stations."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, utcnow


def ids_of(path: str) -> tuple[int, ...]:
    """The unit ids of a path such as "/1/9/80/"."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


class Tier(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class StationKind(enum.StrEnum):
    WIRED = "wired"
    FM = "fm"
    IP = "ip"


class Unit(Base):
    """An administrative unit; `path` lists the ids from the root, e.g. "/1/9/80/"."""

    __tablename__ = "unit"
    # Official codes are reused across reforms (a 2025 commune may carry an old code),
    # so a code is unique within its tree (the root's code), not globally.
    __table_args__ = (UniqueConstraint("tree", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    tree: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[Tier] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.code")
    stations: Mapped[list["Station"]] = relationship(back_populates="unit", order_by="Station.code")

    @property
    def ids_from_root(self) -> tuple[int, ...]:
        """The ids on the path from the root down to this unit."""
        return ids_of(self.path)

    def contains(self, other: "Unit") -> bool:
        """Whether `other` is this unit or lies below it."""
        return other.path.startswith(self.path)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def __repr__(self) -> str:
        return f"<Unit {self.tree}:{self.code} {self.name}>"


class Station(Base):
    """A commune loudspeaker station (đài truyền thanh) and its clusters."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[StationKind] = mapped_column(String(10), default=StationKind.WIRED)
    clusters: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    contact: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="stations")

    def __repr__(self) -> str:
        return f"<Station {self.code}>"


def set_parent(unit: Unit, parent: Unit | None) -> None:
    """Attach a flushed unit under parent, keeping tree and path consistent."""
    unit.parent = parent
    unit.tree = parent.tree if parent else unit.code
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"


def move_unit(session: Session, unit: Unit, parent: Unit | None) -> None:
    """Put a stored unit under another parent, carrying its whole subtree along."""
    old_path = unit.path
    set_parent(unit, parent)
    below = select(Unit).where(Unit.path.startswith(old_path, autoescape=True), Unit.id != unit.id)
    for descendant in session.scalars(below):
        descendant.path = unit.path + descendant.path[len(old_path) :]
        descendant.tree = unit.tree


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """The units from the root down to and including `unit`, in one query."""
    ids = unit.ids_from_root
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def path_names(session: Session, units: list[Unit]) -> dict[int, str]:
    """Map unit id to a readable path such as "Tỉnh A › Huyện B › Xã C"."""
    ids = {i for u in units for i in u.ids_from_root}
    names = {i: n for i, n in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))}
    return {u.id: " › ".join(names[i] for i in u.ids_from_root) for u in units}


def units_by_code(session: Session, code: str) -> list[Unit]:
    """Units with this code; "TREE:CODE" picks one tree when a code is reused."""
    tree, _, bare = code.rpartition(":")
    query = select(Unit).where(Unit.code == bare.strip())
    if tree:
        query = query.where(Unit.tree == tree.strip())
    return list(session.scalars(query.order_by(Unit.tree)))
