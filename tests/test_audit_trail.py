"""The trail of people's changes: written by pages and the API alike, read by auditors in scope."""

from datetime import datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from audio_library.db import utcnow
from audio_library.segments import Level
from radio.audit_trail import Change, record_change
from radio.db import get_session
from radio.people import find_user
from scheduler.units import Station, units_by_code
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    csrf_token,
    login,
    personal_token,
)
from tests.playlist_fixtures import NOTICES, ZONE, approved_segment, today, words
from tests.test_schedule_api import station_template

PROVINCE, DISTRICT = "67:67", "67:662"


def unit_id(app: Flask, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return find_user(get_session(), username).id


def trail(app: Flask) -> list[dict[str, Any]]:
    """Every entry, oldest first, as plain values."""
    with app.app_context():
        rows = get_session().scalars(select(Change).order_by(Change.id))
        return [
            {
                "action": c.action,
                "kind": c.target_kind,
                "target": c.target_id,
                "user": c.user_id,
                "username": c.username,
                "unit": c.unit_id,
                "summary": c.summary,
                "addr": c.remote_addr,
                "details": c.details,
            }
            for c in rows
        ]


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def bearer(app: Flask, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {personal_token(signed_in(app, username))}"}


@pytest.fixture
def drafts(app: Flask, tmp_path: Path) -> list[int]:
    """Two drafts made at the province, waiting for an approver."""
    return [
        approved_segment(app, tmp_path, title, NOTICES, seconds, approve=False)
        for title, seconds in [("Thông báo lịch tiêm chủng", 3), ("Bản tin phòng cháy", 4)]
    ]


def test_approving_on_the_page_writes_one_entry(app: Flask, drafts: list[int]) -> None:
    approver = signed_in(app, "approver")
    token = csrf_token(approver, f"/library/{drafts[0]}")
    assert (
        approver.post(f"/library/{drafts[0]}/approve", data={"csrf_token": token}).status_code
        == 302
    )
    assert trail(app) == [
        {
            "action": "segment.approved",
            "kind": "segment",
            "target": drafts[0],
            "user": user_id(app, "approver"),
            "username": "approver",
            "unit": unit_id(app, PROVINCE),
            "summary": "Thông báo lịch tiêm chủng",
            "addr": "127.0.0.1",
            "details": {},
        }
    ]


def test_approving_and_rejecting_through_the_api_write_the_same(
    app: Flask, client: FlaskClient, drafts: list[int]
) -> None:
    headers = bearer(app, "approver")
    approved = client.post(f"/api/v1/segments/{drafts[0]}/approve", headers=headers)
    assert approved.status_code == 200
    rejected = client.post(
        f"/api/v1/segments/{drafts[1]}/reject", json={"reason": "Sai ngày"}, headers=headers
    )
    assert rejected.status_code == 200
    issued, *entries = trail(app)  # the personal token is on the trail too
    assert (issued["action"], issued["username"]) == ("token.issued", "approver")
    assert [(e["action"], e["target"], e["username"], e["unit"]) for e in entries] == [
        ("segment.approved", drafts[0], "approver", unit_id(app, PROVINCE)),
        ("segment.rejected", drafts[1], "approver", unit_id(app, PROVINCE)),
    ]
    assert entries[1]["details"] == {"reason": "Sai ngày"}
    # A refused action writes nothing.
    again = client.post(f"/api/v1/segments/{drafts[0]}/approve", headers=headers)
    assert again.status_code == 422
    assert len(trail(app)) == 3


def local_minute(hours: float) -> str:
    return (datetime.now(ZoneInfo(ZONE)) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def send_on_the_page(app: Flask, planner: FlaskClient, segment: int, unit: int) -> None:
    form = {
        "csrf_token": csrf_token(planner, "/announcements/emergency"),
        "segment_id": segment,
        "unit_ids": [unit],
        "expires_at": local_minute(2),
        "confirm": "1",
    }
    assert planner.post("/announcements/emergency", data=form).status_code == 302


@pytest.fixture
def flood(app: Flask, tmp_path: Path) -> int:
    return approved_segment(app, tmp_path, "Cảnh báo lũ quét", NOTICES, 6, level=Level.EMERGENCY)


def test_emergency_sent_superseded_and_ended(app: Flask, flood: int) -> None:
    planner = signed_in(app, "planner")
    district = unit_id(app, DISTRICT)
    send_on_the_page(app, planner, flood, district)
    (sent,) = trail(app)
    assert (sent["action"], sent["kind"], sent["username"]) == (
        "emergency.sent",
        "emergency",
        "planner",
    )
    assert (sent["unit"], sent["summary"]) == (district, "Cảnh báo lũ quét")
    assert sent["details"] == {"level": "emergency"}
    # Through the API: a newer bulletin for one commune supersedes it.
    body = {
        "segment_id": flood,
        "station_codes": [OPERATOR_STATION],
        "expires_at": (utcnow() + timedelta(hours=2)).isoformat(),
        "supersedes": [sent["target"]],
    }
    newer = planner.post(
        "/api/v1/emergencies", json=body, headers={"X-CSRFToken": csrf_token(planner, "/profile")}
    )
    assert newer.status_code == 201, newer.get_data(as_text=True)
    newer_id = newer.json["announcement"]["id"]
    with app.app_context():
        commune = get_session().scalar(select(Station).where(Station.code == OPERATOR_STATION))
        commune_unit = commune.unit_id
    assert [(e["action"], e["target"], e["unit"]) for e in trail(app)[1:]] == [
        ("emergency.sent", newer_id, commune_unit),
        ("emergency.superseded", sent["target"], district),
    ]
    token = csrf_token(planner, "/announcements")
    cancel = planner.post(f"/announcements/{newer_id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == 302
    assert trail(app)[-1]["action"] == "emergency.ended"
    assert len(trail(app)) == 4


def test_schedule_people_and_station_changes_are_recorded(app: Flask, tmp_path: Path) -> None:
    planner = signed_in(app, "planner")
    csrf = {"X-CSRFToken": csrf_token(planner, "/profile")}
    template = station_template(items=station_template()["items"][:1])
    created = planner.post("/api/v1/templates", json=template, headers=csrf)
    assert created.status_code == 201, created.get_data(as_text=True)
    template_id = created.json["id"]
    fields = {k: v for k, v in template.items() if k != "station_code"}
    renamed = {**fields, "label": "Tiếp âm VOV trưa"}
    assert (
        planner.put(f"/api/v1/templates/{template_id}", json=renamed, headers=csrf).status_code
        == 200
    )
    assert planner.delete(f"/api/v1/templates/{template_id}", headers=csrf).status_code == 204
    district = unit_id(app, DISTRICT)
    rules = {"quiet_from": "22:00", "quiet_until": "05:00"}
    assert (
        planner.put(f"/api/v1/units/{district}/rules", json=rules, headers=csrf).status_code == 200
    )
    notice = approved_segment(app, tmp_path, "Thông báo tiêm phòng", NOTICES, 4)
    one_off = {
        "segment_id": notice,
        "days": [str(today() + timedelta(days=1))],
        "unit_ids": [district],
    }
    assert planner.post("/api/v1/announcements", json=one_off, headers=csrf).status_code == 201
    campaign = {
        "code": "cu-jut-2026",
        "name": "Tuyên truyền an ninh Cư Jút",
        "starts_on": str(today()),
        "ends_on": str(today() + timedelta(days=30)),
        "unit_id": district,
        "target_unit_ids": [district],
    }
    created = planner.post("/api/v1/campaigns", json=campaign, headers=csrf)
    assert created.status_code == 201, created.get_data(as_text=True)
    path = f"/api/v1/campaigns/{created.json['id']}"
    assert (
        planner.put(path, json={**campaign, "legal_refs": "KH 12"}, headers=csrf).status_code == 200
    )

    admin = signed_in(app, "admin")
    token = csrf_token(admin, "/stations/new")
    station_form = {
        "csrf_token": token,
        "code": "CJ-MOI",
        "name": "Đài truyền thanh Cụm Mới",
        "unit_id": unit_id(app, "67:24646"),
        "timezone": ZONE,
        "kind": "ip",
        "clusters": 4,
        "active": "y",
    }
    assert admin.post("/stations/new", data=station_form).status_code == 302
    issued = admin.post("/stations/CJ-MOI/tokens", data={"csrf_token": token, "label": "Máy đài"})
    assert issued.status_code == 200
    device_token = trail(app)[-1]["target"]
    revoke = admin.post(
        f"/stations/CJ-MOI/tokens/{device_token}/revoke", data={"csrf_token": token}
    )
    assert revoke.status_code == 302
    user_form = {
        "csrf_token": token,
        "username": "kiemtra.moi",
        "full_name": "Kiểm tra mới",
        "role": "auditor",
        "unit_id": district,
        "station_id": 0,
        "password": "mat-khau-dai-xa",
        "active": "y",
    }
    assert admin.post("/users/new", data=user_form).status_code == 302
    csv = "code,name,tier,parent_code\n24999,Xã Thử Nghiệm,commune,662\n"
    imported = admin.post(
        "/units/import",
        data={"csrf_token": token, "file": (BytesIO(csv.encode()), "u.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302

    commune = unit_id(app, "67:24646")
    got = [(e["action"], e["username"], e["unit"], e["summary"]) for e in trail(app)]
    assert got[:8] == [
        ("template.created", "planner", commune, "Tiếp âm trưa"),
        ("template.updated", "planner", commune, "Tiếp âm VOV trưa"),
        ("template.deleted", "planner", commune, "Tiếp âm VOV trưa"),
        ("rules.changed", "planner", district, "Huyện Cư Jút"),
        ("one_off.created", "planner", district, "Thông báo tiêm phòng"),
        ("campaign.created", "planner", district, "Tuyên truyền an ninh Cư Jút"),
        ("campaign.updated", "planner", district, "Tuyên truyền an ninh Cư Jút"),
        ("station.created", "admin", commune, "CJ-MOI — Đài truyền thanh Cụm Mới"),
    ]
    assert [(a, u, unit) for a, u, unit, _s in got[8:]] == [
        ("token.issued", "admin", commune),
        ("token.revoked", "admin", commune),
        ("user.created", "admin", district),
        ("units.imported", "admin", unit_id(app, "67:24999")),  # the one unit imported
    ]
    assert got[8][3].startswith("CJ-MOI · lxs_") and got[8][3].endswith("Máy đài")
    assert trail(app)[-1]["details"] == {"created": 1, "updated": 0}


@pytest.fixture
def spread(app: Flask) -> dict[str, int]:
    """Entries at the auditor's district, a commune of it, another district and no unit."""
    with app.app_context():
        session = get_session()
        planner = find_user(session, "planner")
        other = session.scalar(select(Station).where(Station.code == OTHER_DISTRICT_STATION))
        places = {
            "district": unit_id(app, DISTRICT),
            "commune": unit_id(app, "67:24646"),
            "other": other.unit.parent_id,
            "none": None,
        }
        for name, place in places.items():
            record_change(
                session,
                planner,
                "campaign.created",
                "campaign",
                1,
                unit_id=place,
                summary=f"Chiến dịch {name}",
            )
        session.commit()
        return places


def test_auditor_sees_their_district_only(client: FlaskClient, as_user: Any, spread: dict) -> None:
    as_user("auditor")
    page = client.get("/audit/changes")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Chiến dịch district" in text and "Chiến dịch commune" in text
    assert "Chiến dịch other" not in text and "Chiến dịch none" not in text


def test_admin_sees_everything_and_other_roles_nothing(
    client: FlaskClient, as_user: Any, spread: dict
) -> None:
    as_user("admin")
    text = client.get("/audit/changes").get_data(as_text=True)
    assert all(f"Chiến dịch {name}" in text for name in spread)
    for role in ("operator", "editor", "planner", "approver"):
        as_user(role)
        assert client.get("/audit/changes").status_code == 403


def test_the_page_filters_and_pages(app: Flask, client: FlaskClient, as_user: Any) -> None:
    zone = ZoneInfo(ZONE)
    day = today() - timedelta(days=10)
    with app.app_context():
        session = get_session()
        people = [find_user(session, "planner"), find_user(session, "approver")]
        district = unit_id(app, DISTRICT)
        for n in range(60):
            action = "template.updated" if n % 3 else "segment.approved"
            change = record_change(
                session, people[n % 2], action, "x", n, unit_id=district, summary=f"Mục số {n:02d}"
            )
            session.flush()
            moment = datetime.combine(day + timedelta(days=n // 10), time(9), zone)
            session.execute(update(Change).where(Change.id == change.id).values(at=moment))
        session.commit()
    as_user("auditor")

    def shown(query: str = "") -> set[str]:
        response = client.get(f"/audit/changes{query}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        return {f"Mục số {n:02d}" for n in range(60) if f"Mục số {n:02d}" in text}

    first, second = shown(), shown("?page=2")
    assert len(first) == 50 and len(second) == 10 and not first & second
    assert "Mục số 59" in first  # newest first
    assert shown("?action=segment.approved") == {f"Mục số {n:02d}" for n in range(0, 60, 3)}
    assert shown("?person=approver") == {f"Mục số {n:02d}" for n in range(1, 60, 2)}
    one_day = (day + timedelta(days=2)).isoformat()
    assert shown(f"?from={one_day}&to={one_day}") == {f"Mục số {n:02d}" for n in range(20, 30)}
    last_days = (day + timedelta(days=4)).isoformat()
    assert shown(f"?from={last_days}") == {f"Mục số {n:02d}" for n in range(40, 60)}
    page = client.get("/audit/changes?action=segment.approved").get_data(as_text=True)
    assert words(app, "Segment approved") in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-13-01", "A date is not valid; use the form YYYY-MM-DD."),
        ("?to=01/12/2026", "A date is not valid; use the form YYYY-MM-DD."),
        ("?action=segment.eaten", "Choose an action from the list."),
    ],
)
def test_bad_filters_are_refused_clearly(
    app: Flask, client: FlaskClient, as_user: Any, query: str, message: str
) -> None:
    as_user("auditor")
    response = client.get(f"/audit/changes{query}")
    assert response.status_code == 400
    assert words(app, message) in response.get_data(as_text=True)


def test_entries_are_nfc(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        decomposed = "Thông báo".replace("ô", "o\u0302")
        change = record_change(session, None, "unit.renamed", "unit", None, summary=decomposed)
        session.commit()
        assert change.summary == "Thông báo" and change.username == ""
