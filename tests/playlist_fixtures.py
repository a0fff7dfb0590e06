"""Playlists really built for tests: tone segments through the library pipeline, built days."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import gettext
from sqlalchemy import func, select

from audio_library import library
from audio_library.db import utcnow
from audio_library.library import Metadata, Origin
from audio_library.segments import Level, Source, Topic
from radio import audio, db
from radio.db import get_session
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.playlists import Playlist
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem, save_template
from scheduler.units import Station, units_by_code
from tests import audio_fixtures as fx
from tests.conftest import (
    OPERATOR_STATION,
    PG_URL,
    SAME_DISTRICT_STATION,
    copy_database,
    make_test_app,
    pg_drop,
)

ZONE = "Asia/Ho_Chi_Minh"
DRUGS, SECURITY, NOTICES = "phong-chong-ma-tuy", "an-ninh-to-quoc", "thong-bao"
RELAY_URL = "https://radio.example.vn/vov1.m3u8"


def today() -> date:
    return today_in(ZONE)


def playlist_url(code: str, day: date | str) -> str:
    return f"/api/v1/stations/{code}/playlists/{day}"


def words(app: Flask, msgid: str, **values: Any) -> str:
    """A message as the API words it in the default language (Vietnamese once translated)."""
    with app.test_request_context():
        return str(gettext(msgid, **values))


def station(code: str) -> Station:
    found = get_session().scalar(select(Station).where(Station.code == code))
    assert found is not None
    return found


def approved_segment(
    app: Flask,
    folder: Path,
    title: str,
    topic: str,
    seconds: float,
    *,
    level: Level = Level.NORMAL,
    approve: bool = True,
) -> int:
    """A segment made from a generated tone through the library pipeline, approved."""
    with app.app_context():
        session = get_session()
        topic_id = session.scalar(select(Topic.id).where(Topic.code == topic))
        (province,) = units_by_code(session, "67:67")
        source = fx.tone(folder / f"tone-{seconds}.wav", seconds, 300 + 40 * seconds)
        segment = library.ingest(
            session,
            audio.store(),
            source,
            Metadata(title=title, topic_id=topic_id, level=level),
            Origin(source=Source.UPLOAD, author_id=None, unit_id=province.id),
            house=audio.house_format(),
        )
        if approve:
            library.approve(session, segment, None)
        session.commit()
        return segment.id


def build(app: Flask, first: date, codes: list[str], days: int = 1) -> None:
    with app.app_context():
        ids = [station(code).id for code in codes]
        build_playlists(get_session(), first, days, now=utcnow(), station_ids=ids)
        get_session().commit()


def add_midday_relay(app: Flask, draft_opening: int | None = None) -> None:
    """A station's own session at 11:00 relaying a stream (and an unapproved opening)."""
    with app.app_context():
        session = get_session()
        relay = TemplateItem(
            position=1, kind=ItemKind.RELAY, url=RELAY_URL, title="Tiếp âm VOV1", seconds=600
        )
        items = [relay]
        if draft_opening is not None:
            items.append(TemplateItem(position=0, kind=ItemKind.OPEN, segment_id=draft_opening))
        template = SessionTemplate(
            station_id=station(OPERATOR_STATION).id,
            label="Tiếp âm trưa",
            starts_at=time(11, 0),
            max_minutes=30,
            items=items,
        )
        save_template(session, template)
        session.commit()


def playlist_rows(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Playlist))


def make_fills(app: Flask, folder: Path) -> dict[str, int]:
    return {
        DRUGS: approved_segment(app, folder, "Bản tin phòng, chống ma túy", DRUGS, 3),
        SECURITY: approved_segment(app, folder, "Bảo vệ an ninh Tổ quốc", SECURITY, 5),
        NOTICES: approved_segment(app, folder, "Thông báo của UBND xã", NOTICES, 7),
    }


@dataclass(frozen=True)
class FilledTemplate:
    database: str  # a PostgreSQL database name or an SQLite URL, as template_db gives
    folder: Path  # its data folder, whose audio store each test copies
    fills: dict[str, int]


@pytest.fixture(scope="session")
def filled_template(
    template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FilledTemplate]:
    """The test template plus the fill segments, made once for the session: each goes
    through the real library pipeline (ffmpeg), which took two seconds a test."""
    folder = tmp_path_factory.mktemp("filled")
    name = f"loaxa_fill_{uuid.uuid4().hex[:8]}"
    url = copy_database(template_db, name if PG_URL else "filled", folder)
    app = make_test_app(url, folder)
    fills = make_fills(app, folder)
    with app.app_context():
        db.engine().dispose()
    yield FilledTemplate(name if PG_URL else url, folder, fills)
    if PG_URL:
        pg_drop(name)


@pytest.fixture
def fills(app: Flask, filled_template: FilledTemplate) -> dict[str, int]:
    """Approved segments for the demo sessions' fill rules (already in the app's database)."""
    return dict(filled_template.fills)


@pytest.fixture
def tomorrow(app: Flask, fills: dict[str, int], tmp_path: Path) -> date:
    """Tomorrow's playlists of two Cư Jút stations, the operator's with a relay session."""
    draft = approved_segment(app, tmp_path, "Nhạc hiệu (chưa duyệt)", NOTICES, 9, approve=False)
    add_midday_relay(app, draft_opening=draft)
    day = today() + timedelta(days=1)
    build(app, day, [OPERATOR_STATION, SAME_DISTRICT_STATION])
    return day


def build_aired(app: Flask, day: date, codes: list[str]) -> None:
    """Playlists for a day already over, built as if the night before (all sessions past)."""
    night_before = datetime.combine(day, time(0, 0), ZoneInfo(ZONE)) - timedelta(hours=2)
    with app.app_context():
        ids = [station(code).id for code in codes]
        build_playlists(get_session(), day, 1, now=night_before, station_ids=ids)
        get_session().commit()


@pytest.fixture
def yesterday(app: Flask, fills: dict[str, int]) -> date:
    """Yesterday's playlists of two Cư Jút stations, every session over and unconfirmed."""
    day = today() - timedelta(days=1)
    build_aired(app, day, [OPERATOR_STATION, SAME_DISTRICT_STATION])
    return day
