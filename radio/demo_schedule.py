"""The demo's schedule: the province's two daily sessions, its limits, and the plan's quotas."""

from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from audio_library.segments import Segment, State, Topic
from radio.demo_content import CAMPAIGN, JINGLES
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem, save_rules, save_template
from scheduler.units import Unit

# label, start, minutes, topics its fill rule takes turns between
SESSIONS = [
    ("Buổi sáng", time(6, 0), 30, ["an-ninh-to-quoc", "phong-chong-toi-pham", "thong-bao"]),
    (
        "Buổi chiều",
        time(17, 0),
        30,
        ["phong-chong-ma-tuy", "te-nan-xa-hoi", "phong-chay-chua-chay", "thong-bao"],
    ),
]
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(6, 0)
MAX_SESSION_MINUTES, MAX_DAY_MINUTES = 60, 120
PLAYS_PER_WEEK = 3
TOPIC, MINUTES_PER_WEEK = "an-ninh-to-quoc", 5


def ensure_schedule(session: Session, province: Unit) -> None:
    """Add what is missing of the demo schedule; jingles join once the demo audio exists."""
    if session.get(UnitRules, province.id) is None:
        save_rules(
            session,
            UnitRules(
                unit_id=province.id,
                quiet_from=QUIET_FROM,
                quiet_until=QUIET_UNTIL,
                max_session_minutes=MAX_SESSION_MINUTES,
                max_day_minutes=MAX_DAY_MINUTES,
            ),
        )
    topics = {t.code: t.id for t in session.scalars(select(Topic))}
    _ensure_sessions(session, province, topics)
    campaign = session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN["code"]))
    if campaign is not None and not campaign.quotas:
        campaign.targets = [province]
        campaign.topics = list(
            session.scalars(select(Topic).where(Topic.code.in_(CAMPAIGN["topics"])))
        )
        campaign.quotas = [
            Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=PLAYS_PER_WEEK),
            Quota(
                kind=QuotaKind.TOPIC_MINUTES,
                minutes_per_week=MINUTES_PER_WEEK,
                topic_id=topics[TOPIC],
            ),
        ]
        save_campaign(session, campaign)


def _ensure_sessions(session: Session, province: Unit, topics: dict[str, int]) -> None:
    """The province's two daily sessions, with the opening and closing jingles if stored."""
    jingles = {
        title: segment_id
        for title, segment_id in session.execute(
            select(Segment.title, Segment.id).where(Segment.state == State.APPROVED)
        )
        if title in {j[0] for j in JINGLES}
    }
    existing = {
        t.label: t
        for t in session.scalars(
            select(SessionTemplate).where(SessionTemplate.unit_id == province.id)
        )
    }
    opening, closing = JINGLES[0][0], JINGLES[1][0]
    for label, starts_at, minutes, fill in SESSIONS:
        template = existing.get(label) or SessionTemplate(
            unit_id=province.id, label=label, starts_at=starts_at, max_minutes=minutes
        )
        if not template.items:
            template.items = [
                TemplateItem(position=i, kind=ItemKind.FILL, topic_id=topics[code])
                for i, code in enumerate(fill)
            ]
        kinds = {item.kind for item in template.items}
        if ItemKind.OPEN not in kinds and opening in jingles and closing in jingles:
            template.items += [
                TemplateItem(position=-1, kind=ItemKind.OPEN, segment_id=jingles[opening]),
                TemplateItem(position=99, kind=ItemKind.CLOSE, segment_id=jingles[closing]),
            ]
        save_template(session, template)
