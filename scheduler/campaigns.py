"""Campaigns (kế hoạch / chiến dịch tuyên truyền) and the segments that serve them."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from audio_library.db import Base, utcnow

campaign_segment = Table(
    "campaign_segment",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True),
    Column("segment_id", ForeignKey("segment.id"), primary_key=True, index=True),
)


class Campaign(Base):
    """A province's information plan turned into something the scheduler can serve."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    legal_refs: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def campaigns_of(session: Session, segment_id: int) -> list[Campaign]:
    query = (
        select(Campaign)
        .join(campaign_segment, campaign_segment.c.campaign_id == Campaign.id)
        .where(campaign_segment.c.segment_id == segment_id)
        .order_by(Campaign.starts_on)
    )
    return list(session.scalars(query))


def link_segment(session: Session, segment_id: int, campaign_ids: list[int]) -> None:
    """Make these the campaigns a segment serves."""
    session.execute(delete(campaign_segment).where(campaign_segment.c.segment_id == segment_id))
    if campaign_ids:
        rows = [{"campaign_id": c, "segment_id": segment_id} for c in sorted(set(campaign_ids))]
        session.execute(insert(campaign_segment), rows)
