"""Tamper evidence: the as-run chain, `radio audit verify`, the daily anchor and the lock.

Tampering is done as an intruder would: plain SQL on the confirmation table, past the
application and its ORM.
"""

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from audio_library.db import utcnow
from radio.airings.chain import daily_anchor, stations_under, verify_station
from radio.airings.intake import Actor, Entry, Outcome, Rules, accept
from radio.airings.records import CHAINED, Confirmation, Source, Status, record_hash
from radio.db import get_session
from scheduler.units import Station
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import build_aired, station, today, words
from tests.test_confirmations_api import aired, planned, post
from tests.test_delivery_api import device

ALTERED = (
    "Station %(station)s: record no. %(seq)s (id %(id)s) was changed after it was "
    "written: its content does not match its hash."
)
RELINKED = (
    "Station %(station)s: record no. %(seq)s (id %(id)s) does not follow the one "
    "before it: a record was removed or replaced."
)
MISSING = "Station %(station)s: record no. %(seq)s is missing from the chain."
HOLDS = "The as-run log holds: %(records)s records of %(stations)s stations checked."
BROKEN = "%(count)s of %(stations)s stations have a broken chain."


def confirm_day(app: Flask, client: FlaskClient, code: str, day: date, prefix: str) -> None:
    """The station's device reports each item of the day as aired."""
    entries = [aired(item, f"{prefix}-{n}") for n, item in enumerate(planned(app, code, day))]
    answer = post(client, device(app, code), entries, code)
    assert answer.json["created"] == len(entries)


@pytest.fixture
def chains(app: Flask, client: FlaskClient, yesterday: date) -> dict[str, list[int]]:
    """Yesterday confirmed by both Cư Jút stations: each station's record ids, by number."""
    for code in (OPERATOR_STATION, SAME_DISTRICT_STATION):
        confirm_day(app, client, code, yesterday, "day")
    return {code: ids_of(app, code) for code in (OPERATOR_STATION, SAME_DISTRICT_STATION)}


def ids_of(app: Flask, code: str) -> list[int]:
    with app.app_context():
        query = (
            select(Confirmation.id)
            .where(Confirmation.station_id == station(code).id)
            .order_by(Confirmation.seq)
        )
        return list(get_session().scalars(query))


def sql(app: Flask, statement: str, **params: Any) -> None:
    with app.app_context():
        session = get_session()
        assert session.execute(text(statement), params).rowcount == 1
        session.commit()


def verify(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["audit", "verify", *args])


def station_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Station))


def rewrite(app: Flask, record_id: int, status: str, following: bool) -> None:
    """Change a record's status and give it a matching hash, as a careful forger would;
    with `following`, relink every later record of its station too."""
    with app.app_context():
        session = get_session()
        first = session.get(Confirmation, record_id)
        assert first is not None
        query = select(Confirmation).where(
            Confirmation.station_id == first.station_id, Confirmation.seq >= first.seq
        )
        rows = list(session.scalars(query.order_by(Confirmation.seq)))
        prev = first.prev_hash
        for row in rows if following else rows[:1]:
            values = {name: getattr(row, name) for name in CHAINED}
            if row.id == record_id:
                values["status"] = status
            digest = record_hash(prev, values)
            session.execute(
                text(
                    "UPDATE confirmation SET status = :status, prev_hash = :prev, hash = :hash "
                    "WHERE id = :id"
                ),
                {"status": values["status"], "prev": prev, "hash": digest, "id": row.id},
            )
            prev = digest
        session.commit()
        session.expire_all()


# radio audit verify ------------------------------------------------------------------


def test_verify_counts_every_station_and_one(app, runner, chains):
    total = sum(len(ids) for ids in chains.values())
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == words(app, HOLDS, records=total, stations=station_count(app))
    mine = chains[OPERATOR_STATION]
    result = verify(runner, "--station", OPERATOR_STATION)
    assert result.exit_code == 0
    assert result.output.strip() == words(app, HOLDS, records=len(mine), stations=1)


def test_verify_an_unknown_station_is_a_clear_error(app, runner, chains):
    result = verify(runner, "--station", "00-00000")
    assert result.exit_code != 0
    assert words(app, "No station has the code %(code)s.", code="00-00000") in result.output


@pytest.mark.parametrize(
    "change",
    [
        "status = 'not_aired'",
        "late = NOT late",
        "note = 'loa hỏng'",
        "client_key = 'forged'",
        "started_at = ended_at",
    ],
)
def test_a_record_changed_in_the_database_is_found(app, runner, chains, change):
    mine = chains[OPERATOR_STATION]
    target = mine[2]
    sql(app, f"UPDATE confirmation SET {change} WHERE id = :id", id=target)
    result = verify(runner)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        words(app, ALTERED, station=OPERATOR_STATION, seq=3, id=target),
        words(app, BROKEN, count=1, stations=station_count(app)),
    ]
    assert verify(runner, "--station", SAME_DISTRICT_STATION).exit_code == 0


def test_a_record_rehashed_in_place_breaks_the_next_link(app, runner, chains):
    mine = chains[OPERATOR_STATION]
    rewrite(app, mine[2], "not_aired", following=False)
    result = verify(runner, "--station", OPERATOR_STATION)
    assert result.exit_code == 1
    assert words(app, RELINKED, station=OPERATOR_STATION, seq=4, id=mine[3]) in result.output
    assert verify(runner, "--station", SAME_DISTRICT_STATION).exit_code == 0


def test_a_deleted_record_is_missing(app, runner, chains):
    mine = chains[OPERATOR_STATION]
    sql(app, "DELETE FROM confirmation WHERE id = :id", id=mine[1])
    result = verify(runner)
    assert result.exit_code == 1
    assert words(app, MISSING, station=OPERATOR_STATION, seq=2) in result.output
    assert words(app, BROKEN, count=1, stations=station_count(app)) in result.output
    assert SAME_DISTRICT_STATION not in result.output
    with app.app_context():
        checked, found = verify_station(get_session(), station(SAME_DISTRICT_STATION))
        assert (checked, found) == (len(chains[SAME_DISTRICT_STATION]), None)


def test_a_renumbered_chain_is_found(app, runner, chains):
    """Closing the gap a deletion left does not help: the next record's link is wrong."""
    mine = chains[OPERATOR_STATION]
    sql(app, "DELETE FROM confirmation WHERE id = :id", id=mine[1])
    for record_id in mine[2:]:
        sql(app, "UPDATE confirmation SET seq = seq - 1 WHERE id = :id", id=record_id)
    result = verify(runner, "--station", OPERATOR_STATION)
    assert result.exit_code == 1
    assert words(app, RELINKED, station=OPERATOR_STATION, seq=2, id=mine[2]) in result.output


# The daily anchor --------------------------------------------------------------------


def anchor(app: Flask, until) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        district = station(OPERATOR_STATION).unit.parent
        assert district is not None
        return daily_anchor(session, stations_under(session, district), until)


def test_the_daily_anchor_is_stable_and_ignores_later_records(app, client, runner, chains):
    until = utcnow()
    first = anchor(app, until)
    assert anchor(app, until) == first
    # More reports arrive: the day-before anchor stays, a later one moves.
    earlier = today() - timedelta(days=2)
    build_aired(app, earlier, [OPERATOR_STATION])
    confirm_day(app, client, OPERATOR_STATION, earlier, "late")
    assert anchor(app, until) == first
    assert anchor(app, utcnow()) != first
    # Even a forged record after `until` leaves it be.
    later = ids_of(app, OPERATOR_STATION)[-1]
    rewrite(app, later, "not_aired", following=True)
    assert anchor(app, until) == first


def test_the_daily_anchor_changes_when_history_is_rewritten(app, runner, chains):
    until = utcnow()
    first = anchor(app, until)
    # A forger who rehashes everything after the record gets past verify…
    rewrite(app, chains[OPERATOR_STATION][1], "not_aired", following=True)
    assert verify(runner).exit_code == 0
    # …but not past the anchor printed with last night's report.
    assert anchor(app, until) != first


def test_the_daily_anchor_changes_when_the_last_record_is_removed(app, runner, chains):
    until = utcnow()
    first = anchor(app, until)
    sql(app, "DELETE FROM confirmation WHERE id = :id", id=chains[SAME_DISTRICT_STATION][-1])
    assert verify(runner).exit_code == 0  # a shorter chain still links up
    assert anchor(app, until) != first


# The lock ----------------------------------------------------------------------------


def test_two_writers_to_one_station_number_the_chain_without_gaps(app, yesterday):
    """Each thread has its own session and accepts batches for the same station."""
    items = planned(app, OPERATOR_STATION, yesterday)
    with app.app_context():
        station_id = station(OPERATOR_STATION).id
    sessions = app.extensions["radio.sessions"]
    start = threading.Barrier(2)
    failures: list[BaseException] = []
    rounds = 5

    def writer(name: str) -> None:
        try:
            with sessions() as session:
                target = session.get(Station, station_id)
                start.wait(timeout=30)
                for round_ in range(rounds):
                    entries = [
                        Entry(
                            client_key=f"{name}-{round_}-{n}",
                            status=Status.AIRED,
                            item_id=item.id,
                            started_at=item.start,
                            ended_at=item.end,
                        )
                        for n, item in enumerate(items)
                    ]
                    results = accept(
                        session, target, entries, Actor(Source.DEVICE), Rules(timedelta(hours=2))
                    )
                    assert {r.outcome for r in results} == {Outcome.CREATED}
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    total = 2 * rounds * len(items)
    with app.app_context():
        session = get_session()
        seqs = session.scalars(
            select(Confirmation.seq)
            .where(Confirmation.station_id == station_id)
            .order_by(Confirmation.seq)
        )
        assert list(seqs) == list(range(1, total + 1))
        assert verify_station(session, station(OPERATOR_STATION)) == (total, None)
        # Receive times rise with the numbers: the clock is read under the lock.
        times = list(
            session.scalars(
                select(Confirmation.received_at)
                .where(Confirmation.station_id == station_id)
                .order_by(Confirmation.seq)
            )
        )
        assert times == sorted(times)
