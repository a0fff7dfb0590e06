"""One-off and emergency pages: the two-step emergency, scope, and refusals that store nothing."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from audio_library import library
from audio_library.jobs import Job
from audio_library.library import Metadata, Origin
from audio_library.segments import Level, Source, Topic
from radio.audio import house_format, store
from radio.db import get_session
from radio.people import find_user
from radio.schedule_messages import describe_error
from scheduler.announcements import Announcement
from scheduler.errors import ScheduleError
from scheduler.playlists import PlaylistItem
from scheduler.templates import stations_under
from scheduler.units import Station, units_by_code
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION, OTHER_PROVINCE_STATION, csrf_token

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DISTRICT = "67:662"  # Huyện Cư Jút, the auditor's district
OTHER_TREE = "99:99"


def make_segment(
    app: Flask,
    folder: Path,
    title: str,
    *,
    topic: str = "thien-tai",
    level: str = "emergency",
    seconds: float = 6.0,
    approve: bool = True,
) -> int:
    """A segment made from a tone through the library's real pipeline, approved unless not."""
    wav = fx.tone(folder / f"tone-{seconds}.wav", seconds, 300 + 40 * seconds)
    with app.app_context():
        session = get_session()
        editor = find_user(session, "editor")
        assert editor is not None
        topic_id = session.scalar(select(Topic.id).where(Topic.code == topic))
        segment = library.ingest(
            session,
            store(),
            wav,
            Metadata(title=title, topic_id=topic_id, level=Level(level)),
            Origin(source=Source.UPLOAD, author_id=editor.id, unit_id=editor.unit_id),
            house=house_format(),
        )
        if approve:
            library.approve(session, segment, None)
        session.commit()
        return segment.id


def said(app: Flask, kind: str, **detail: object) -> str:
    """A domain refusal as the page shows it (in the page's language, HTML-escaped)."""
    with app.test_request_context():
        return str(escape(describe_error(ScheduleError(kind, **detail))))


def tr(app: Flask, text: str, **values: object) -> str:
    """One of the pages' own messages, as the page shows it."""
    with app.test_request_context():
        return str(escape(gettext(text, **values)))


def unit_id(app: Flask, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def station_id(app: Flask, code: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Station.id).where(Station.code == code))


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model))


def local_minute(hours: float) -> str:
    return (datetime.now(ZONE) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def emergency_form(token: str, segment: int, *, units=(), stations=(), hours=2.0, **extra):
    return {
        "csrf_token": token,
        "segment_id": segment,
        "unit_ids": list(units),
        "station_ids": list(stations),
        "expires_at": local_minute(hours),
        **extra,
    }


@pytest.fixture
def flood(app: Flask, tmp_path: Path) -> int:
    return make_segment(app, tmp_path, "Cảnh báo lũ quét, sạt lở đất")


def test_emergency_is_previewed_then_sent_and_cancelled(client, as_user, app, flood):
    as_user("planner")
    page = client.get("/announcements/emergency")
    assert page.status_code == 200
    assert f'<option selected value="{flood}">' in page.get_data(as_text=True)
    token = csrf_token(client, "/announcements/emergency")
    data = emergency_form(token, flood, units=[unit_id(app, DISTRICT)], repeat_minutes=30)

    preview = client.post("/announcements/emergency", data=data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    with app.app_context():
        session = get_session()
        (district,) = units_by_code(session, DISTRICT)
        names = [s.name for s in stations_under(session, district)]
    assert len(names) > 3 and OPERATOR_STATION in html
    assert all(str(escape(name)) in html for name in names)
    assert tr(app, "It reaches %(n)s stations", n=len(names)) in html
    assert 'name="confirm" value="1"' in html
    assert count(app, Announcement) == 0  # the preview stores nothing

    sent = client.post("/announcements/emergency", data={**data, "confirm": "1"})
    assert sent.status_code == 302
    with app.app_context():
        (announcement,) = get_session().scalars(select(Announcement)).all()
        assert announcement.is_emergency and announcement.repeat_minutes == 30
        aired = (
            get_session()
            .scalars(select(PlaylistItem).where(PlaylistItem.announcement_id == announcement.id))
            .all()
        )
        assert aired, "the reached stations' playlists were rebuilt at once"
        bulletin_id = announcement.id
    listing = client.get("/announcements").get_data(as_text=True)
    assert "Cảnh báo lũ quét" in listing
    assert f"/announcements/{bulletin_id}/cancel" in listing

    token = csrf_token(client, "/announcements")
    assert (
        client.post(f"/announcements/{bulletin_id}/cancel", data={"csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        assert get_session().get(Announcement, bulletin_id).ended_at is not None
    assert f"/announcements/{bulletin_id}/cancel" not in client.get("/announcements").get_data(
        as_text=True
    )


def test_change_button_brings_the_form_back_filled(client, as_user, app, flood):
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    district = unit_id(app, DISTRICT)
    data = emergency_form(token, flood, units=[district], edit="1")
    page = client.post("/announcements/emergency", data=data)
    assert page.status_code == 200
    assert f'<option selected value="{district}">' in page.get_data(as_text=True)
    assert count(app, Announcement) == 0


@pytest.mark.parametrize("confirm", ["", "1"])
def test_emergency_without_a_target_is_refused(client, as_user, app, flood, confirm):
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    page = client.post(
        "/announcements/emergency", data=emergency_form(token, flood, confirm=confirm)
    )
    assert page.status_code == 422
    assert said(app, "no_target") in page.get_data(as_text=True)
    assert count(app, Announcement) == 0


@pytest.mark.parametrize("confirm", ["", "1"])
def test_emergency_expiring_in_the_past_is_refused(client, as_user, app, flood, confirm):
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    data = emergency_form(
        token, flood, stations=[station_id(app, OPERATOR_STATION)], hours=-1, confirm=confirm
    )
    page = client.post("/announcements/emergency", data=data)
    assert page.status_code == 422
    assert said(app, "expiry_in_past") in page.get_data(as_text=True)
    assert count(app, Announcement) == 0


def test_emergency_with_an_unapproved_segment_is_refused(client, as_user, app, tmp_path):
    draft = make_segment(app, tmp_path, "Bản nháp cảnh báo bão", approve=False)
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    data = emergency_form(token, draft, units=[unit_id(app, DISTRICT)], confirm="1")
    page = client.post("/announcements/emergency", data=data)
    assert page.status_code == 422
    assert said(app, "segment_not_approved") in page.get_data(as_text=True)
    assert count(app, Announcement) == 0


@pytest.mark.parametrize("confirm", ["", "1"])
def test_planner_cannot_reach_outside_their_province(client, as_user, app, flood, confirm):
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    outside = [
        emergency_form(token, flood, units=[unit_id(app, OTHER_TREE)], confirm=confirm),
        emergency_form(
            token,
            flood,
            units=[unit_id(app, DISTRICT)],
            stations=[station_id(app, OTHER_PROVINCE_STATION)],
            confirm=confirm,
        ),
    ]
    for data in outside:
        assert client.post("/announcements/emergency", data=data).status_code == 403
    assert count(app, Announcement) == 0


@pytest.mark.parametrize("role", ["editor", "auditor", "operator", "approver"])
def test_only_planners_and_admins_send_emergencies(client, as_user, app, flood, role):
    as_user(role)
    assert client.get("/announcements/emergency").status_code == 403
    token = csrf_token(client, "/profile")
    data = emergency_form(token, flood, stations=[station_id(app, OPERATOR_STATION)], confirm="1")
    assert client.post("/announcements/emergency", data=data).status_code == 403
    assert client.get("/announcements/one-off").status_code == 403
    assert count(app, Announcement) == 0


def send(client: FlaskClient, app: Flask, segment: int, **targets) -> int:
    token = csrf_token(client, "/announcements/emergency")
    data = emergency_form(token, segment, confirm="1", **targets)
    assert client.post("/announcements/emergency", data=data).status_code == 302
    with app.app_context():
        return get_session().scalar(select(func.max(Announcement.id)))


def test_the_list_and_cancelling_follow_the_unit_tree(client, as_user, app, flood):
    as_user("admin")
    province = send(client, app, flood, units=[unit_id(app, "67:67")])
    elsewhere = send(client, app, flood, stations=[station_id(app, OTHER_PROVINCE_STATION)])
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    as_user("auditor")  # Huyện Cư Jút: hears the province's bulletin, not the other tree's
    listing = client.get("/announcements").get_data(as_text=True)
    assert listing.count("Cảnh báo lũ quét") == 2  # on air, and in the list
    assert f"/announcements/{province}/cancel" not in listing
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    as_user("operator")  # Xã Ea Pô's station lies in the province
    listing = client.get("/announcements").get_data(as_text=True)
    assert listing.count("Cảnh báo lũ quét") == 2
    assert "/cancel" not in listing
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})

    as_user("planner")
    token = csrf_token(client, "/announcements")
    gone = client.post(f"/announcements/{elsewhere}/cancel", data={"csrf_token": token})
    assert gone.status_code == 403
    with app.app_context():
        assert get_session().get(Announcement, elsewhere).ended_at is None
    again = send(client, app, flood, units=[unit_id(app, DISTRICT)], supersedes=[province])
    with app.app_context():
        assert get_session().get(Announcement, province).superseded_by_id == again
    cancelled = client.post(f"/announcements/{province}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 302
    follow = client.get("/announcements").get_data(as_text=True)
    assert said(app, "cannot_cancel") in follow


def test_planner_cannot_supersede_a_bulletin_outside_their_province(client, as_user, app, flood):
    as_user("admin")
    elsewhere = send(client, app, flood, stations=[station_id(app, OTHER_PROVINCE_STATION)])
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    as_user("planner")
    token = csrf_token(client, "/announcements/emergency")
    data = emergency_form(
        token, flood, units=[unit_id(app, DISTRICT)], supersedes=[elsewhere], confirm="1"
    )
    assert client.post("/announcements/emergency", data=data).status_code == 403
    assert count(app, Announcement) == 1


def one_off_form(token: str, segment: int, first: date, last: date | None = None, **extra):
    return {
        "csrf_token": token,
        "segment_id": segment,
        "level": "priority",
        "first_day": first.isoformat(),
        "last_day": last.isoformat() if last else "",
        **extra,
    }


def test_one_off_is_planned_for_chosen_days_and_sessions(client, as_user, app, tmp_path):
    notice = make_segment(
        app, tmp_path, "Thông báo tiêm phòng gia súc", topic="thong-bao", level="normal"
    )
    as_user("planner")
    page = client.get("/announcements/one-off").get_data(as_text=True)
    assert 'value="Buổi sáng"' in page and 'value="Buổi chiều"' in page
    token = csrf_token(client, "/announcements/one-off")
    today = datetime.now(ZONE).date()
    jobs = count(app, Job)
    data = one_off_form(
        token,
        notice,
        today + timedelta(days=1),
        today + timedelta(days=3),
        session_labels=["Buổi sáng"],
        unit_ids=[unit_id(app, DISTRICT)],
        note="Theo Công văn 12/UBND",
    )
    response = client.post("/announcements/one-off", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        (announcement,) = get_session().scalars(select(Announcement)).all()
        assert announcement.level == "priority"
        assert announcement.session_labels == ["Buổi sáng"]
        assert announcement.days == [(today + timedelta(days=i)).isoformat() for i in (1, 2, 3)]
    assert count(app, Job) == jobs + 1  # the rebuild is queued
    assert "Thông báo tiêm phòng gia súc" in client.get("/announcements").get_data(as_text=True)


def test_one_off_refusals_store_nothing(client, as_user, app, tmp_path):
    notice = make_segment(app, tmp_path, "Thông báo họp dân", topic="thong-bao", level="normal")
    as_user("planner")
    token = csrf_token(client, "/announcements/one-off")
    today = datetime.now(ZONE).date()
    district = [unit_id(app, DISTRICT)]
    cases = [
        (
            one_off_form(token, notice, today, today - timedelta(days=1), unit_ids=district),
            "bad_period",
            {},
        ),
        (one_off_form(token, notice, today), "no_target", {}),
        (
            one_off_form(token, notice, today - timedelta(days=2), unit_ids=district),
            "day_in_past",
            {},
        ),
        (
            one_off_form(token, notice, today, today + timedelta(days=90), unit_ids=district),
            "day_too_far",
            {"limit": 62},
        ),
    ]
    for data, kind, detail in cases:
        page = client.post("/announcements/one-off", data=data)
        assert page.status_code == 422, kind
        assert said(app, kind, **detail) in page.get_data(as_text=True), kind
    outside = one_off_form(token, notice, today, unit_ids=[unit_id(app, OTHER_TREE)])
    assert client.post("/announcements/one-off", data=outside).status_code == 403
    assert count(app, Announcement) == 0
