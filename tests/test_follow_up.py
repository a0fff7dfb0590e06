"""Flagging sessions nobody confirmed, and the scheduler jobs that flag them and make digests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import delete, event, func, select, update

from radio import db
from radio.airings.follow_up import UnconfirmedSession, flag_unconfirmed, unconfirmed_sessions
from radio.airings.intake import Actor, Entry, Rules, accept
from radio.airings.jobs import (
    DIGEST_JOB_ID,
    FLAG_JOB_ID,
    add_airing_jobs,
    digest_job,
    flag_job,
)
from radio.airings.records import Source, Status
from radio.db import get_session
from scheduler.playlists import PlaylistSession, current_playlist
from scheduler.units import Station
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import ZONE, station

GRACE = timedelta(hours=2)
CODES = [OPERATOR_STATION, SAME_DISTRICT_STATION]


def noon_after(day: date) -> datetime:
    """The next day at noon: every session of `day` ended hours ago, within the look-back."""
    return datetime.combine(day + timedelta(days=1), time(12), ZoneInfo(ZONE))


def sessions_of(code: str, day: date) -> list[PlaylistSession]:
    playlist = current_playlist(get_session(), station(code).id, day)
    assert playlist is not None
    return list(playlist.sessions)


def session_end(played: PlaylistSession) -> datetime:
    return max(i.planned_start + timedelta(seconds=i.duration) for i in played.items)


def flagged_rows() -> int:
    return get_session().scalar(select(func.count()).select_from(UnconfirmedSession))


def flagged_pairs() -> set[tuple[int, datetime]]:
    query = select(UnconfirmedSession.station_id, UnconfirmedSession.starts_at)
    return {(station_id, starts_at) for station_id, starts_at in get_session().execute(query)}


def confirm_first_item(code: str, played: PlaylistSession, now: datetime) -> None:
    item = played.items[0]
    entry = Entry(
        client_key=f"test-{item.id}",
        status=Status.AIRED,
        item_id=item.id,
        started_at=item.planned_start,
        ended_at=item.planned_start + timedelta(seconds=item.duration),
    )
    (result,) = accept(get_session(), station(code), [entry], Actor(Source.PAGE), Rules(GRACE), now)
    assert result.outcome == "created", result.error


def test_every_ended_session_with_no_report_is_flagged_once(app: Flask, yesterday: date) -> None:
    with app.app_context():
        session = get_session()
        planned = {
            (station(code).id, s.items[0].planned_start): s
            for code in CODES
            for s in sessions_of(code, yesterday)
            if s.items
        }
        assert len(planned) >= 4
        assert flag_unconfirmed(session, noon_after(yesterday), GRACE) == len(planned)
        session.commit()
        rows = session.scalars(select(UnconfirmedSession)).all()
        assert {(r.station_id, r.starts_at) for r in rows} == set(planned)
        for row in rows:
            played = planned[(row.station_id, row.starts_at)]
            assert (row.day, row.session_number, row.label) == (
                yesterday,
                played.number,
                played.label,
            )
            assert row.playlist_id == played.playlist_id
            assert row.ends_at == session_end(played)
        # A second run finds nothing new and adds nothing.
        assert flag_unconfirmed(session, noon_after(yesterday), GRACE) == 0
        session.commit()
        assert flagged_rows() == len(planned)


def test_a_session_with_any_report_is_not_flagged(app: Flask, yesterday: date) -> None:
    with app.app_context():
        first = sessions_of(OPERATOR_STATION, yesterday)[0]
        now = noon_after(yesterday)
        confirm_first_item(OPERATOR_STATION, first, now)
        flag_unconfirmed(get_session(), now, GRACE)
        get_session().commit()
        flagged = flagged_pairs()
        assert (station(OPERATOR_STATION).id, first.items[0].planned_start) not in flagged
        assert len(flagged) == sum(len(sessions_of(c, yesterday)) for c in CODES) - 1


def test_a_later_report_clears_the_session_in_the_read_but_deletes_nothing(
    app: Flask, yesterday: date
) -> None:
    with app.app_context():
        now = noon_after(yesterday)
        flag_unconfirmed(get_session(), now, GRACE)
        get_session().commit()
        ids = [station(code).id for code in CODES]
        before = unconfirmed_sessions(get_session(), ids, yesterday, yesterday)
        rows = flagged_rows()
        assert len(before) == rows
        played = sessions_of(SAME_DISTRICT_STATION, yesterday)[-1]
        confirm_first_item(SAME_DISTRICT_STATION, played, now)
        after = unconfirmed_sessions(get_session(), ids, yesterday, yesterday)
        assert len(after) == len(before) - 1
        slot = (station(SAME_DISTRICT_STATION).id, played.items[0].planned_start)
        assert slot not in {(s.station_id, s.starts_at) for s in after}
        assert flagged_rows() == rows
        # Narrowed by station and by day.
        assert unconfirmed_sessions(get_session(), [ids[0]], yesterday, yesterday) == [
            s for s in after if s.station_id == ids[0]
        ]
        earlier = yesterday - timedelta(days=1)
        assert unconfirmed_sessions(get_session(), ids, earlier, earlier) == []
        assert unconfirmed_sessions(get_session(), [], yesterday, yesterday) == []


def test_grace_look_back_and_inactive_stations(app: Flask, yesterday: date) -> None:
    with app.app_context():
        session = get_session()
        last = max(sessions_of(OPERATOR_STATION, yesterday), key=session_end)
        end = session_end(last)
        slot = (station(OPERATOR_STATION).id, last.items[0].planned_start)
        # Within the grace time the last session is not flagged yet; after it, it is.
        flag_unconfirmed(session, end + GRACE - timedelta(minutes=1), GRACE)
        session.commit()
        assert slot not in flagged_pairs()
        assert flag_unconfirmed(session, end + GRACE, GRACE) >= 1
        session.commit()
        assert slot in flagged_pairs()
    with app.app_context():
        session = get_session()
        session.execute(delete(UnconfirmedSession))
        # Sessions older than the look-back are left alone.
        assert flag_unconfirmed(session, end + timedelta(days=4), GRACE, lookback_days=3) == 0
        # An inactive station's sessions are not flagged.
        session.execute(
            update(Station).where(Station.code == SAME_DISTRICT_STATION).values(active=False)
        )
        flag_unconfirmed(session, noon_after(yesterday), GRACE)
        session.commit()
        flagged = set(session.scalars(select(UnconfirmedSession.station_id)))
        assert flagged == {station(OPERATOR_STATION).id}


def test_flagging_is_one_query_whatever_the_number_of_sessions(app: Flask, yesterday: date) -> None:
    """Set-based: one SELECT finds every session, however many stations there are."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine()

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert flag_unconfirmed(get_session(), noon_after(yesterday), GRACE) > 0
        finally:
            event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects


def test_jobs_have_stable_ids_and_zoned_triggers(app: Flask) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        with app.app_context():
            for _ in range(2):  # a restart replaces the jobs, it does not add copies
                add_airing_jobs(scheduler, db.session_factory(), app.config)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {FLAG_JOB_ID, DIGEST_JOB_ID}
        flag = jobs[FLAG_JOB_ID]
        assert isinstance(flag.trigger, IntervalTrigger)
        assert flag.trigger.interval == timedelta(minutes=15)
        assert flag.next_run_time.tzinfo is not None
        digest = jobs[DIGEST_JOB_ID]
        assert isinstance(digest.trigger, CronTrigger)
        assert str(digest.trigger.timezone) == app.config["TIMEZONE"]
        assert "hour='6'" in str(digest.trigger) and "minute='30'" in str(digest.trigger)
        following = digest.trigger.get_next_fire_time(None, datetime.now(ZoneInfo(ZONE)))
        assert (following.hour, following.minute, str(following.tzinfo)) == (6, 30, ZONE)
    finally:
        scheduler.shutdown(wait=False)


def test_the_jobs_flag_and_make_yesterdays_digests(app: Flask, yesterday: date) -> None:
    with app.app_context():
        sessions = db.session_factory()
        # Yesterday's sessions end by midnight; at least the morning's are past grace now.
        assert flag_job(sessions, GRACE) >= 1
        made = digest_job(sessions, app.config["TIMEZONE"], GRACE, None)
        assert len(made) == 1  # the demo has one auditor, in Huyện Cư Jút
        assert digest_job(sessions, app.config["TIMEZONE"], GRACE, None) == made  # nothing new
