"""The scheduling domain's validation on a real session: what it refuses stores nothing.

The demo province (67) has quiet hours 21:00–06:00, at most 60 minutes a session and
two templates: "Buổi sáng" 06:00 and "Buổi chiều" 17:00, 30 minutes each.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from audio_library.segments import Level, Segment, Source, State, Topic
from radio.db import get_session
from scheduler.announcements import Announcement, issue_emergency, save_one_off
from scheduler.campaigns import (
    Campaign,
    Quota,
    QuotaKind,
    campaign_segment,
    save_campaign,
    set_pool,
)
from scheduler.errors import ScheduleError
from scheduler.quotas import check_quotas
from scheduler.rules import UnitRules
from scheduler.templates import (
    Place,
    SessionTemplate,
    TemplateBook,
    TemplateItem,
    save_rules,
    save_template,
)
from scheduler.units import Station, Unit, units_by_code
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION

MONDAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def add_segment(session, title: str, **fields) -> Segment:
    """An approved segment row; the domain needs no audio, only the facts."""
    sha = hashlib.sha256(title.encode()).hexdigest()
    values = {
        "topic_id": session.scalar(select(Topic.id).order_by(Topic.id).limit(1)),
        "level": Level.NORMAL,
        "state": State.APPROVED,
        "duration": 60.0,
        **fields,
    }
    segment = Segment(
        title=title,
        source=Source.UPLOAD,
        audio_sha=sha,
        original_sha=sha,
        loudness_lufs=-16.0,
        true_peak_dbtp=-1.0,
        **values,
    )
    session.add(segment)
    session.flush()
    return segment


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def counts(session) -> tuple[int, ...]:
    tables = (SessionTemplate, TemplateItem, UnitRules, Campaign, Quota, Announcement)
    return (*(count(session, t) for t in tables), count(session, campaign_segment))


def station(session, code: str) -> Station:
    return session.scalar(select(Station).where(Station.code == code))


def unit(session, code: str) -> Unit:
    (found,) = units_by_code(session, code)
    return found


def province_template(session, label: str) -> SessionTemplate:
    return session.scalar(
        select(SessionTemplate).where(
            SessionTemplate.unit_id == unit(session, "67").id, SessionTemplate.label == label
        )
    )


def effective_labels(session, code: str) -> list[str]:
    return [t.label for t in TemplateBook.load(session).effective(Place.of(station(session, code)))]


def refused(session, kind: str, action) -> None:
    """Run a save that must fail with `kind`; after the rollback nothing has changed."""
    before = counts(session)
    with pytest.raises(ScheduleError) as caught:
        action()
    assert caught.value.kind == kind, caught.value.detail
    session.rollback()
    assert counts(session) == before


def test_station_template_overlapping_an_inherited_one_is_refused(app):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="Tin xã",
            starts_at=time(6, 15),
            max_minutes=20,
        )
        refused(session, "overlap", lambda: save_template(session, template))


def test_unit_template_overlapping_the_province_one_is_refused(app):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            unit_id=unit(session, "662").id,
            label="Buổi chiều huyện",
            starts_at=time(17, 20),
            max_minutes=15,
            weekdays="135",
        )
        refused(session, "overlap", lambda: save_template(session, template))


def test_sessions_on_other_weekdays_or_periods_do_not_overlap(app):
    with app.app_context():
        session = get_session()
        ea_po = station(session, OPERATOR_STATION).id
        first = SessionTemplate(
            station_id=ea_po, label="Thứ hai", starts_at=time(8, 0), max_minutes=30, weekdays="1"
        )
        second = SessionTemplate(
            station_id=ea_po, label="Thứ ba", starts_at=time(8, 0), max_minutes=30, weekdays="2"
        )
        save_template(session, first)
        save_template(session, second)
        spring = SessionTemplate(
            station_id=ea_po,
            label="Xuân",
            starts_at=time(9, 0),
            max_minutes=30,
            valid_until=date(2030, 3, 31),
        )
        summer = SessionTemplate(
            station_id=ea_po,
            label="Hè",
            starts_at=time(9, 0),
            max_minutes=30,
            valid_from=date(2030, 4, 1),
        )
        save_template(session, spring)
        save_template(session, summer)
        overlapping = SessionTemplate(
            station_id=ea_po, label="Thứ hai nữa", starts_at=time(8, 20), max_minutes=10
        )
        session.commit()
        refused(session, "overlap", lambda: save_template(session, overlapping))


def test_override_of_the_inherited_template_does_not_overlap_it(app):
    with app.app_context():
        session = get_session()
        morning = province_template(session, "Buổi sáng")
        override = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="Buổi sáng xã",
            starts_at=time(6, 10),
            max_minutes=40,
            replaces_id=morning.id,
        )
        assert [s.code for s in save_template(session, override)] == [OPERATOR_STATION]
        session.commit()
        assert effective_labels(session, OPERATOR_STATION) == ["Buổi sáng xã", "Buổi chiều"]
        assert effective_labels(session, SAME_DISTRICT_STATION) == ["Buổi sáng", "Buổi chiều"]


def test_opt_out_removes_the_inherited_session_for_that_station_only(app):
    with app.app_context():
        session = get_session()
        morning = province_template(session, "Buổi sáng")
        opt_out = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="",
            starts_at=time(0, 0),
            max_minutes=0,
            replaces_id=morning.id,
            opt_out=True,
        )
        before = count(session, SessionTemplate)
        save_template(session, opt_out)
        session.commit()
        assert count(session, SessionTemplate) == before + 1
        assert effective_labels(session, OPERATOR_STATION) == ["Buổi chiều"]
        assert effective_labels(session, SAME_DISTRICT_STATION) == ["Buổi sáng", "Buổi chiều"]


def test_session_longer_than_the_unit_limit_is_refused(app):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            unit_id=unit(session, "662").id, label="Dài", starts_at=time(8, 0), max_minutes=90
        )
        refused(session, "session_too_long", lambda: save_template(session, template))


@pytest.mark.parametrize(
    ("starts_at", "minutes"),
    [
        (time(22, 0), 30),  # inside the evening part
        (time(20, 45), 30),  # runs into 21:00
        (time(23, 45), 30),  # runs across midnight
        (time(0, 30), 30),  # inside the morning part
        (time(5, 30), 45),  # starts before 06:00 and runs past it
    ],
)
def test_session_in_quiet_hours_is_refused(app, starts_at, minutes):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="Đêm",
            starts_at=starts_at,
            max_minutes=minutes,
        )
        refused(session, "quiet_hours", lambda: save_template(session, template))


def test_session_ending_as_quiet_hours_begin_is_accepted(app):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="Buổi tối",
            starts_at=time(20, 30),
            max_minutes=30,
        )
        save_template(session, template)
        session.commit()
        assert "Buổi tối" in effective_labels(session, OPERATOR_STATION)


def test_template_ending_before_it_starts_is_refused(app):
    with app.app_context():
        session = get_session()
        template = SessionTemplate(
            station_id=station(session, OPERATOR_STATION).id,
            label="Ngược",
            starts_at=time(9, 0),
            max_minutes=30,
            valid_from=date(2030, 5, 10),
            valid_until=date(2030, 5, 1),
        )
        refused(session, "bad_period", lambda: save_template(session, template))


def test_rules_that_an_existing_template_would_break_are_refused(app):
    with app.app_context():
        session = get_session()
        province = unit(session, "67")
        stored = session.get(UnitRules, province.id)
        shape = (stored.quiet_from, stored.quiet_until, stored.max_session_minutes)
        shorter = UnitRules(unit_id=province.id, max_session_minutes=20, max_day_minutes=120)
        refused(session, "session_too_long", lambda: save_rules(session, shorter))
        stored = session.get(UnitRules, province.id)
        stored.quiet_from, stored.quiet_until = time(16, 30), time(18, 0)
        refused(session, "quiet_hours", lambda: save_rules(session, stored))
        district = UnitRules(unit_id=unit(session, "662").id, max_session_minutes=25)
        refused(session, "session_too_long", lambda: save_rules(session, district))
        stored = session.get(UnitRules, province.id)
        assert (stored.quiet_from, stored.quiet_until, stored.max_session_minutes) == shape
        assert session.get(UnitRules, unit(session, "662").id) is None


def test_campaign_ending_before_it_starts_is_refused(app):
    with app.app_context():
        session = get_session()
        campaign = Campaign(
            code="pccc-2030",
            name="Phòng cháy chữa cháy 2030",
            starts_on=date(2030, 6, 1),
            ends_on=date(2030, 5, 1),
            unit_id=unit(session, "67").id,
        )
        refused(session, "bad_period", lambda: save_campaign(session, campaign))


@pytest.mark.parametrize(
    "quota",
    [
        {"kind": QuotaKind.SEGMENT_PLAYS, "times_per_week": 15},  # 14 sessions a week
        {"kind": QuotaKind.TOPIC_MINUTES, "minutes_per_week": 500},  # 420 minutes a week
    ],
)
def test_infeasible_quota_is_refused(app, quota):
    with app.app_context():
        session = get_session()
        segment = add_segment(session, "Tuyên truyền PCCC")
        session.commit()
        before = counts(session)
        province = unit(session, "67")
        campaign = Campaign(
            code="pccc-2030",
            name="Phòng cháy chữa cháy 2030",
            starts_on=MONDAY,
            ends_on=MONDAY + timedelta(days=90),
            unit_id=province.id,
            targets=[province],
            quotas=[Quota(topic_id=segment.topic_id, **quota)],
        )

        def save() -> None:
            save_campaign(session, campaign)
            set_pool(session, campaign, [segment.id])
            check_quotas(session, campaign, MONDAY)

        with pytest.raises(ScheduleError) as caught:
            save()
        assert caught.value.kind == "quota_infeasible"
        assert caught.value.detail["stations"] == 71
        session.rollback()
        assert counts(session) == before


def test_feasible_quota_passes(app):
    with app.app_context():
        session = get_session()
        segment = add_segment(session, "Tuyên truyền PCCC")
        province = unit(session, "67")
        campaign = Campaign(
            code="pccc-2030",
            name="Phòng cháy chữa cháy 2030",
            starts_on=MONDAY,
            ends_on=MONDAY + timedelta(days=90),
            unit_id=province.id,
            quotas=[Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=14)],
        )
        save_campaign(session, campaign)
        set_pool(session, campaign, [segment.id])
        check_quotas(session, campaign, MONDAY)


def emergency(session, **fields) -> Announcement:
    segment = add_segment(session, "Bão số 5", level=Level.EMERGENCY, duration=45.0)
    values = {
        "units": [unit(session, "67")],
        "expires_at": NOW + timedelta(hours=12),
        "repeat_minutes": 120,
        **fields,
    }
    return Announcement(segment=segment, **values)


def test_emergency_without_target_is_refused(app):
    with app.app_context():
        session = get_session()
        bulletin = emergency(session, units=[])
        session.commit()
        refused(session, "no_target", lambda: issue_emergency(session, bulletin, NOW, []))


def test_emergency_expiring_in_the_past_is_refused(app):
    with app.app_context():
        session = get_session()
        bulletin = emergency(session, expires_at=NOW - timedelta(minutes=1))
        session.commit()
        refused(session, "expiry_in_past", lambda: issue_emergency(session, bulletin, NOW, []))


def test_superseding_bulletin_that_fails_leaves_the_old_one_airing(app):
    with app.app_context():
        session = get_session()
        old = issue_emergency(session, emergency(session), NOW, [])
        session.commit()
        newer = emergency(session, expires_at=NOW - timedelta(hours=1))
        session.commit()
        refused(session, "expiry_in_past", lambda: issue_emergency(session, newer, NOW, [old]))
        session.refresh(old)
        assert old.ended_at is None and old.superseded_by_id is None


def test_one_off_on_a_past_day_is_refused(app):
    with app.app_context():
        session = get_session()
        segment = add_segment(session, "Lịch tiêm phòng")
        session.commit()
        one_off = Announcement(
            segment=segment,
            level=Level.NORMAL,
            days=[(MONDAY - timedelta(days=1)).isoformat(), MONDAY.isoformat()],
            stations=[station(session, OPERATOR_STATION)],
        )
        refused(session, "day_in_past", lambda: save_one_off(session, one_off, MONDAY))


def test_one_off_for_today_is_stored(app):
    with app.app_context():
        session = get_session()
        segment = add_segment(session, "Lịch tiêm phòng")
        one_off = Announcement(
            segment=segment,
            level=Level.PRIORITY,
            days=[MONDAY.isoformat()],
            stations=[station(session, OPERATOR_STATION)],
        )
        save_one_off(session, one_off, MONDAY)
        session.commit()
        assert count(session, Announcement) == 1
