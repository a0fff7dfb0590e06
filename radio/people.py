"""People: users, their role and where in the unit tree they act."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from audio_library.db import Base, nfc, utcnow
from scheduler.units import Station, Unit

MIN_PASSWORD_LENGTH = 8


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    EDITOR = "editor"
    APPROVER = "approver"
    AUDITOR = "auditor"
    OPERATOR = "operator"


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")  # for the daily digest
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(String(20))
    # No unit means the whole system: only an admin may be scoped so.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
    station: Mapped[Station | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class UserError(ValueError):
    """A user cannot be saved as given; `kind` names why for the UI."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def normalise_username(username: str) -> str:
    return nfc(username).strip().lower()


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(
        select(User).where(func.lower(User.username) == normalise_username(username))
    )


def save_user(
    session: Session,
    user: User,
    *,
    role: Role,
    unit: Unit | None,
    station: Station | None,
    password: str | None,
) -> User:
    """Validate and store a new or changed user; operators are bound to one station."""
    user.username = normalise_username(user.username)
    user.full_name = nfc(user.full_name or "").strip()
    if not user.username:
        raise UserError("no_username")
    other = find_user(session, user.username)
    if other is not None and other is not user:
        raise UserError("username_taken")
    if role is Role.OPERATOR:
        if station is None:
            raise UserError("operator_needs_station")
        unit = station.unit
    else:
        station = None
    if unit is None and role is not Role.ADMIN:
        raise UserError("unit_required")
    if password is not None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError("password_short")
        user.set_password(password)
    elif not user.password_hash:
        raise UserError("password_short")
    user.role, user.unit, user.station = role, unit, station
    session.add(user)
    session.flush()
    return user
