"""Playlist build for a national-scale tree against a bulk insert of the rows it writes.

3,321 communes under 63 provinces (two-tier, as since 2025), one station each; two
sessions a day per province template, 150 approved segments of 30–180 s across 12
topics, 3 campaigns with quotas, one-offs and an emergency. The build plans and
writes 7 days for every station; the floor inserts exactly the same playlist,
session and item rows through the builder's own bulk write (one executemany; COPY
on PostgreSQL) with no logic. Run on
SQLite (a file in a temporary folder) and on PostgreSQL (a temporary database on
BENCH_PG_URL, default postgresql://postgres@127.0.0.1/postgres, dropped after).

Targets: build / floor ≤ 3 and the build under 60 s. `python -m bench.playlist_build
--profile [sqlite|postgresql]` prints where the build spends its time instead.
"""

import contextlib
import cProfile
import hashlib
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, delete, func, insert, make_url, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from audio_library.db import database_url, make_engine
from audio_library.segments import Level, Segment, Source, State, Topic
from bench.common import report
from radio import create_app, db
from radio.demo_content import TOPICS
from scheduler.announcements import Announcement
from scheduler.builder import build_playlists
from scheduler.bulk import insert_rows
from scheduler.campaigns import Campaign, Quota, QuotaKind, campaign_segment
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession
from scheduler.rules import UnitRules
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem
from scheduler.unit_import import import_units
from scheduler.units import Station

NAME = "playlist_build"
PROVINCES, COMMUNES = 63, 3321
SEGMENTS, ONE_OFFS, DAYS = 150, 40, 7
TIMEZONE = "Asia/Ho_Chi_Minh"
MONDAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 3, 22, 0, tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1/postgres")
TARGET_RATIO, TARGET_SECONDS = 3.0, 60.0
TABLES = (Playlist, PlaylistSession, PlaylistItem)


def national_csv() -> bytes:
    """63 provinces with 52 or 53 communes each: 3,321 communes in all."""
    lines = ["code,name,tier,parent_code"]
    per, extra = divmod(COMMUNES, PROVINCES)
    for p in range(1, PROVINCES + 1):
        lines.append(f"{p:02d},Tỉnh Số {p},province,")
        count = per + (1 if p <= extra else 0)
        lines += [f"{p:02d}{c:03d},Xã Số {c} tỉnh {p},commune,{p:02d}" for c in range(1, count + 1)]
    return ("\n".join(lines) + "\n").encode()


def migrated(url: str, folder: Path) -> None:
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(folder)})
    with app.app_context():
        db.upgrade()
        db.engine().dispose()


def populate(session: Session) -> None:
    """The country's units and stations, a library, templates, campaigns and broadcasts."""
    rng = random.Random(2030)
    units = import_units(session, national_csv()).units
    provinces = [u for u in units if u.tier == "province"]
    stamp = datetime.now(UTC)
    session.execute(
        insert(Station),
        [
            {
                "code": f"{u.tree}-{u.code}",
                "name": f"Đài truyền thanh {u.name}",
                "unit_id": u.id,
                "timezone": TIMEZONE,
                "kind": "wired",
                "clusters": 1,
                "active": True,
                "contact": "",
                "created_at": stamp,
            }
            for u in units
            if u.tier == "commune"
        ],
    )
    topics = {code: Topic(code=code, name=name) for code, name in TOPICS}
    session.add_all(topics.values())
    session.flush()
    spoken = [t for code, t in topics.items() if code != "nhac-hieu"]
    segments = [
        _segment(
            f"Bản tin số {n}",
            topics[TOPICS[n % 12][0]] if n % 12 != 11 else spoken[n % 11],
            rng.randint(30, 180),
            # A third belong to a province (its own news); some air only part of the week.
            unit_id=rng.choice(provinces).id if n % 3 == 0 else None,
            air_from=MONDAY + timedelta(days=rng.randint(1, 3)) if n % 10 == 0 else None,
        )
        for n in range(SEGMENTS)
    ]
    jingles = [_segment(f"Nhạc hiệu {n}", topics["nhac-hieu"], 15) for n in (1, 2)]
    alert = _segment("Tin bão khẩn cấp", topics["thien-tai"], 60, level=Level.EMERGENCY)
    session.add_all([*segments, *jingles, alert])
    session.flush()
    for n, province in enumerate(provinces):
        session.add(
            UnitRules(
                unit_id=province.id,
                quiet_from=clock(21, 0),
                quiet_until=clock(6, 0),
                max_session_minutes=60,
                max_day_minutes=120,
            )
        )
        for label, at in (("Buổi sáng", clock(6, 0)), ("Buổi chiều", clock(17, 0))):
            fill = [spoken[(n + k) % len(spoken)] for k in range(3)]
            session.add(
                SessionTemplate(
                    unit_id=province.id,
                    label=label,
                    starts_at=at,
                    max_minutes=30,
                    items=[
                        TemplateItem(position=0, kind=ItemKind.OPEN, segment_id=jingles[0].id),
                        *(
                            TemplateItem(position=1 + k, kind=ItemKind.FILL, topic_id=t.id)
                            for k, t in enumerate(fill)
                        ),
                        TemplateItem(position=9, kind=ItemKind.CLOSE, segment_id=jingles[1].id),
                    ],
                )
            )
    national = [s for s in segments if s.unit_id is None and s.air_from is None]
    for n, targets in enumerate((provinces[:20], provinces[20:50], provinces)):
        campaign = Campaign(
            code=f"ke-hoach-{n + 1}",
            name=f"Kế hoạch tuyên truyền số {n + 1}",
            starts_on=MONDAY - timedelta(days=30),
            ends_on=MONDAY + timedelta(days=120),
            targets=targets,
            quotas=[
                Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=3),
                Quota(kind=QuotaKind.TOPIC_MINUTES, minutes_per_week=15, topic_id=spoken[n].id),
            ],
        )
        session.add(campaign)
        session.flush()
        pool = rng.sample(national, 8)
        session.execute(
            insert(campaign_segment),
            [{"campaign_id": campaign.id, "segment_id": s.id} for s in pool],
        )
    stations = list(session.scalars(select(Station)))
    for n in range(ONE_OFFS):
        days = sorted(rng.sample(range(DAYS), rng.randint(1, 3)))
        session.add(
            Announcement(
                segment=rng.choice(national),
                level=Level.PRIORITY if n % 4 == 0 else Level.NORMAL,
                days=[(MONDAY + timedelta(days=d)).isoformat() for d in days],
                session_labels=[] if n % 2 else ["Buổi chiều"],
                units=[rng.choice(provinces)] if n % 3 else [],
                stations=[] if n % 3 else rng.sample(stations, 5),
            )
        )
    storm = datetime(2030, 3, 6, 14, 0, tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)
    session.add(
        Announcement(
            segment=alert,
            level=Level.EMERGENCY,
            starts_at=storm,
            expires_at=storm + timedelta(hours=12),
            repeat_minutes=120,
            units=provinces[:5],
        )
    )
    session.flush()


def _segment(title: str, topic: Topic, seconds: float, **fields: Any) -> Segment:
    sha = hashlib.sha256(title.encode()).hexdigest()
    return Segment(
        title=title,
        topic_id=topic.id,
        level=fields.pop("level", Level.NORMAL),
        state=State.APPROVED,
        source=Source.TTS,
        duration=float(seconds),
        audio_sha=sha,
        original_sha=sha,
        loudness_lufs=-16.0,
        true_peak_dbtp=-1.0,
        **fields,
    )


def build(engine: Engine) -> tuple[float, int]:
    """Build 7 days for every station and commit; the seconds it took and the stations."""
    with Session(engine) as session:
        start = time.perf_counter()
        result = build_playlists(session, MONDAY, DAYS, now=NOW, trigger="bench")
        session.commit()
        seconds = time.perf_counter() - start
    assert result.playlists == result.stations * DAYS, result
    return seconds, result.stations


def floor(engine: Engine) -> tuple[float, int]:
    """Re-insert the rows the build wrote, the way it writes them, with no logic."""
    with Session(engine) as session:
        rows = {
            model: [dict(r._mapping) for r in session.execute(select(model.__table__))]
            for model in TABLES
        }
        for model in reversed(TABLES):
            session.execute(delete(model))
        session.commit()
        start = time.perf_counter()
        # The builder's own writes: playlists with the ORM (it needs their ids back), their
        # sessions and items in bulk (COPY on PostgreSQL).
        session.execute(insert(Playlist), rows[Playlist])
        for model in (PlaylistSession, PlaylistItem):
            insert_rows(session, model, rows[model])
        session.commit()
        seconds = time.perf_counter() - start
    return seconds, sum(len(r) for r in rows.values())


def measure(backend: str, url: str, folder: Path) -> None:
    migrated(url, folder)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            populate(session)
            session.commit()
        build_s, stations = build(engine)
        with Session(engine) as session:
            counts = [session.scalar(select(func.count()).select_from(m)) for m in TABLES]
        floor_s, rows = floor(engine)
    finally:
        engine.dispose()
    assert rows == sum(counts)
    figures = {
        "build_s": build_s,
        "floor_s": floor_s,
        "stations": stations,
        "days": DAYS,
        "playlists": counts[0],
        "sessions": counts[1],
        "items": counts[2],
        "rows": rows,
        "stations_per_s": stations / build_s,
    }
    report(f"{NAME}_{backend}", figures, ("build_s", "floor_s"))
    ratio = build_s / floor_s
    met = ratio <= TARGET_RATIO and build_s < TARGET_SECONDS
    print(
        f"{NAME}_{backend}: targets ratio ≤ {TARGET_RATIO:g} and build < {TARGET_SECONDS:g} s: "
        + ("met" if met else "MISSED")
    )


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """A temporary PostgreSQL database, or None when no server answers."""
    admin_url = database_url(PG_ADMIN)
    name = f"loaxa_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"{NAME}: PostgreSQL not reachable at {PG_ADMIN} ({exc.orig}); skipped")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def profile(backend: str) -> None:
    """Print the functions the build spends its time in, on "sqlite" or "postgresql"."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="loaxa-bench-")))
        url = f"sqlite:///{folder / 'radio.db'}"
        if backend == "postgresql":
            url = stack.enter_context(postgres_database()) or ""
        migrated(url, folder)
        engine = make_engine(url)
        with Session(engine) as session:
            populate(session)
            session.commit()
        profiler = cProfile.Profile()
        profiler.enable()
        seconds, _stations = build(engine)
        profiler.disable()
        engine.dispose()
    print(f"{NAME}_{backend}: build {seconds:.1f} s under the profiler")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder:
        measure("sqlite", f"sqlite:///{Path(folder) / 'radio.db'}", Path(folder))
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="loaxa-bench-") as folder:
        if url is not None:
            measure("postgresql", url, Path(folder))


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile(sys.argv[-1] if sys.argv[-1] != "--profile" else "sqlite")
    else:
        main()
