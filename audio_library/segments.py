"""Segments (bản tin): one audio item, its metadata, workflow state and history."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audio_library.db import Base, utcnow


class Level(enum.StrEnum):
    """Bulletin levels of Thông tư 39/2020/TT-BTTTT."""

    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class Source(enum.StrEnum):
    UPLOAD = "upload"
    RECORDING = "recording"
    TTS = "tts"
    RELAY = "relay"


class Topic(Base):
    """A subject of public information (chủ đề), e.g. drug prevention."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Segment(Base):
    """One audio item. An approved segment never changes: an edit makes a new version."""

    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"), index=True)
    level: Mapped[Level] = mapped_column(String(12), default=Level.NORMAL)
    language: Mapped[str] = mapped_column(String(20), default="vi")
    air_from: Mapped[date | None]
    air_until: Mapped[date | None]
    source: Mapped[Source] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text, default="")
    tts_engine: Mapped[str] = mapped_column(String(20), default="")
    tts_voice: Mapped[str] = mapped_column(String(20), default="")
    tts_note: Mapped[str] = mapped_column(String(300), default="")
    # Owner unit and people are ids: units and users live in higher packages.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    state: Mapped[State] = mapped_column(String(12), default=State.DRAFT, index=True)
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"))
    audio_sha: Mapped[str] = mapped_column(String(64), index=True)
    original_sha: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    original_codec: Mapped[str] = mapped_column(String(40), default="")
    duration: Mapped[float]
    loudness_lufs: Mapped[float]
    true_peak_dbtp: Mapped[float]
    peaks: Mapped[str] = mapped_column(Text, default="[]")
    fingerprint: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    topic: Mapped[Topic] = relationship()
    events: Mapped[list["SegmentEvent"]] = relationship(
        back_populates="segment", order_by="SegmentEvent.id", cascade="all, delete-orphan"
    )


class SegmentEvent(Base):
    """One line of a segment's history; never updated."""

    __tablename__ = "segment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    segment: Mapped[Segment] = relationship(back_populates="events")


class LexiconEntry(Base):
    """How editors of a province want a written form spoken (từ điển phát âm)."""

    __tablename__ = "lexicon_entry"
    __table_args__ = (UniqueConstraint("unit_id", "written"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    written: Mapped[str] = mapped_column(String(100))
    spoken: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
