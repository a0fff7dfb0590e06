"""Login rate limiting kept in the database, so every web worker sees the same count."""

import math
from datetime import datetime, timedelta

from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from audio_library.db import Base, utcnow


class LoginAttempt(Base):
    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def minutes_locked(
    session: Session,
    username: str,
    ip: str,
    *,
    max_failures: int,
    ip_max_failures: int,
    window: timedelta,
) -> int:
    """Minutes until this username and address may try again; 0 when they may now."""
    since = utcnow() - window
    failed = select(func.count(), func.min(LoginAttempt.at)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
    )
    by_user = session.execute(failed.where(LoginAttempt.username == username)).one()
    by_ip = session.execute(failed.where(LoginAttempt.ip == ip)).one()
    oldest = [
        first
        for (count, first), limit in ((by_user, max_failures), (by_ip, ip_max_failures))
        if count >= limit
    ]
    if not oldest:
        return 0
    free_at: datetime = max(oldest) + window
    return max(1, math.ceil((free_at - utcnow()).total_seconds() / 60))


def record_attempt(session: Session, username: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(username=username, ip=ip, succeeded=succeeded))
    if succeeded:
        # A success clears the slate for this name: old failures no longer count.
        session.execute(
            LoginAttempt.__table__.delete().where(
                LoginAttempt.username == username, LoginAttempt.succeeded.is_(False)
            )
        )
