"""Bearer tokens for station devices and for people, stored only as hashes."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, nfc, utcnow
from radio.people import User
from scheduler.units import Station

STATION_PREFIX = "lxs_"
PERSONAL_PREFIX = "lxp_"
# "Last used" is kept to the minute or so: a write on every device request would not scale.
USE_GRAIN = timedelta(minutes=1)


class AccessToken(Base):
    """A token acts either for one station (a device) or for one person."""

    __tablename__ = "access_token"
    __table_args__ = (
        CheckConstraint("(station_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(120), default="")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    station: Mapped[Station | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_digest(plain: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(plain.encode()).hexdigest()


def issue_token(
    session: Session,
    *,
    station: Station | None = None,
    user: User | None = None,
    label: str = "",
    created_by: User | None = None,
) -> tuple[AccessToken, str]:
    """Create a token for a station or a person; the plain text is returned only here."""
    prefix = STATION_PREFIX if station is not None else PERSONAL_PREFIX
    plain = prefix + secrets.token_urlsafe(32)
    token = AccessToken(
        digest=token_digest(plain),
        hint=plain[: len(prefix) + 6],
        label=nfc(label).strip()[:120],
        station=station,
        user=user,
        created_by=created_by,
    )
    session.add(token)
    session.flush()
    return token, plain


def find_active_token(session: Session, plain: str) -> AccessToken | None:
    """The unrevoked token with this plain text, marked as used (to the minute)."""
    token = session.scalar(
        select(AccessToken).where(
            AccessToken.digest == token_digest(plain), AccessToken.revoked_at.is_(None)
        )
    )
    now = utcnow()
    if token is not None and (token.last_used_at is None or now - token.last_used_at > USE_GRAIN):
        token.last_used_at = now
    return token


def revoke_token(token: AccessToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
