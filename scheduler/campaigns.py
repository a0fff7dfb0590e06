"""Campaigns (kế hoạch / chiến dịch tuyên truyền): a plan's period, targets, pool and quotas."""

import enum
import re
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from audio_library.db import Base, nfc, utcnow
from audio_library.segments import Segment, Topic
from scheduler.errors import ScheduleError
from scheduler.units import Unit

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")

campaign_segment = Table(
    "campaign_segment",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True),
    Column("segment_id", ForeignKey("segment.id"), primary_key=True, index=True),
)
campaign_topic = Table(
    "campaign_topic",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True),
    Column("topic_id", ForeignKey("topic.id"), primary_key=True),
)
campaign_target = Table(
    "campaign_target",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)


class QuotaKind(enum.StrEnum):
    SEGMENT_PLAYS = "segment_plays"  # each pool segment at least N times a week per station
    TOPIC_MINUTES = "topic_minutes"  # at least N minutes a week of a topic per station


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

    owner: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    topics: Mapped[list[Topic]] = relationship(secondary=campaign_topic, order_by=Topic.name)
    targets: Mapped[list[Unit]] = relationship(secondary=campaign_target, order_by=Unit.path)
    segments: Mapped[list[Segment]] = relationship(
        secondary=campaign_segment, order_by=Segment.id, viewonly=True
    )
    quotas: Mapped[list["Quota"]] = relationship(
        back_populates="campaign", order_by="Quota.id", cascade="all, delete-orphan"
    )

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def target_units(self) -> list[Unit]:
        """Where the campaign airs: its targets, else everywhere below its own unit."""
        if self.targets:
            return list(self.targets)
        return [self.owner] if self.owner is not None else []


class Quota(Base):
    __tablename__ = "campaign_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    kind: Mapped[QuotaKind] = mapped_column(String(20))
    times_per_week: Mapped[int] = mapped_column(default=0)
    minutes_per_week: Mapped[int] = mapped_column(default=0)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="quotas")
    topic: Mapped[Topic | None] = relationship()


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


def set_pool(session: Session, campaign: Campaign, segment_ids: list[int]) -> None:
    """Make these the segments a campaign draws on."""
    known = set(session.scalars(select(Segment.id).where(Segment.id.in_(segment_ids))))
    if known != set(segment_ids):
        raise ScheduleError("unknown_segment")
    session.execute(delete(campaign_segment).where(campaign_segment.c.campaign_id == campaign.id))
    if segment_ids:
        rows = [{"campaign_id": campaign.id, "segment_id": s} for s in sorted(known)]
        session.execute(insert(campaign_segment), rows)
    session.expire(campaign, ["segments"])


def save_campaign(session: Session, campaign: Campaign) -> Campaign:
    """Validate and store a new or changed campaign (its quotas are checked separately)."""
    campaign.code = (campaign.code or "").strip().lower()
    campaign.name = nfc(campaign.name or "").strip()
    campaign.legal_refs = nfc(campaign.legal_refs or "").strip()
    if not CODE_PATTERN.match(campaign.code):
        raise ScheduleError("bad_campaign_code")
    with session.no_autoflush:
        taken = session.scalar(select(Campaign).where(Campaign.code == campaign.code))
    if taken is not None and taken is not campaign:
        raise ScheduleError("campaign_code_taken")
    if not campaign.name:
        raise ScheduleError("no_name")
    if campaign.ends_on < campaign.starts_on:
        raise ScheduleError("bad_period")
    owner = session.get(Unit, campaign.unit_id) if campaign.unit_id else None
    for target in campaign.targets:
        if owner is not None and not owner.contains(target):
            raise ScheduleError("target_outside")
    for quota in campaign.quotas:
        check_quota_fields(quota)
    session.add(campaign)
    session.flush()
    return campaign


def check_quota_fields(quota: Quota) -> None:
    quota.times_per_week = quota.times_per_week or 0
    quota.minutes_per_week = quota.minutes_per_week or 0
    if quota.kind == QuotaKind.SEGMENT_PLAYS:
        if not 1 <= quota.times_per_week <= 100:
            raise ScheduleError("bad_quota_times")
    elif quota.kind == QuotaKind.TOPIC_MINUTES:
        if not 1 <= quota.minutes_per_week <= 7 * 24 * 60:
            raise ScheduleError("bad_quota_minutes")
        if quota.topic_id is None:
            raise ScheduleError("quota_needs_topic")
    else:
        raise ScheduleError("bad_quota_kind")
