"""The station day view and the unit calendar, on playlists built from real segments."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from audio_library import library
from audio_library.library import Metadata, Origin
from audio_library.segments import Source, Topic
from radio import audio
from radio.db import get_session
from radio.people import find_user
from radio.schedule_messages import REASON_LABELS, describe_report
from scheduler.build_job import today_in
from scheduler.builder import build_playlists
from scheduler.campaigns import Campaign, Quota, QuotaKind, save_campaign, set_pool
from scheduler.playlists import Playlist, Reason
from scheduler.units import Station, units_by_code
from tests import audio_fixtures as fx
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
)

DRUGS, NOTICES = "phong-chong-ma-tuy", "thong-bao"


def add_segment(app, folder: Path, title: str, topic: str, seconds: float, hz: float) -> int:
    """Ingest a generated tone as an approved segment (editor writes, approver approves)."""
    src = fx.tone(folder / f"{hz}.wav", seconds, frequency=hz)
    with app.app_context():
        session = get_session()
        editor, approver = find_user(session, "editor"), find_user(session, "approver")
        topic_id = session.scalar(select(Topic.id).where(Topic.code == topic))
        segment = library.ingest(
            session,
            audio.store(),
            src,
            Metadata(title=title, topic_id=topic_id),
            Origin(source=Source.UPLOAD, author_id=editor.id, unit_id=editor.unit_id),
        )
        library.submit(session, segment, editor.id)
        library.approve(session, segment, approver.id)
        session.commit()
        return segment.id


def shown(app, wording) -> str:
    """Wording of the scheduling messages as a Vietnamese page shows it (HTML-escaped)."""
    with app.test_request_context():
        return str(escape(str(wording)))


def this_monday() -> date:
    today = today_in("Asia/Ho_Chi_Minh")
    return today - timedelta(days=today.weekday())


def build(app, first: date, days: int = 7, station_codes: list[str] | None = None) -> None:
    with app.app_context():
        session = get_session()
        ids = None
        if station_codes is not None:
            ids = list(session.scalars(select(Station.id).where(Station.code.in_(station_codes))))
        now = datetime.combine(first, time(0), UTC) - timedelta(days=1)
        build_playlists(session, first, days, now=now, station_ids=ids)
        session.commit()


CAMPAIGN = "Tháng hành động phòng, chống ma túy (thử)"


def add_campaign(app, monday: date, segment_id: int) -> None:
    """A campaign of the district asking each station to air the segment daily."""
    with app.app_context():
        session = get_session()
        (district,) = units_by_code(session, "67:662")
        campaign = Campaign(
            code="thang-ma-tuy-thu",
            name=CAMPAIGN,
            starts_on=monday,
            ends_on=monday + timedelta(days=60),
            unit_id=district.id,
            targets=[district],
            quotas=[Quota(kind=QuotaKind.SEGMENT_PLAYS, times_per_week=7)],
        )
        save_campaign(session, campaign)
        set_pool(session, campaign, [segment_id])
        session.commit()


@pytest.fixture
def built(app, tmp_path):
    """Two approved segments, a campaign, and this week's playlists of two stations."""
    drugs = add_segment(app, tmp_path, "Cảnh giác với ma túy tổng hợp", DRUGS, 50, 330)
    add_segment(app, tmp_path, "Lịch tiêm phòng gia súc tháng 5", NOTICES, 35, 550)
    monday = this_monday()
    add_campaign(app, monday, drugs)
    build(app, monday, 7, [OPERATOR_STATION, SAME_DISTRICT_STATION])
    return monday


def unit_id(app, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def test_day_view_shows_sessions_items_and_reasons(client, as_user, app, built):
    as_user("operator")
    day = built + timedelta(days=1)
    response = client.get(f"/stations/{OPERATOR_STATION}/playlists/{day.isoformat()}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phiên bản 1" in page
    assert "Buổi sáng · 06:00" in page  # the station's own time, not UTC
    assert "Buổi chiều · 17:00" in page
    assert "Cảnh giác với ma túy tổng hợp" in page
    assert "Lịch tiêm phòng gia súc tháng 5" in page
    assert "Thông báo của địa phương" in page  # topic name
    assert "0:50" in page and "0:35" in page  # durations m:ss
    quota = shown(app, REASON_LABELS[Reason.QUOTA])
    assert f"{quota}: {CAMPAIGN}" in page  # why the drug segment is there
    assert "Ngày trước" in page and "Ngày sau" in page
    assert f"/stations/{OPERATOR_STATION}/playlists/{(day - timedelta(days=1)).isoformat()}" in page


def test_day_view_shows_the_report_and_changes(client, as_user, app, built, tmp_path):
    day = built + timedelta(days=6)  # Sunday: the week's quota reckoning
    add_segment(app, tmp_path, "Thông báo họp dân thôn 3", NOTICES, 40, 770)
    build(app, built, 7, [OPERATOR_STATION])
    as_user("planner")
    page = client.get(f"/stations/{OPERATOR_STATION}/playlists/{day.isoformat()}")
    text = page.get_data(as_text=True)
    with app.app_context():
        playlist = get_session().scalar(
            select(Playlist)
            .join(Station)
            .where(Station.code == OPERATOR_STATION, Playlist.day == day)
            .order_by(Playlist.version.desc())
        )
        assert playlist.version == 2
        report = playlist.report
    assert "Phiên bản 2" in text
    assert "Thêm" in text and "Thông báo họp dân thôn 3" in text
    assert report  # the week's last day reckons the quotas
    with app.test_request_context():
        for entry in report:
            assert str(escape(describe_report(entry))) in text


def test_day_without_playlist_is_a_clear_404(client, as_user):
    as_user("operator")
    response = client.get(f"/stations/{OPERATOR_STATION}/playlists/2001-01-01")
    assert response.status_code == 404
    assert "Chưa có danh sách phát của đài cho ngày này." in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["2024-13-01", "12-05-2024", "2024-02-30", "today", "2024-1-1"])
def test_malformed_date_is_a_400(client, as_user, day):
    as_user("operator")
    response = client.get(f"/stations/{OPERATOR_STATION}/playlists/{day}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_station_page_of_today_links_to_the_day_in_detail(client, as_user, app):
    as_user("operator")
    response = client.get(f"/stations/{OPERATOR_STATION}/playlist")
    assert response.status_code == 200
    today = today_in(app.config["TIMEZONE"]).isoformat()
    assert f'href="/stations/{OPERATOR_STATION}/playlists/{today}"' in response.text


@pytest.mark.parametrize(
    ("user", "code", "status"),
    [
        ("operator", SAME_DISTRICT_STATION, 403),
        ("auditor", OTHER_DISTRICT_STATION, 403),
        ("planner", OTHER_PROVINCE_STATION, 403),
        ("auditor", SAME_DISTRICT_STATION, 404),  # allowed, but no playlist that day
        ("admin", OTHER_PROVINCE_STATION, 404),
    ],
)
def test_day_view_scope(client, as_user, user, code, status):
    as_user(user)
    assert client.get(f"/stations/{code}/playlists/2001-01-01").status_code == status


def test_calendar_counts_cells_and_warns(client, as_user, app, built):
    as_user("auditor")
    district = unit_id(app, "67:662")
    response = client.get(
        f"/units/{district}/calendar?week={(built + timedelta(days=2)).isoformat()}"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert OPERATOR_STATION in page and SAME_DISTRICT_STATION in page
    assert OTHER_DISTRICT_STATION not in page  # another district
    # each built day links to the station's day view
    for i in range(7):
        day = (built + timedelta(days=i)).isoformat()
        assert f"/stations/{OPERATOR_STATION}/playlists/{day}" in page
    # the other six communes of Cư Jút have no playlists this week
    assert "Ngày chưa có danh sách phát: 42" in page
    assert "⚠" in page
    assert f"week={(built - timedelta(days=7)).isoformat()}" in page


def test_calendar_cell_numbers(client, as_user, app, built):
    with app.app_context():
        session = get_session()
        playlist = session.scalar(
            select(Playlist)
            .join(Station)
            .where(Station.code == OPERATOR_STATION, Playlist.day == built)
        )
        items = [i for s in playlist.sessions for i in s.items]
        seconds = round(sum(i.duration for i in items))
    as_user("planner")
    page = client.get(f"/units/{unit_id(app, '67:662')}/calendar?week={built.isoformat()}")
    text = page.get_data(as_text=True)
    assert f"{len(items)} mục" in text
    assert f"{seconds // 60}:{seconds % 60:02d}" in text


def test_calendar_bad_week_and_scope(client, as_user, app):
    as_user("planner")
    district = unit_id(app, "67:662")
    response = client.get(f"/units/{district}/calendar?week=2024-99-01")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
    assert client.get(f"/units/{unit_id(app, '99:99')}/calendar").status_code == 403
    client.post("/logout", data={})


@pytest.mark.parametrize(("user", "status"), [("operator", 403), ("auditor", 403)])
def test_calendar_not_for_operators_nor_outside(client, as_user, app, user, status):
    as_user(user)
    province = unit_id(app, "67:67")  # above the auditor's district
    assert client.get(f"/units/{province}/calendar").status_code == status
