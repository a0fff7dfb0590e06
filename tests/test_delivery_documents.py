"""The printable sheet (PDF) and the iCalendar file of a station's playlist, read back by
real clients: poppler's pdftotext/pdfinfo/pdffonts and the icalendar parser."""

import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from audio_library import library
from audio_library.library import Metadata, Origin
from audio_library.segments import Source, Topic
from radio import audio
from radio.db import get_session
from radio.delivery.calendar import sessions_calendar
from radio.delivery.sheet import playlist_sheet
from radio.people import find_user
from radio.playlist_docs import ItemDoc, PlaylistDoc, SessionDoc, playlist_doc
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.playlists import Playlist, PlaylistItem, PlaylistSession, current_playlist
from scheduler.templates import ItemKind, SessionTemplate, TemplateItem, save_template
from scheduler.units import Station
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STATION_NAME = "Đài truyền thanh Xã Ea Pô"
PLACE = "Xã Ea Pô, Huyện Cư Jút, Tỉnh Đắk Nông"
RELAY_URL = "https://radio.example.vn/vov1.m3u8"
# Short enough to stay on one line of the title column, so -layout shows each whole.
SEGMENTS = [
    ("Lịch tiêm phòng gia súc, gia cầm đợt 2", "thong-bao", 20, 440),
    ("Cảnh giác ma túy tổng hợp “nước vui”", "phong-chong-ma-tuy", 25, 520),
    ("Nhận diện thủ đoạn lừa đảo qua mạng", "an-ninh-to-quoc", 15, 610),
]
VI_WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SIGNATURE_LABELS = [
    "Người phát thanh (ký, ghi rõ họ tên)",
    "Xác nhận của lãnh đạo xã (ký, ghi rõ họ tên)",
    "Ngày, giờ phát (từ – đến):",
    "Ghi chú:",
]
A4_POINTS = (595.28, 841.89)
MARGIN_POINTS = 12 / 25.4 * 72


def pdf_text(pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdftotext", *options, str(path), "-"], check=True, capture_output=True, text=True
    )
    return run.stdout


def pdf_info(pdf: bytes, tmp_path: Path, tool: str = "pdfinfo") -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout


def pages_of(info: str) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert match, info
    return int(match.group(1))


def flat(text: str) -> str:
    return " ".join(text.split())


def station() -> Station:
    found = get_session().scalar(select(Station).where(Station.code == OPERATOR_STATION))
    assert found is not None
    return found


def add_segments(app: Flask, folder: Path) -> None:
    """Approved segments the demo's fill rules take, made by the library pipeline."""
    with app.app_context():
        session = get_session()
        editor, approver = find_user(session, "editor"), find_user(session, "approver")
        for title, topic, seconds, hz in SEGMENTS:
            topic_id = session.scalar(select(Topic.id).where(Topic.code == topic))
            segment = library.ingest(
                session,
                audio.store(),
                fx.tone(folder / f"{hz}.wav", seconds, frequency=hz),
                Metadata(title=title, topic_id=topic_id),
                Origin(source=Source.UPLOAD, author_id=editor.id, unit_id=editor.unit_id),
            )
            library.submit(session, segment, editor.id)
            library.approve(session, segment, approver.id)
        session.commit()


def add_relay_session(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        relay = TemplateItem(
            position=0, kind=ItemKind.RELAY, url=RELAY_URL, title="Tiếp âm VOV1", seconds=600
        )
        template = SessionTemplate(
            station_id=station().id,
            label="Tiếp âm trưa",
            starts_at=time(11, 0),
            max_minutes=15,
            items=[relay],
        )
        save_template(session, template)
        session.commit()


@pytest.fixture
def built(app: Flask, tmp_path: Path) -> date:
    """Tomorrow and the day after, built for the operator's station from real segments."""
    add_segments(app, tmp_path)
    add_relay_session(app)
    first = today_in("Asia/Ho_Chi_Minh") + timedelta(days=1)
    with app.app_context():
        now = datetime.combine(first, time(0), UTC) - timedelta(days=1)
        build_playlists(get_session(), first, 2, now=now, station_ids=[station().id])
        get_session().commit()
    return first


def docs_for(first: date, days: int = 1) -> list[PlaylistDoc]:
    """The documents as the download routes make them (call inside a request context)."""
    docs = []
    for offset in range(days):
        playlist = current_playlist(get_session(), station().id, first + timedelta(days=offset))
        assert playlist is not None
        docs.append(playlist_doc(station(), playlist))
    return docs


def long_title(number: int) -> str:
    return (
        f"Bản tin số {number}: Thông báo của Ủy ban nhân dân xã Ea Pô về việc tuyên truyền "
        "phòng, chống tội phạm, tệ nạn xã hội và bảo vệ an ninh Tổ quốc năm 2026"
    )


def fake_item(number: int, position: int, title: str, kind: str, at: datetime) -> PlaylistItem:
    relay = title.startswith("Tiếp âm")
    return PlaylistItem(
        playlist_id=0,
        session_number=number,
        position=position,
        kind="relay" if relay else "segment",
        url=f"{RELAY_URL}?kenh=thoi-su-trua-{position}" if relay else "",
        title=title,
        level=kind if kind == "emergency" else "normal",
        planned_start=at,
        duration=40.4 + position % 50,
        reason="emergency" if kind == "emergency" else "relay" if relay else "fill",
    )


def fake_session(
    number: int, label: str, kind: str, start: datetime, titles: list[str]
) -> SessionDoc:
    """An unsaved session with its items back to back, two seconds apart."""
    session = PlaylistSession(
        number=number, label=label, kind=kind, starts_at=start, max_seconds=7200, gap_seconds=2
    )
    items: list[PlaylistItem] = []
    at = start
    for position, title in enumerate(titles):
        items.append(fake_item(number, position, title, kind, at))
        at += timedelta(seconds=items[-1].duration + 2)
    session.items = items
    return SessionDoc(session, ZONE, [ItemDoc(item, ZONE, None, None) for item in items])


def long_day(day: date) -> PlaylistDoc:
    """An emergency and a session of 80 items, most with titles that wrap, some relays."""
    titles = [
        f"Tiếp âm Đài Tiếng nói Việt Nam {n}" if n % 10 == 0 else long_title(n) for n in range(80)
    ]
    six = datetime.combine(day, time(6), ZONE).astimezone(UTC)
    sessions = [
        fake_session(1, "emergency", "emergency", six, ["Tin bão khẩn cấp số 5"]),
        fake_session(2, "Buổi sáng", "regular", six + timedelta(minutes=5), titles),
    ]
    playlist = Playlist(
        station_id=station().id, day=day, version=4, built_at=six - timedelta(hours=5), report=[]
    )
    return PlaylistDoc(station(), playlist, sessions)


def test_sheet_shows_the_day_in_vietnamese(app: Flask, built: date, tmp_path: Path) -> None:
    with app.test_request_context():
        (doc,) = docs_for(built)
        pdf = playlist_sheet([doc])
    text = pdf_text(pdf, tmp_path, "-layout")
    assert unicodedata.is_normalized("NFC", text)
    lines = [line.strip() for line in text.splitlines()]
    assert STATION_NAME in lines
    assert PLACE in lines
    assert f"{VI_WEEKDAYS[built.weekday()]}, {built:%d/%m/%Y}" in lines
    assert f"Mã đài {OPERATOR_STATION}" in lines
    assert f"Phiên bản {doc.playlist.version}, lập lúc" in text
    labels = [s.label for s in doc.sessions]
    assert {"Buổi sáng", "Buổi chiều", "Tiếp âm trưa"} <= set(labels)
    for session in doc.sessions:
        start = f"{session.starts_at:%H:%M:%S}"
        assert re.search(rf"{re.escape(session.label)} · {start}–\d\d:\d\d:\d\d", text)
    items = [item for session in doc.sessions for item in session.items]
    assert {title for title, *_ in SEGMENTS} <= {item.item.title for item in items}
    for item in items:
        assert item.item.title in text
        assert f"{item.planned_start:%H:%M:%S}" in text
    assert RELAY_URL in flat(text).replace(" ", "")
    for heading in ("STT", "Bắt đầu", "Tiêu đề", "Thời lượng", "Mức độ", "Lý do", "Đã phát"):
        assert heading in text
    assert "Thông thường" in text and "Tiếp âm" in text
    for label in SIGNATURE_LABELS:
        assert label in flat(text), label
    info = pdf_info(pdf, tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = pages_of(info)
    assert re.findall(r"Trang (\d+)/(\d+)", text) == [
        (str(n), str(pages)) for n in range(1, 1 + pages)
    ]


def test_sheet_embeds_a_subset_of_noto_sans(app: Flask, built: date, tmp_path: Path) -> None:
    with app.test_request_context():
        pdf = playlist_sheet(docs_for(built))
    fonts = [line for line in pdf_info(pdf, tmp_path, "pdffonts").splitlines() if "Noto" in line]
    assert fonts and all(re.search(r"\byes\s+yes\s+yes\b", line) for line in fonts), fonts


def test_several_days_each_get_their_pages(app: Flask, built: date, tmp_path: Path) -> None:
    with app.test_request_context():
        docs = docs_for(built, 2)
        pdf = playlist_sheet(docs)
        again = playlist_sheet(docs)
    assert pdf == again  # the same version prints the same file
    text = pdf_text(pdf, tmp_path, "-layout")
    for day in (built, built + timedelta(days=1)):
        assert f"{VI_WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}" in text
    assert text.count("Người phát thanh (ký, ghi rõ họ tên)") == 2


def test_a_long_day_flows_over_pages_with_every_title(app: Flask, tmp_path: Path) -> None:
    day = date(2026, 11, 28)
    with app.test_request_context():
        doc = long_day(day)
        pdf = playlist_sheet([doc])
    pages = pages_of(pdf_info(pdf, tmp_path))
    assert pages >= 4
    raw = flat(pdf_text(pdf, tmp_path, "-raw"))
    assert "Thứ Bảy, 28/11/2026" in raw
    for item in doc.sessions[1].items:
        assert flat(item.item.title) in raw, item.item.title
        assert f"{item.planned_start:%H:%M:%S}" in raw
    assert "KHẨN CẤP · Phát khẩn cấp · 06:00:00–06:00:40" in raw
    assert "Tin bão khẩn cấp số 5" in raw
    for page in range(2, pages + 1):
        page_text = pdf_text(pdf, tmp_path, "-layout", "-f", str(page), "-l", str(page))
        assert f"Trang {page}/{pages}" in page_text
        if "Bản tin số" in page_text:  # the table goes on: its header is there again
            assert re.search(r"STT\s+Bắt đầu\s+Tiêu đề", page_text), page
    assert_inside_margins(pdf, tmp_path)


def assert_inside_margins(pdf: bytes, tmp_path: Path) -> None:
    """No word, not even a long relay URL, runs past the printable area."""
    boxes = pdf_text(pdf, tmp_path, "-bbox")
    words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)"', boxes)
    assert len(words) > 1000
    width, height = A4_POINTS
    for x_min, x_max, y_max in words:
        assert float(x_min) >= MARGIN_POINTS - 1
        assert float(x_max) <= width - MARGIN_POINTS + 1
        assert float(y_max) <= height


def test_sheet_labels_follow_the_language(app: Flask, tmp_path: Path) -> None:
    day = date(2026, 11, 28)
    with app.test_request_context(), force_locale("en"):
        pdf = playlist_sheet([long_day(day)])
    text = flat(pdf_text(pdf, tmp_path, "-layout"))
    assert "Saturday, 28/11/2026" in text
    for label in (
        "Broadcast sheet",
        f"Station code {OPERATOR_STATION}",
        "EMERGENCY · Emergency broadcast",
        "No. Start Title Length Level Why Aired",
        "Broadcaster (signature and full name)",
        "Confirmed by the commune leader (signature and full name)",
        "Page 1/",
    ):
        assert label in text, label
    assert "Người phát thanh" not in text and "Trang 1/" not in text
    assert "Bản tin số 1: Thông báo" in text  # the content stays as written


def events_of(ics: bytes) -> list:  # type: ignore[type-arg]
    calendar = Calendar.from_ical(ics)
    return [c for c in calendar.walk("VEVENT")]


def test_calendar_has_one_event_per_session(app: Flask, built: date) -> None:
    with app.test_request_context():
        docs = docs_for(built, 2)
        ics = sessions_calendar(docs)
        again = sessions_calendar(docs)
        sessions = [(doc, s) for doc in docs for s in doc.sessions]
        expected = [
            (
                f"{OPERATOR_STATION}-{doc.playlist.day.isoformat()}-{s.session.number}@loa-xa",
                s.starts_at,
                s.starts_at + timedelta(seconds=s.session.planned_seconds),
                f"{s.label} · {STATION_NAME}",
                doc.playlist.version,
                [item.item.title for item in s.items],
            )
            for doc, s in sessions
        ]
    calendar = Calendar.from_ical(ics)
    assert str(calendar["X-WR-CALNAME"]) == f"Lịch phát thanh {STATION_NAME}"
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Ho_Chi_Minh"]
    events = events_of(ics)
    assert len(events) == len(sessions) >= 6
    for event, (uid, start, end, summary, version, titles) in zip(events, expected, strict=True):
        assert str(event["UID"]) == uid
        assert event.start.tzinfo is not None and event.start.utcoffset() == timedelta(hours=7)
        assert event.start == start and event.end == end
        assert str(event["SUMMARY"]) == summary
        assert event["SEQUENCE"] == version
        assert str(event["LOCATION"]) == PLACE
        description = str(event["DESCRIPTION"])
        assert all(title in description for title in titles)
    assert [str(e["UID"]) for e in events_of(again)] == [e[0] for e in expected]
    assert len({e[0] for e in expected}) == len(expected)


def test_calendar_marks_emergencies(app: Flask) -> None:
    day = date(2026, 11, 28)
    with app.test_request_context():
        ics = sessions_calendar([long_day(day)])
    emergency, morning = events_of(ics)
    assert str(emergency["SUMMARY"]) == f"KHẨN CẤP: Tin bão khẩn cấp số 5 · {STATION_NAME}"
    assert emergency["PRIORITY"] == 1
    assert emergency.start == datetime(2026, 11, 28, 6, 0, tzinfo=ZONE)
    assert str(morning["SUMMARY"]) == f"Buổi sáng · {STATION_NAME}"
    assert "PRIORITY" not in morning
    description = str(morning["DESCRIPTION"]).splitlines()
    assert len(description) == 80
    assert description[1] == f"06:05:42 {long_title(1)} (0:41)"
