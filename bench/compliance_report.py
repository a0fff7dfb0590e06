"""A province-year compliance report against the hand-written SQL aggregate of the same table.

The data: one province of STATIONS stations in 10 districts, DAYS days ending yesterday,
ITEMS items a day in two sessions (150 × 365 × 40: about 2.2 million planned items), and
a report of each item (mostly aired; some not or partly aired, a day in twenty reported
a day late, a few corrected by a later record, a station-day in a hundred silent: about
2.2 million records), numbered per station in the order received as the chain numbers
them. It is generated straight into the tables: executemany in one transaction on
SQLite, COPY on PostgreSQL. Record hashes are a constant: nothing measured here reads
them but the anchor, which only copies them.

Measured in one run, on SQLite and (when DATABASE_URL names a server) PostgreSQL:
- cold: `compliance()` for the province and the year with no tallies (it makes them);
- warm: the same again, as a user gets it after the nightly job or any earlier report;
- hand: one SQL statement over the raw tables computing the per-station table (planned
  and aired items and minutes, each slot's last report counting), whose numbers must
  equal the report's.
The hand query's "last report of a slot" takes the form fastest on each database (see
HAND_SQL). Target: warm under 1 s and within 2× of hand. A full run of both databases
takes five to six minutes on two cores; `--quick` (20 stations, 30 days) under half a
minute. `--profile` prints where a warm report spends its time.
"""

import argparse
import cProfile
import pstats
import random
import time as timer
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Engine, bindparam, select, text

from audio_library.db import utcnow
from audio_library.segments import Segment
from bench.common import on_each_backend, report
from radio import create_app, db
from radio.airings.compliance import Compliance, compliance
from radio.demo import ensure_topics
from scheduler.campaigns import Campaign, Quota, QuotaKind, set_pool
from scheduler.stations import save_station
from scheduler.unit_import import import_units
from scheduler.units import Station, Unit

NAME = "compliance_report"
ZONE = "Asia/Ho_Chi_Minh"
GRACE = timedelta(hours=2)
DISTRICTS = 10
SESSIONS = (time(6, 0), time(17, 0))
TARGET_SECONDS, TARGET_RATIO = 1.0, 2.0
HASH = "0" * 64
CHUNK = 50_000  # rows per executemany or COPY flush


def units_csv(stations: int) -> bytes:
    lines = ["code,name,tier,parent_code", "90,Tỉnh Thử Nghiệm,province,"]
    for d in range(DISTRICTS):
        lines.append(f"9{d:02d},Huyện Số {d + 1},district,90")
    for n in range(stations):
        lines.append(f"9{n:04d}1,Xã Số {n + 1},commune,9{n % DISTRICTS:02d}")
    return "\n".join(lines).encode()


def setup(session: Any, stations: int, first: date, last: date) -> tuple[int, list[int]]:
    """The units, stations, topics, segments and a year-long campaign with two quotas; the
    province's id and the stations' ids."""
    result = import_units(session, units_csv(stations))
    communes = [u for u in result.units if u.tier == "commune"]
    found = []
    for unit in communes:
        station = Station(
            code=f"90-{unit.code}",
            name=f"Đài {unit.name}",
            timezone=ZONE,
            kind="wired",
            clusters=1,
            active=True,
            contact="",
        )
        found.append(save_station(session, station, unit).id)
    topics = list(ensure_topics(session).values())[:6]
    segments = [
        Segment(
            title=f"Bản tin {topic.name} số {n + 1}",
            topic_id=topic.id,
            source="upload",
            state="approved",
            audio_sha=f"{len(topics) * n + i:064x}",
            original_sha=HASH,
            duration=120.0,
            loudness_lufs=-16.0,
            true_peak_dbtp=-1.5,
        )
        for n in range(4)
        for i, topic in enumerate(topics)
    ]
    session.add_all(segments)
    session.flush()
    (province,) = [u for u in result.units if u.tier == "province"]
    campaign = Campaign(
        code="bench-campaign",
        name="Kế hoạch tuyên truyền năm",
        starts_on=first,
        ends_on=last,
        unit_id=province.id,
        targets=[province],
        quotas=[
            Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=3),
            Quota(kind=QuotaKind.TOPIC_MINUTES, minutes_per_week=5, topic_id=topics[0].id),
        ],
    )
    session.add(campaign)
    session.flush()
    set_pool(session, campaign, [s.id for s in segments[:4]])
    session.commit()
    return province.id, found


Slot = tuple[int, datetime, float, Any]  # item id, planned start, seconds, segment row


def generate(
    stations: list[int],
    first: date,
    days: int,
    per_day: int,
    segments: list[Any],
    campaign_id: int,
    stored: Callable[[Any], Any],
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """("playlist" | "playlist_session" | "playlist_item" | "confirmation", row), parents
    first; `stored` turns each date and time into what the database is sent."""
    luck = random.Random(6)
    zone = ZoneInfo(ZONE)
    item_id = confirmation_id = playlist_id = 0
    per_session = per_day // len(SESSIONS)
    built = stored(datetime.combine(first, time(0), UTC))
    for station_id in stations:
        # (received, report, the report it corrects): numbered once all are made, in the
        # order they were received, as the station's chain numbers them.
        reports: list[tuple[datetime, list[Any], list[Any] | None]] = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            playlist_id += 1
            row = (playlist_id, station_id, stored(day), 1, built, "bench", HASH, "{}", "[]")
            yield "playlist", row
            silent = luck.random() < 0.01
            late = luck.random() < 0.05
            for number, opening in enumerate(SESSIONS, 1):
                start = datetime.combine(day, opening, zone).astimezone(UTC)
                row = (playlist_id, number, f"Buổi {number}", "regular", stored(start), 3600, 0)
                yield "playlist_session", (*row, None, None)
                items = []
                for position in range(per_session):
                    item_id += 1
                    segment = segments[(offset + position) % len(segments)]
                    emergency = position == 0 and number == 2 and (station_id + offset) % 30 == 0
                    campaign = campaign_id if position % 5 == 0 else None
                    seconds = float(60 + 30 * (position % 5))
                    items.append((item_id, start, seconds, segment))
                    yield "playlist_item", (
                        item_id, playlist_id, number, position, "segment", segment.id, "",
                        segment.title, segment.topic_id,
                        "emergency" if emergency else "normal", stored(start), seconds, HASH,
                        "emergency" if emergency else "fill", campaign, None, None, None,
                    )  # fmt: skip
                    start += timedelta(seconds=seconds)
                if silent:
                    continue
                received = start + (timedelta(days=1, hours=3) if late else timedelta(minutes=5))
                for slot in items:
                    roll = luck.random()
                    status = (
                        "not_aired" if roll < 0.03 else "partly_aired" if roll < 0.05 else "aired"
                    )
                    row = confirmation(slot, status, stored)
                    row[1], row[5], row[6] = station_id, stored(day), number
                    row[24], row[25] = stored(received), late
                    reports.append((received, row, None))
                    if luck.random() < 0.003:
                        fix = list(row)
                        fix[9], fix[10], fix[11] = "not_aired", "other", "sửa"
                        fix[12], fix[13], fix[17] = None, None, None
                        fix[22] = f"fix-{slot[0]}"
                        fix[24] = stored(received + timedelta(hours=1))
                        reports.append((received + timedelta(hours=1), fix, row))
        reports.sort(key=lambda report: report[0])
        for seq, (_received, row, corrected) in enumerate(reports, 1):
            confirmation_id += 1
            row[0], row[2] = confirmation_id, seq
            if corrected is not None:
                row[26] = corrected[0]
            yield "confirmation", tuple(row)


def confirmation(slot: Slot, status: str, stored: Callable[[Any], Any]) -> list[Any]:
    """A report of the slot's item; id, station, seq, day, session and receipt to fill."""
    item_id, start, seconds, segment = slot
    aired = {"aired": seconds, "partly_aired": seconds // 2, "not_aired": None}[status]
    reason = {"aired": None, "partly_aired": "equipment_fault", "not_aired": "power_cut"}[status]
    times = (stored(start), stored(start + timedelta(seconds=aired))) if aired else (None, None)
    return [
        None, None, None, item_id, 1, None, None, stored(start), segment.id, status, reason, "",
        *times, None, segment.title, segment.topic_id, int(aired) if aired else None, "device",
        None, None, "10.0.0.1", f"b-{item_id}", None, None, None, None, HASH, HASH,
    ]  # fmt: skip


def names(columns: str) -> list[str]:
    return columns.split()


# The columns each generated row fills, in its order.
TABLES = {
    "playlist": names("id station_id day version built_at trigger content_hash changes report"),
    "playlist_session": names(
        "playlist_id number label kind starts_at max_seconds gap_seconds template_id interrupts"
    ),
    "playlist_item": names(
        "id playlist_id session_number position kind segment_id url title topic_id level "
        "planned_start duration audio_sha reason campaign_id quota_id announcement_id "
        "template_item_id"
    ),
    "confirmation": names(
        "id station_id seq playlist_item_id playlist_version day session_number planned_start "
        "segment_id status reason note started_at ended_at unplanned_kind title topic_id "
        "seconds source user_id token_id remote_addr client_key client_time received_at late "
        "corrects_id prev_hash hash"
    ),
}


@cache
def sqlite_value(value: Any) -> Any:
    """What SQLAlchemy stores on SQLite: UTC times as text with microseconds, dates as text.
    Kept: every station has the same times, so each is worked out once."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


def as_is(value: Any) -> Any:
    return value


INDEXES = {
    "sqlite": "SELECT name, sql FROM sqlite_master "
    "WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})",
    "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({tables}) "
    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
}


def load(engine: Engine, rows: Iterator[tuple[str, tuple[Any, ...]]]) -> dict[str, int]:
    """Write the generated rows: executemany on SQLite, COPY on PostgreSQL; one transaction."""
    counts = dict.fromkeys(TABLES, 0)
    pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
    connection = engine.raw_connection()
    cursor = connection.cursor()
    sqlite = engine.dialect.name == "sqlite"
    # A generated load: its keys hold by construction, so foreign keys go unchecked (on
    # PostgreSQL their triggers are off for this session; the bench runs as the owner).
    if sqlite:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
    else:
        cursor.execute("SET session_replication_role = replica")
    # Indexes are built once at the end, as a bulk load does (unique ones stay: they are
    # constraints).
    names = ", ".join(f"'{name}'" for name in TABLES)
    cursor.execute(INDEXES[engine.dialect.name].format(tables=names))
    indexes = list(cursor.fetchall())
    for index, _definition in indexes:
        cursor.execute(f"DROP INDEX {index}")

    def flush(name: str) -> None:
        batch, columns = pending[name], TABLES[name]
        if sqlite:
            marks = ",".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {name} ({','.join(columns)}) VALUES ({marks})", batch)
        else:
            with cursor.copy(f"COPY {name} ({','.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        counts[name] += len(batch)
        batch.clear()

    for name, row in rows:
        pending[name].append(row)
        # Parents first: a playlist's sessions and items follow it in the stream.
        if len(pending[name]) >= CHUNK:
            for parent in TABLES:
                flush(parent)
                if parent == name:
                    break
    for name in TABLES:
        flush(name)
    for _index, definition in indexes:
        cursor.execute(definition)
    if not sqlite:
        cursor.execute("SET session_replication_role = DEFAULT")
        for name in ("playlist", "playlist_item", "confirmation"):
            # Later inserts (none in this run) would take the next free id.
            cursor.execute(f"SELECT setval('{name}_id_seq', (SELECT max(id) FROM {name}))")
    connection.commit()
    connection.close()
    return counts


# The per-station table in one statement, each database given the fastest of the forms
# tried for "the slot's last report" (correlated max id, NOT EXISTS a later report, and
# row_number() over the slot): SQLite probes the slot index per item; PostgreSQL takes
# the anti-join (the window form was as fast there, and three times slower on SQLite).
SELECT_TABLE = """
SELECT p.station_id,
  count(*) AS planned_items,
  sum(i.duration) AS planned_seconds,
  sum(CASE WHEN c.status = 'aired' THEN 1 ELSE 0 END) AS aired_items,
  sum(CASE WHEN c.status = 'aired' THEN i.duration
           WHEN c.status = 'partly_aired' THEN coalesce(c.seconds, 0) ELSE 0 END) AS aired_seconds
FROM playlist p
JOIN playlist_item i ON i.playlist_id = p.id
LEFT JOIN confirmation c ON {last_report}
WHERE p.day BETWEEN :first AND :last
  AND p.version = (SELECT max(v.version) FROM playlist v
                   WHERE v.station_id = p.station_id AND v.day = p.day)
GROUP BY p.station_id
"""
HAND_SQL = {
    "sqlite": SELECT_TABLE.format(
        last_report="""c.id = (
  SELECT max(r.id) FROM confirmation r
  WHERE r.station_id = p.station_id AND r.planned_start = i.planned_start
    AND coalesce(r.segment_id, 0) = coalesce(i.segment_id, 0))"""
    ),
    "postgresql": SELECT_TABLE.format(
        last_report="""c.station_id = p.station_id AND c.planned_start = i.planned_start
  AND coalesce(c.segment_id, 0) = coalesce(i.segment_id, 0)
  AND NOT EXISTS (SELECT 1 FROM confirmation r
                  WHERE r.station_id = c.station_id AND r.planned_start = c.planned_start
                    AND coalesce(r.segment_id, 0) = coalesce(c.segment_id, 0) AND r.id > c.id)"""
    ),
}


def hand(session: Any, first: date, last: date) -> dict[int, tuple[float, ...]]:
    sql = HAND_SQL[session.get_bind().dialect.name]
    query = text(sql).bindparams(bindparam("first", type_=Date), bindparam("last", type_=Date))
    rows = session.execute(query, {"first": first, "last": last})
    return {r[0]: (r[1], float(r[2] or 0), r[3], float(r[4] or 0)) for r in rows}


def from_report(c: Compliance) -> dict[int, tuple[float, ...]]:
    return {
        line.station.id: (
            line.figures.planned_items,
            float(line.figures.planned_seconds),
            line.figures.aired_items,
            float(line.figures.aired_seconds),
        )
        for line in c.stations
    }


def same(a: dict[int, tuple[float, ...]], b: dict[int, tuple[float, ...]]) -> bool:
    return a.keys() == b.keys() and all(
        all(abs(x - y) < 1e-6 * max(1.0, abs(x)) for x, y in zip(a[k], b[k], strict=True))
        for k in a
    )


def timed(work: Any) -> tuple[float, Any]:
    start = timer.perf_counter()
    result = work()
    return timer.perf_counter() - start, result


def measure(backend: str, url: str, folder: Path, args: argparse.Namespace) -> None:
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        db.upgrade()
        session = db.get_session()
        now = utcnow()
        last = now.astimezone(ZoneInfo(ZONE)).date() - timedelta(days=1)
        first = last - timedelta(days=args.days - 1)
        province, stations = setup(session, args.stations, first, last)
        segments = list(
            session.execute(
                select(Segment.id, Segment.title, Segment.topic_id).order_by(Segment.id)
            )
        )
        campaign_id = session.scalar(select(Campaign.id))
        session.close()
        load_seconds, counts = timed(
            lambda: load(
                db.engine(),
                generate(
                    stations,
                    first,
                    args.days,
                    args.items,
                    segments,
                    campaign_id,
                    sqlite_value if backend == "sqlite" else as_is,
                ),
            )
        )
        print(f"{NAME} [{backend}]: loaded {counts} in {load_seconds:.1f} s")
        if backend == "postgresql":
            with db.engine().connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()

        def run() -> Compliance:
            session = db.get_session()
            unit = session.get(Unit, province)
            result = compliance(session, unit, first, last, now=now, grace=GRACE, zone=ZONE)
            session.close()
            return result

        cold, made = timed(run)
        warm_runs = [timed(run) for _ in range(args.runs)]
        hand_runs = [timed(lambda: hand(db.get_session(), first, last)) for _ in range(args.runs)]
        warm, hand_seconds = min(t for t, _ in warm_runs), min(t for t, _ in hand_runs)
        by_report = from_report(warm_runs[-1][1])
        assert same(from_report(made), by_report), "the cold and the warm report disagree"
        assert same(by_report, hand_runs[-1][1]), "the report and the SQL disagree"
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(run)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        db.engine().dispose()
    figures = {
        "stations": float(args.stations),
        "days": float(args.days),
        "planned_items": float(counts["playlist_item"]),
        "confirmations": float(counts["confirmation"]),
        "load_s": load_seconds,
        "cold_s": cold,
        "warm_s": warm,
        "hand_s": hand_seconds,
        "cold_over_hand": cold / hand_seconds,
    }
    report(f"{NAME}_{backend}", figures, ("warm_s", "hand_s"))
    verdict = "met" if warm < TARGET_SECONDS and warm / hand_seconds <= TARGET_RATIO else "MISSED"
    print(
        f"{NAME} [{backend}]: target warm < {TARGET_SECONDS:.0f} s and <= {TARGET_RATIO:.0f}x "
        f"hand: {verdict} (warm {warm:.3f} s, {warm / hand_seconds:.2f}x hand; "
        f"cold {cold / hand_seconds:.1f}x hand)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compliance_report")
    parser.add_argument("--stations", type=int, default=150)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--items", type=int, default=40, help="items a day (two sessions)")
    parser.add_argument("--runs", type=int, default=2, help="warm and hand: best of")
    parser.add_argument("--profile", action="store_true", help="profile one warm report")
    parser.add_argument("--quick", action="store_true", help="20 stations, 30 days")
    args = parser.parse_args(argv if argv is not None else [])
    if args.quick:
        args.stations, args.days = 20, 30
    on_each_backend(lambda backend, url, folder: measure(backend, url, folder, args))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
