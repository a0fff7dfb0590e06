"""Playlists really built for tests: tone segments through the library pipeline, built days."""

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
from radio import audio
from radio.db import get_session
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.playlists import Playlist
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem, save_template
from scheduler.units import Station, units_by_code
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION

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


@pytest.fixture
def fills(app: Flask, tmp_path: Path) -> dict[str, int]:
    """Approved segments for the demo sessions' fill rules."""
    return {
        DRUGS: approved_segment(app, tmp_path, "Bản tin phòng, chống ma túy", DRUGS, 3),
        SECURITY: approved_segment(app, tmp_path, "Bảo vệ an ninh Tổ quốc", SECURITY, 5),
        NOTICES: approved_segment(app, tmp_path, "Thông báo của UBND xã", NOTICES, 7),
    }


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
