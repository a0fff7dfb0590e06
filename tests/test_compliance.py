"""Compliance figures from the station-day tallies: exact, and never stale.

The tallies are derived data; each test changes what they were made from (a report, a
correction, a new playlist version, time passing) and checks the next report sees it.
"""

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from audio_library.db import utcnow
from radio.airings.compliance import Compliance, compliance
from radio.airings.intake import Actor, Entry, Rules, accept
from radio.airings.records import NotAiredReason, Source, Status
from radio.airings.tally import AiringDay, AiringTally
from radio.db import get_session
from scheduler.playlists import Playlist, PlaylistItem, current_playlist
from scheduler.units import units_by_code
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import ZONE, build_aired, station

GRACE = timedelta(hours=2)


def report(day: date, now: datetime | None = None) -> Compliance:
    (district,) = units_by_code(get_session(), "67:662")
    return compliance(
        get_session(), district, day, day, now=now or utcnow(), grace=GRACE, zone=ZONE
    )


def items(code: str, day: date) -> list[PlaylistItem]:
    playlist = current_playlist(get_session(), station(code).id, day)
    assert playlist is not None
    query = select(PlaylistItem).where(PlaylistItem.playlist_id == playlist.id)
    return list(get_session().scalars(query.order_by(PlaylistItem.planned_start)))


def aired(item: PlaylistItem, key: str = "k") -> Entry:
    end = item.planned_start + timedelta(seconds=item.duration)
    return Entry(f"{key}{item.id}", Status.AIRED, item.id, item.planned_start, end)


def confirm(code: str, entries: list[Entry], now: datetime | None = None) -> None:
    accept(get_session(), station(code), entries, Actor(Source.DEVICE), Rules(GRACE), now=now)


def line(result: Compliance, code: str):  # type: ignore[no-untyped-def]
    return next(line for line in result.stations if line.station.code == code)


def test_figures_are_exactly_what_was_reported(app: Flask, yesterday: date) -> None:
    with app.app_context():
        mine = items(OPERATOR_STATION, yesterday)
        first, second, *rest = mine
        cut = first.planned_start + timedelta(seconds=first.duration / 2)
        confirm(
            OPERATOR_STATION,
            [
                Entry(
                    "p",
                    Status.PARTLY_AIRED,
                    first.id,
                    first.planned_start,
                    cut,
                    reason=NotAiredReason.EQUIPMENT_FAULT,
                ),
                Entry("n", Status.NOT_AIRED, second.id, reason=NotAiredReason.POWER_CUT),
                *(aired(item) for item in rest),
            ],
        )
        result = report(yesterday)
        ours = line(result, OPERATOR_STATION).figures
        assert ours.planned_items == ours.due_items == len(mine)
        assert ours.aired_items == len(rest)
        assert ours.partly_items == 1 and ours.not_aired_items == 1
        assert ours.unreported_items == 0
        assert ours.aired_seconds == pytest.approx(
            sum(i.duration for i in rest) + round(first.duration / 2)
        )
        assert ours.planned_seconds == pytest.approx(sum(i.duration for i in mine))
        # Every report came the day after: late, by the grace of two hours.
        assert ours.late_items == len(mine)
        other = line(result, SAME_DISTRICT_STATION)
        assert other.figures.aired_items == 0
        assert other.figures.unreported_items == other.figures.due_items > 0
        assert other.sessions.due == other.sessions.planned > 0
        assert other.sessions.unconfirmed == other.sessions.due
        assert line(result, OPERATOR_STATION).sessions.unconfirmed == 0
        assert result.total.aired_items == len(rest)
        assert result.days[yesterday].aired_items == len(rest)
        assert sum(f.planned_items for _level, f in result.levels) == result.total.planned_items
        assert (station(OPERATOR_STATION).id, yesterday) in result.cells


def test_a_later_report_a_correction_and_a_new_version_each_show(
    app: Flask, yesterday: date
) -> None:
    with app.app_context():
        mine = items(OPERATOR_STATION, yesterday)
        assert line(report(yesterday), OPERATOR_STATION).figures.aired_items == 0
        confirm(OPERATOR_STATION, [aired(item) for item in mine])
        assert line(report(yesterday), OPERATOR_STATION).figures.aired_items == len(mine)
        record_id = get_session().scalar(select(func.max(AiringDay.through_seq)))
        assert record_id == len(mine)
        # A correction: the last report of the slot is what counts.
        correction = Entry("fix", Status.NOT_AIRED, mine[0].id, reason=NotAiredReason.WEATHER)
        confirm(OPERATOR_STATION, [correction])
        figures = line(report(yesterday), OPERATOR_STATION).figures
        assert (figures.aired_items, figures.not_aired_items) == (len(mine) - 1, 1)
        # A rebuild of the day keeps its slots: reports made against the old version
        # still count in the new one.
        before = current_playlist(get_session(), station(OPERATOR_STATION).id, yesterday)
        get_session().execute(
            Playlist.__table__.update()
            .where(Playlist.id == before.id)
            .values(content_hash="force-a-rebuild")
        )
        get_session().commit()
    build_aired(app, yesterday, [OPERATOR_STATION])
    with app.app_context():
        after = current_playlist(get_session(), station(OPERATOR_STATION).id, yesterday)
        assert after.version > before.version
        figures = line(report(yesterday), OPERATOR_STATION).figures
        assert (figures.aired_items, figures.not_aired_items) == (len(mine) - 1, 1)


def test_time_passing_makes_items_and_sessions_due(app: Flask, yesterday: date) -> None:
    with app.app_context():
        mine = items(OPERATOR_STATION, yesterday)
        before_day = mine[0].planned_start - timedelta(hours=1)
        early = line(report(yesterday, now=before_day), OPERATOR_STATION)
        assert early.figures.due_items == 0 and early.sessions.due == 0
        assert early.figures.planned_items == len(mine)
        # The same tallies, asked about later, are remade: the day's items are now due.
        late = line(report(yesterday), OPERATOR_STATION)
        assert late.figures.due_items == len(mine)
        assert late.sessions.due == late.sessions.planned
        made = get_session().scalar(
            select(AiringDay.fresh_until).where(AiringDay.day == yesterday).limit(1)
        )
        assert made is None  # the day is over: only a report or a version can change it


def test_a_warm_report_remakes_nothing(app: Flask, yesterday: date) -> None:
    with app.app_context():
        confirm(OPERATOR_STATION, [aired(item) for item in items(OPERATOR_STATION, yesterday)])
        first = report(yesterday)
        made = list(get_session().execute(select(AiringDay.station_id, AiringDay.made_at)))
        rows = get_session().scalar(select(func.count()).select_from(AiringTally))
        second = report(yesterday)
        assert list(get_session().execute(select(AiringDay.station_id, AiringDay.made_at))) == made
        assert get_session().scalar(select(func.count()).select_from(AiringTally)) == rows
        assert second.total == first.total and second.anchor == first.anchor


def test_unplanned_airings_count_by_topic(app: Flask, yesterday: date) -> None:
    with app.app_context():
        start = items(OPERATOR_STATION, yesterday)[0].planned_start - timedelta(hours=1)
        topic_id = items(OPERATOR_STATION, yesterday)[0].topic_id
        live = Entry(
            "live-1",
            Status.AIRED,
            started_at=start,
            ended_at=start + timedelta(minutes=5),
            unplanned_kind="live",
            title="Thông báo khẩn của UBND xã",
            topic_id=topic_id,
            seconds=300,
        )
        confirm(OPERATOR_STATION, [live])
        result = report(yesterday)
        assert line(result, OPERATOR_STATION).figures.unplanned_seconds == 300
        by_topic = dict(result.topics)
        assert by_topic[topic_id].unplanned_items == 1
