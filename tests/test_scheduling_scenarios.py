"""The playlist builder on a real database, with the clock in the test's hands.

Each scenario runs on its own small province (tree 77) so that the demo's schedule
stays out of the way: two districts, three communes, one station each.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from audio_library.segments import Level, Topic
from radio.db import get_session
from scheduler.announcements import Announcement, issue_emergency, save_one_off
from scheduler.builder import build_playlists
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlist
from scheduler.quotas import quota_progress
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem, save_rules, save_template
from scheduler.unit_import import import_units
from scheduler.units import Station, Unit
from tests.test_schedule_domain import add_segment

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = date(2030, 3, 4)
TREE_CSV = (
    "code,name,tier,parent_code\n"
    "77,Tỉnh Kịch Bản,province,\n"
    "7701,Huyện Một,district,77\n"
    "7702,Huyện Hai,district,77\n"
    "770101,Xã Một Một,commune,7701\n"
    "770102,Xã Một Hai,commune,7701\n"
    "770201,Xã Hai Một,commune,7702\n"
)
FILL_TOPICS = ("thong-bao", "te-nan-xa-hoi", "phong-chay-chua-chay")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Vietnam, as the aware UTC datetime the database stores."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def clock(at: datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M")


@dataclass
class World:
    province: Unit
    districts: dict[str, Unit]
    stations: list[Station]
    topics: dict[str, int]

    @property
    def station_ids(self) -> list[int]:
        return [s.id for s in self.stations]


def make_world(session, *, day_minutes: int | None = 180) -> World:
    """Tree 77 with a station per commune and the province's quiet hours and limits."""
    units = {u.code: u for u in import_units(session, TREE_CSV.encode()).units}
    stations = []
    for code in ("770101", "770102", "770201"):
        station = Station(
            code=f"77-{code}",
            name=f"Đài {units[code].name}",
            unit=units[code],
            timezone="Asia/Ho_Chi_Minh",
            kind="wired",
            clusters=1,
            active=True,
            contact="",
        )
        session.add(station)
        stations.append(station)
    session.flush()
    save_rules(
        session,
        UnitRules(
            unit_id=units["77"].id,
            quiet_from=time(21, 0),
            quiet_until=time(6, 0),
            max_session_minutes=60,
            max_day_minutes=day_minutes,
        ),
    )
    topics = {t.code: t.id for t in session.scalars(select(Topic))}
    return World(units["77"], {c: units[c] for c in ("7701", "7702")}, stations, topics)


def add_template(
    session, world: World, label: str, at: time, minutes: int, fill: tuple[str | None, ...]
) -> SessionTemplate:
    template = SessionTemplate(
        unit_id=world.province.id,
        label=label,
        starts_at=at,
        max_minutes=minutes,
        items=[
            TemplateItem(position=i, kind=ItemKind.FILL, topic_id=world.topics[t] if t else None)
            for i, t in enumerate(fill)
        ],
    )
    save_template(session, template)
    return template


def two_sessions(session, world: World) -> None:
    add_template(session, world, "Buổi sáng", time(6, 0), 30, FILL_TOPICS)
    add_template(session, world, "Buổi chiều", time(17, 0), 30, FILL_TOPICS)


def library(session, world: World, per_topic: int = 8) -> None:
    """Fill segments of 60–130 s in each fill topic."""
    for code in FILL_TOPICS:
        for n in range(per_topic):
            add_segment(
                session,
                f"Tin {code} số {n + 1}",
                topic_id=world.topics[code],
                duration=60.0 + 10 * n,
            )


def build(session, world: World, first: date, days: int, now: datetime):
    return build_playlists(session, first, days, now=now, station_ids=world.station_ids)


def sessions_of(playlist: Playlist) -> list[PlaylistSession]:
    return sorted(playlist.sessions, key=lambda s: s.number)


def version(session, station: Station, day: date, number: int) -> Playlist:
    return session.scalar(
        select(Playlist).where(
            Playlist.station_id == station.id, Playlist.day == day, Playlist.version == number
        )
    )


def emergency_times(playlist: Playlist, announcement: Announcement) -> list[str]:
    return [
        clock(s.starts_at)
        for s in sessions_of(playlist)
        if s.kind == "emergency" and s.items[0].announcement_id == announcement.id
    ]


def rows_of(session, playlist_id: int) -> list[tuple]:
    """Every stored column of a version's sessions and items, to show they never change."""
    sessions = session.scalars(
        select(PlaylistSession).where(PlaylistSession.playlist_id == playlist_id)
    )
    items = session.scalars(select(PlaylistItem).where(PlaylistItem.playlist_id == playlist_id))
    return sorted(
        tuple(str(getattr(row, c.key)) for c in row.__table__.columns)
        for row in [*sessions, *items]
    )


def bulletin(session, world: World, title: str, expires_at: datetime, repeat: int):
    segment = add_segment(session, title, level=Level.EMERGENCY, duration=50.0)
    return Announcement(
        segment=segment, units=[world.province], expires_at=expires_at, repeat_minutes=repeat
    )


def test_storm_bulletin_repeats_through_the_night_until_superseded(app):
    tuesday = MONDAY + timedelta(days=1)
    wednesday = tuesday + timedelta(days=1)
    with app.app_context():
        session = get_session()
        world = make_world(session)
        two_sessions(session, world)
        library(session, world)
        build(session, world, tuesday, 2, now=local(tuesday, 5))

        storm = bulletin(session, world, "Tin bão khẩn cấp", local(wednesday, 9), 120)
        issue_emergency(session, storm, local(tuesday, 20), [])
        build(session, world, tuesday, 2, now=local(tuesday, 20))
        for station in world.stations:
            evening = current_playlist(session, station.id, tuesday)
            night = current_playlist(session, station.id, wednesday)
            assert emergency_times(evening, storm) == ["20:00", "22:00"]
            assert emergency_times(night, storm) == ["00:00", "02:00", "04:00", "06:00", "08:00"]
            for planned in sessions_of(evening) + sessions_of(night):
                if planned.kind == "emergency":
                    assert [(i.reason, i.level) for i in planned.items] == [
                        ("emergency", "emergency")
                    ]
            # At 06:00 the bulletin goes first and breaks into the morning session.
            six = [s for s in sessions_of(night) if clock(s.starts_at) == "06:00"]
            assert [s.kind for s in six] == ["emergency", "regular"]
            assert six[0].interrupts == six[1].number
            # The evening's regular sessions had started: they kept their content.
            assert [s.label for s in sessions_of(evening) if s.kind == "regular"] == [
                "Buổi sáng",
                "Buổi chiều",
            ]
        first_night = {
            s.id: rows_of(session, current_playlist(session, s.id, wednesday).id)
            for s in world.stations
        }

        newer = bulletin(session, world, "Tin bão cập nhật", local(wednesday, 10), 180)
        issue_emergency(session, newer, local(wednesday, 1), [storm])
        result = build(session, world, wednesday, 2, now=local(wednesday, 1))
        # The evening had passed and stays as it was; the night changed; Thursday is new.
        assert sorted((day, v) for _s, day, v in result.new_versions) == sorted(
            [(wednesday, 3), (wednesday + timedelta(days=1), 1)] * len(world.stations)
        )
        for station in world.stations:
            evening = current_playlist(session, station.id, tuesday)
            night = current_playlist(session, station.id, wednesday)
            assert emergency_times(evening, storm) == ["20:00", "22:00"]
            assert emergency_times(night, storm) == ["00:00"]  # it had aired: kept
            assert emergency_times(night, newer) == ["01:00", "04:00", "07:00"]
            previous = version(session, station, wednesday, night.version - 1)
            assert emergency_times(previous, storm)[1:] == ["02:00", "04:00", "06:00", "08:00"]
            assert rows_of(session, previous.id) == first_night[station.id]


def plays_by_day(session, world: World, station: Station, week: list[date]):
    """Per day, the current version's items of a station as (segment, topic, seconds)."""
    found = {}
    for day in week:
        playlist = current_playlist(session, station.id, day)
        found[day] = [
            (item.segment_id, item.topic_id, item.duration)
            for planned in playlist.sessions
            for item in planned.items
        ]
    return found


def test_weekly_quotas_are_met_and_spread_over_the_week(app):
    week = [MONDAY + timedelta(days=i) for i in range(7)]
    with app.app_context():
        session = get_session()
        world = make_world(session)
        two_sessions(session, world)
        library(session, world)
        drugs, crime = world.topics["phong-chong-ma-tuy"], world.topics["phong-chong-toi-pham"]
        pool = [
            add_segment(session, f"Phòng chống ma túy {n}", topic_id=drugs, duration=70.0 + 5 * n)
            for n in range(5)
        ]
        for n in range(3):
            add_segment(session, f"Phòng chống tội phạm {n}", topic_id=crime, duration=80.0)
        campaign = Campaign(
            code="pctp-2030",
            name="Phòng chống tội phạm 2030",
            starts_on=MONDAY - timedelta(days=30),
            ends_on=MONDAY + timedelta(days=60),
            unit_id=world.province.id,
            targets=[world.province],
            quotas=[
                Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=3),
                Quota(kind=QuotaKind.TOPIC_MINUTES, minutes_per_week=10, topic_id=crime),
            ],
        )
        save_campaign(session, campaign)
        set_pool(session, campaign, [s.id for s in pool])
        result = build(session, world, MONDAY, 7, now=local(MONDAY, 0) - timedelta(days=1))
        assert result.shortfalls == 0

        progress = {
            (p.station.id, p.quota.kind): p for p in quota_progress(session, campaign, MONDAY)
        }
        for station in world.stations:
            days = plays_by_day(session, world, station, week)
            plays = Counter(s for items in days.values() for s, _t, _d in items)
            crime_seconds = sum(d for items in days.values() for _s, t, d in items if t == crime)
            assert all(plays[s.id] >= 3 for s in pool)
            assert crime_seconds >= 600
            pool_days = {
                day
                for day, items in days.items()
                for s, *_ in items
                if s in plays and s in {p.id for p in pool}
            }
            assert len(pool_days) >= 3  # spread, not all on Monday
            monday_plays = Counter(s for s, *_ in days[MONDAY])
            assert all(monday_plays[s.id] <= 2 for s in pool)
            segment_plays = progress[(station.id, QuotaKind.SEGMENT_PLAYS)]
            assert segment_plays.met and segment_plays.planned == min(plays[s.id] for s in pool)
            minutes = progress[(station.id, QuotaKind.TOPIC_MINUTES)]
            assert minutes.met and minutes.planned == crime_seconds
            assert minutes.required == 600 and segment_plays.required == 3
            for day in week:
                report = current_playlist(session, station.id, day).report
                assert not [r for r in report if r["kind"] == "quota_shortfall"]


def test_session_inside_the_lock_window_keeps_its_content(app):
    wednesday = MONDAY + timedelta(days=2)
    with app.app_context():
        session = get_session()
        world = make_world(session)
        two_sessions(session, world)
        library(session, world)
        build(session, world, wednesday, 1, now=local(wednesday, 5, 30))
        station = world.stations[0]
        first = current_playlist(session, station.id, wednesday)
        before = rows_of(session, first.id)
        morning_before = [(i.segment_id, i.planned_start) for i in sessions_of(first)[0].items]

        # A topic no fill rule takes: the other stations' playlists stay as they were.
        notice = add_segment(
            session, "Thông báo tiêm phòng dại", topic_id=world.topics["phong-chong-dich"]
        )
        one_off = Announcement(
            segment=notice, level=Level.NORMAL, days=[wednesday.isoformat()], stations=[station]
        )
        save_one_off(session, one_off, wednesday)
        result = build(session, world, wednesday, 1, now=local(wednesday, 5, 45))

        assert result.playlists == 1 and result.unchanged == len(world.stations) - 1
        second = current_playlist(session, station.id, wednesday)
        assert second.version == first.version + 1
        morning, afternoon = sessions_of(second)
        assert [(i.segment_id, i.planned_start) for i in morning.items] == morning_before
        assert notice.id in [i.segment_id for i in afternoon.items]
        assert ["Buổi chiều", notice.title] in second.changes["added"]
        assert all(label != "Buổi sáng" for label, _ in second.changes["added"])
        assert rows_of(session, first.id) == before


def test_priority_one_off_goes_first_after_the_opening(app):
    thursday = MONDAY + timedelta(days=3)
    with app.app_context():
        session = get_session()
        world = make_world(session)
        library(session, world)
        jingle = {
            kind: add_segment(
                session, f"Nhạc hiệu {kind}", topic_id=world.topics["nhac-hieu"], duration=15.0
            )
            for kind in (ItemKind.OPEN, ItemKind.CLOSE)
        }
        for label, at in (("Buổi sáng", time(6, 0)), ("Buổi chiều", time(17, 0))):
            template = add_template(session, world, label, at, 30, FILL_TOPICS)
            template.items += [
                TemplateItem(position=-1, kind=ItemKind.OPEN, segment_id=jingle[ItemKind.OPEN].id),
                TemplateItem(
                    position=99, kind=ItemKind.CLOSE, segment_id=jingle[ItemKind.CLOSE].id
                ),
            ]
            save_template(session, template)
        notices = {}
        for level in (Level.NORMAL, Level.PRIORITY):
            notices[level] = save_one_off(
                session,
                Announcement(
                    segment=add_segment(
                        session, f"Thông báo {level}", topic_id=world.topics["thong-bao"]
                    ),
                    level=level,
                    days=[thursday.isoformat()],
                    session_labels=["Buổi chiều"],
                    units=[world.districts["7701"]],
                ),
                thursday,
            )
        build(session, world, thursday, 1, now=local(thursday, 0))
        for station in world.stations:
            morning, afternoon = sessions_of(current_playlist(session, station.id, thursday))
            reached = station.unit.parent_id == world.districts["7701"].id
            items = afternoon.items
            assert items[0].segment_id == jingle[ItemKind.OPEN].id
            assert items[-1].segment_id == jingle[ItemKind.CLOSE].id
            announced = [i.announcement_id for i in items if i.reason == "one_off"]
            if reached:
                assert [i.announcement_id for i in items[1:3]] == [
                    notices[Level.PRIORITY].id,
                    notices[Level.NORMAL].id,
                ]
                assert items[1].level == "normal" and items[1].reason == "one_off"
            else:
                assert announced == []
            assert all(i.reason != "one_off" for i in morning.items)
            starts = [i.planned_start for i in items]
            assert starts == sorted(starts)


def test_rotation_plans_every_segment_least_recently_planned_first(app):
    with app.app_context():
        session = get_session()
        world = make_world(session)
        add_template(session, world, "Buổi sáng", time(6, 0), 5, ("thong-bao",))
        pool = [
            add_segment(
                session, f"Thông báo {n}", topic_id=world.topics["thong-bao"], duration=70.0
            )
            for n in range(10)
        ]
        ids = [s.id for s in pool]
        days = [MONDAY + timedelta(days=i) for i in range(4)]
        build(session, world, days[0], 2, now=local(days[0], 0))
        build(session, world, days[2], 2, now=local(days[2], 0))  # remembers the first two days
        for station in world.stations:
            planned = [
                [i.segment_id for i in current_playlist(session, station.id, d).sessions[0].items]
                for d in days
            ]
            # 5 minutes hold four 70 s items with 2 s gaps.
            assert [len(p) for p in planned] == [4, 4, 4, 4]
            assert planned[0] == ids[0:4] and planned[1] == ids[4:8]
            assert planned[2] == ids[8:10] + ids[0:2]  # never planned, then the oldest
            assert planned[3] == ids[2:6]
            assert set(ids) <= {s for p in planned for s in p}


def test_rotation_follows_local_time_across_sessions(app):
    """The afternoon comes after the morning (06:00 in Vietnam is 23:00 UTC the day before)."""
    with app.app_context():
        session = get_session()
        world = make_world(session)
        add_template(session, world, "Buổi sáng", time(6, 0), 5, ("thong-bao",))
        add_template(session, world, "Buổi chiều", time(17, 0), 5, ("thong-bao",))
        ids = [
            add_segment(
                session, f"Thông báo {n}", topic_id=world.topics["thong-bao"], duration=70.0
            ).id
            for n in range(12)
        ]
        build(session, world, MONDAY, 2, now=local(MONDAY, 0))
        station = world.stations[0]
        monday, tuesday = (
            [
                [i.segment_id for i in s.items]
                for s in sessions_of(current_playlist(session, station.id, day))
            ]
            for day in (MONDAY, MONDAY + timedelta(days=1))
        )
        assert monday == [ids[0:4], ids[4:8]]
        # Never planned first, then Monday morning's: the least recently planned.
        assert tuesday == [ids[8:12], ids[0:4]]
