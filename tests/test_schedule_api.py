"""The schedule API: templates, unit rules, campaigns, one-offs and emergencies."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy import func, select

from audio_library.db import utcnow
from audio_library.jobs import Job
from audio_library.segments import Level, Topic
from radio.db import get_session
from radio.schedule_messages import describe_error
from radio.tokens import issue_token
from scheduler.announcements import Announcement
from scheduler.build_job import KIND as BUILD
from scheduler.campaigns import Campaign, Quota, campaign_segment
from scheduler.errors import ScheduleError
from scheduler.playlists import Playlist
from scheduler.rules import UnitRules
from scheduler.templates import SessionTemplate, TemplateItem, stations_under
from scheduler.units import Unit, units_by_code
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
    csrf_token,
    login,
    personal_token,
)
from tests.playlist_fixtures import (
    DRUGS,
    NOTICES,
    approved_segment,
    build,
    playlist_url,
    station,
    today,
    words,
)

PROVINCE, DISTRICT, OTHER_TREE = "67:67", "67:662", "99:99"
LOUD = approved_segment  # the library pipeline, on generated tones


class Caller:
    """A person calling the JSON API from a logged-in session (with its CSRF token)."""

    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(url, json=body or {}, headers=self.headers)

    def put(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.put(url, json=body, headers=self.headers)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)


@pytest.fixture
def api(app: Flask):  # type: ignore[no-untyped-def]
    """`api("planner")`: a client of its own, logged in as that demo user."""

    def _as(username: str) -> Caller:
        client = app.test_client()
        assert login(client, username).status_code == 302
        return Caller(client, {"X-CSRFToken": csrf_token(client, "/profile")})

    return _as


def unit_id(app: Flask, code: str) -> int:
    with app.app_context():
        (unit,) = units_by_code(get_session(), code)
        return unit.id


def district_codes(app: Flask) -> list[str]:
    """The Cư Jút stations, by code (the order the domain checks them in)."""
    with app.app_context():
        district = get_session().get(Unit, unit_id(app, DISTRICT))
        return [s.code for s in stations_under(get_session(), district)]


def stored(app: Flask) -> dict[str, int]:
    """Row counts of everything a schedule request could store."""
    tables = {
        "templates": SessionTemplate,
        "template_items": TemplateItem,
        "rules": UnitRules,
        "campaigns": Campaign,
        "quotas": Quota,
        "announcements": Announcement,
        "playlists": Playlist,
        "jobs": Job,
    }
    with app.app_context():
        session = get_session()
        counts = {
            name: session.scalar(select(func.count()).select_from(model))
            for name, model in tables.items()
        }
        counts["pool"] = session.scalar(select(func.count()).select_from(campaign_segment))
        return counts


def queued_builds(app: Flask) -> list[Job]:
    with app.app_context():
        return list(get_session().scalars(select(Job).where(Job.kind == BUILD)))


def expected_error(app: Flask, kind: str, **detail: Any) -> str:
    with app.test_request_context():
        return describe_error(ScheduleError(kind, **detail))


def assert_refused(app: Flask, response: Any, kind: str, **detail: Any) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == kind
    assert response.json["detail"] == expected_error(app, kind, **detail)


def fields_only(**fields: Any) -> dict[str, Any]:
    """A template body for PUT: the place stays, so it is not sent."""
    body = station_template(**fields)
    del body["station_code"]
    return body


def station_template(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "station_code": OPERATOR_STATION,
        "label": "Tiếp âm trưa",
        "weekdays": "12345",
        "starts_at": "11:00",
        "max_minutes": 30,
        "items": [
            {
                "kind": "relay",
                "url": "https://radio.example.vn/vov1",
                "title": "VOV1",
                "seconds": 900,
            },
            {"kind": "fill", "topic_id": None},
        ],
    }
    return {**body, **fields}


# Session templates


def test_templates_at_a_place_and_in_effect(app, api):
    planner = api("planner")
    body = planner.get(f"/api/v1/templates?unit={unit_id(app, PROVINCE)}").json
    assert [t["label"] for t in body["templates"]] == ["Buổi sáng", "Buổi chiều"]
    assert [t["label"] for t in body["effective"]] == ["Buổi sáng", "Buổi chiều"]
    morning = body["templates"][0]
    assert (morning["starts_at"], morning["max_minutes"], morning["weekdays"]) == (
        "06:00",
        30,
        "1234567",
    )
    assert {i["kind"] for i in morning["items"]} >= {"fill"}
    district = planner.get(f"/api/v1/templates?unit={unit_id(app, DISTRICT)}").json
    assert district["templates"] == [] and len(district["effective"]) == 2
    missing_place = planner.get("/api/v1/templates")
    assert missing_place.status_code == 422 and missing_place.mimetype == "application/problem+json"
    operator = api("operator")
    own = operator.get(f"/api/v1/templates?station={OPERATOR_STATION}").json
    assert own["templates"] == [] and [t["label"] for t in own["effective"]] == [
        "Buổi sáng",
        "Buổi chiều",
    ]
    assert operator.get(f"/api/v1/templates?station={SAME_DISTRICT_STATION}").status_code == 403
    assert operator.get(f"/api/v1/templates?unit={unit_id(app, PROVINCE)}").status_code == 403


def test_planner_creates_changes_and_deletes_a_station_template(app, api):
    planner = api("planner")
    response = planner.post("/api/v1/templates", station_template())
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.json
    assert (created["station_code"], created["unit_id"], created["starts_at"]) == (
        OPERATOR_STATION,
        None,
        "11:00",
    )
    assert [i["kind"] for i in created["items"]] == ["relay", "fill"]
    assert any(job.state == "queued" for job in queued_builds(app))
    listed = planner.get(f"/api/v1/templates?station={OPERATOR_STATION}").json
    assert [t["id"] for t in listed["templates"]] == [created["id"]]
    assert [t["label"] for t in listed["effective"]] == ["Buổi sáng", "Tiếp âm trưa", "Buổi chiều"]

    items = [{**created["items"][0], "seconds": 1200}, created["items"][1]]
    changed = planner.put(
        f"/api/v1/templates/{created['id']}", fields_only(starts_at="12:00", items=items)
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.json["starts_at"] == "12:00"
    assert [i["id"] for i in changed.json["items"]] == [i["id"] for i in created["items"]]
    assert changed.json["items"][0]["seconds"] == 1200

    assert planner.delete(f"/api/v1/templates/{created['id']}").status_code == 204
    listed = planner.get(f"/api/v1/templates?station={OPERATOR_STATION}").json
    assert listed["templates"] == []


def test_session_json_needs_csrf_but_a_personal_token_does_not(app, client, as_user):
    as_user("planner")
    before = stored(app)
    refused = client.post("/api/v1/templates", json=station_template())
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert stored(app) == before
    headers = {"Authorization": f"Bearer {personal_token(client)}"}
    accepted = client.post("/api/v1/templates", json=station_template(), headers=headers)
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


BAD_TEMPLATES = {
    "overlap": (
        {"starts_at": "06:15", "max_minutes": 20, "label": "Tin sáng"},
        {"station": OPERATOR_STATION, "first": "Buổi sáng", "second": "Tin sáng"},
    ),
    "session_too_long": ({"max_minutes": 90}, {"station": OPERATOR_STATION, "limit": 60}),
    "quiet_hours": (
        {"starts_at": "21:30"},
        {"station": OPERATOR_STATION, "quiet_from": "21:00", "quiet_until": "06:00"},
    ),
    "bad_period": ({"valid_from": "2026-03-01", "valid_until": "2026-02-01"}, {}),
    "bad_relay_url": (
        {"items": [{"kind": "relay", "url": "file:///etc/passwd", "title": "x", "seconds": 60}]},
        {},
    ),
    "unknown_segment": ({"items": [{"kind": "open", "segment_id": 999999}]}, {}),
    "no_weekdays": ({"weekdays": "89"}, {}),
}


@pytest.mark.parametrize("kind", sorted(BAD_TEMPLATES))
def test_bad_template_is_refused_clearly_and_nothing_is_stored(app, api, kind):
    fields, detail = BAD_TEMPLATES[kind]
    planner = api("planner")
    before = stored(app)
    assert_refused(
        app, planner.post("/api/v1/templates", station_template(**fields)), kind, **detail
    )
    assert stored(app) == before


def test_bad_change_leaves_the_template_as_it_was(app, api):
    planner = api("planner")
    created = planner.post("/api/v1/templates", station_template()).json
    before = stored(app)
    response = planner.put(f"/api/v1/templates/{created['id']}", fields_only(max_minutes=90))
    assert_refused(app, response, "session_too_long", station=OPERATOR_STATION, limit=60)
    assert stored(app) == before
    listed = planner.get(f"/api/v1/templates?station={OPERATOR_STATION}").json["templates"]
    assert listed[0]["max_minutes"] == 30


def test_station_opts_out_of_and_overrides_inherited_sessions(app, api):
    planner = api("planner")
    inherited = planner.get(f"/api/v1/templates?station={OPERATOR_STATION}").json["effective"]
    morning, evening = inherited
    opt_out = {"station_code": OPERATOR_STATION, "replaces_id": evening["id"], "opt_out": True}
    assert planner.post("/api/v1/templates", opt_out).status_code == 201
    override = station_template(label="Buổi sáng", starts_at="07:00", replaces_id=morning["id"])
    assert planner.post("/api/v1/templates", override).status_code == 201
    effective = planner.get(f"/api/v1/templates?station={OPERATOR_STATION}").json["effective"]
    assert [(t["label"], t["starts_at"]) for t in effective] == [("Buổi sáng", "07:00")]
    # the neighbour keeps the province's sessions
    neighbour = planner.get(f"/api/v1/templates?station={SAME_DISTRICT_STATION}").json
    assert [t["starts_at"] for t in neighbour["effective"]] == ["06:00", "17:00"]


def test_template_used_by_built_playlists(app, api, tmp_path):
    """Built playlists keep what they aired when the template changes or goes."""
    LOUD(app, tmp_path, "Thông báo", NOTICES, 4)
    planner = api("planner")
    created = planner.post("/api/v1/templates", station_template(weekdays="1234567")).json
    day = today() + timedelta(days=1)
    build(app, day, [OPERATOR_STATION])
    url = playlist_url(OPERATOR_STATION, day)
    assert "Tiếp âm trưa" in [s["label"] for s in planner.get(url).json["sessions"]]
    # a change that keeps the items keeps their rows and ids, which playlists name
    moved = planner.put(
        f"/api/v1/templates/{created['id']}", fields_only(starts_at="12:00", items=created["items"])
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert [i["id"] for i in moved.json["items"]] == [i["id"] for i in created["items"]]
    fewer = planner.put(f"/api/v1/templates/{created['id']}", fields_only(items=[]))
    assert fewer.status_code == 200 and fewer.json["items"] == []
    assert planner.delete(f"/api/v1/templates/{created['id']}").status_code == 204
    assert "Tiếp âm trưa" in [s["label"] for s in planner.get(url).json["sessions"]]
    assert planner.delete(f"/api/v1/templates/{created['id']}").status_code == 404


def test_unit_rules(app, api):
    planner = api("planner")
    district = unit_id(app, DISTRICT)
    assert planner.get(f"/api/v1/units/{district}/rules").json["quiet_from"] is None
    rules = {
        "quiet_from": "22:00",
        "quiet_until": "05:00",
        "max_session_minutes": 45,
        "max_day_minutes": 90,
    }
    response = planner.put(f"/api/v1/units/{district}/rules", rules)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {**rules, "unit_id": district}
    before = stored(app)
    too_short = planner.put(f"/api/v1/units/{district}/rules", {**rules, "max_session_minutes": 20})
    assert_refused(app, too_short, "session_too_long", station=district_codes(app)[0], limit=20)
    assert stored(app) == before
    assert planner.get(f"/api/v1/units/{district}/rules").json["max_session_minutes"] == 45
    unpaired = planner.put(f"/api/v1/units/{district}/rules", {**rules, "quiet_until": None})
    assert_refused(app, unpaired, "bad_quiet_hours")


# Campaigns


def campaign_body(app: Flask, pool: list[int], **fields: Any) -> dict[str, Any]:
    with app.app_context():
        drugs = get_session().scalar(select(Topic.id).where(Topic.code == DRUGS))
    body = {
        "code": "cu-jut-2026-ma-tuy",
        "name": "Tuyên truyền phòng, chống ma túy huyện Cư Jút",
        "starts_on": today().isoformat(),
        "ends_on": (today() + timedelta(days=60)).isoformat(),
        "legal_refs": "KH số 12/KH-UBND",
        "unit_id": unit_id(app, DISTRICT),
        "target_unit_ids": [unit_id(app, DISTRICT)],
        "topic_ids": [drugs],
        "segment_ids": pool,
        "quotas": [
            {"kind": "segment_plays", "times_per_week": 2},
            {"kind": "topic_minutes", "minutes_per_week": 1, "topic_id": drugs},
        ],
    }
    return {**body, **fields}


@pytest.fixture
def pool(app: Flask, tmp_path: Path) -> list[int]:
    return [
        LOUD(app, tmp_path, "Ma túy: tác hại", DRUGS, 3),
        LOUD(app, tmp_path, "Ma túy: pháp luật", DRUGS, 5),
    ]


def test_campaign_lifecycle(app, api, pool):
    planner = api("planner")
    response = planner.post("/api/v1/campaigns", campaign_body(app, pool))
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.json
    assert created["segment_ids"] == pool and len(created["quotas"]) == 2
    assert [t["code"] for t in created["targets"]] == ["662"]
    assert queued_builds(app)
    build(app, today() + timedelta(days=1), [OPERATOR_STATION])
    auditor = api("auditor")
    assert created["code"] in [c["code"] for c in auditor.get("/api/v1/campaigns").json]
    detail = auditor.get(
        f"/api/v1/campaigns/{created['id']}?week={today() + timedelta(days=1)}"
    ).json
    assert detail["campaign"]["id"] == created["id"]
    monday = today() + timedelta(days=1)
    assert detail["week"] == (monday - timedelta(days=monday.weekday())).isoformat()
    mine = [p for p in detail["progress"] if p["station_code"] == OPERATOR_STATION]
    assert len(mine) == 2 and any(p["planned"] > 0 for p in mine)
    assert {p["quota_id"] for p in mine} == {q["id"] for q in created["quotas"]}

    planner = api("planner")
    quotas = [{**created["quotas"][0], "times_per_week": 3}, created["quotas"][1]]
    body = campaign_body(app, pool[:1], quotas=quotas, name="Phòng, chống ma túy 2026")
    changed = planner.put(f"/api/v1/campaigns/{created['id']}", body)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert (
        changed.json["segment_ids"] == pool[:1]
        and changed.json["name"] == "Phòng, chống ma túy 2026"
    )
    assert [q["id"] for q in changed.json["quotas"]] == [q["id"] for q in created["quotas"]]
    assert changed.json["quotas"][0]["times_per_week"] == 3


def test_campaign_ending_before_it_starts(app, api, pool):
    planner = api("planner")
    before = stored(app)
    body = campaign_body(app, pool, ends_on=(today() - timedelta(days=1)).isoformat())
    assert_refused(app, planner.post("/api/v1/campaigns", body), "bad_period")
    assert stored(app) == before


def test_infeasible_quota(app, api, pool):
    planner = api("planner")
    codes = district_codes(app)
    before = stored(app)
    quotas = [{"kind": "segment_plays", "times_per_week": 20}]
    response = planner.post("/api/v1/campaigns", campaign_body(app, pool, quotas=quotas))
    # two 30-minute sessions a day: 14 a week, and a pool segment airs once per session
    assert_refused(
        app,
        response,
        "quota_infeasible",
        station=codes[0],
        needed=20,
        available=14,
        stations=len(codes),
    )
    assert stored(app) == before


def test_campaign_scope(app, api, client, pool):
    admin = api("admin")
    foreign = campaign_body(
        app,
        [],
        code="thu-nghiem-99",
        unit_id=unit_id(app, OTHER_TREE),
        target_unit_ids=[unit_id(app, OTHER_TREE)],
        topic_ids=[],
        quotas=[],
    )
    created = admin.post("/api/v1/campaigns", foreign)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert admin.get("/api/v1/campaigns/999999").status_code == 404
    planner = api("planner")
    assert "thu-nghiem-99" not in [c["code"] for c in planner.get("/api/v1/campaigns").json]
    assert planner.get(f"/api/v1/campaigns/{created.json['id']}").status_code == 403
    before = stored(app)
    body = campaign_body(app, pool, target_unit_ids=[unit_id(app, OTHER_TREE)])
    assert planner.post("/api/v1/campaigns", body).status_code == 403
    assert (
        planner.put(f"/api/v1/campaigns/{created.json['id']}", campaign_body(app, pool)).status_code
        == 403
    )
    assert stored(app) == before
    auditor = api("auditor")
    assert auditor.get("/api/v1/campaigns/999999").status_code == 403
    assert auditor.post("/api/v1/campaigns", campaign_body(app, pool)).status_code == 403


# One-offs and emergencies


@pytest.fixture
def notice(app: Flask, tmp_path: Path) -> int:
    return LOUD(app, tmp_path, "Thông báo tiêm phòng", NOTICES, 4)


@pytest.fixture
def bulletin(app: Flask, tmp_path: Path) -> int:
    return LOUD(app, tmp_path, "Cảnh báo lũ quét", NOTICES, 6, level=Level.EMERGENCY)


def test_one_off(app, api, notice):
    planner = api("planner")
    day = (today() + timedelta(days=1)).isoformat()
    body = {
        "segment_id": notice,
        "days": [day],
        "station_codes": [OPERATOR_STATION],
        "level": "priority",
    }
    response = planner.post("/api/v1/announcements", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.json
    assert (created["kind"], created["level"], created["days"]) == ("one_off", "priority", [day])
    assert created["station_codes"] == [OPERATOR_STATION] and created["segment"]["id"] == notice
    assert queued_builds(app)
    for user in ("planner", "auditor", "operator"):
        listed = api(user).get("/api/v1/announcements").json
        assert created["id"] in [a["id"] for a in listed], user
    assert api("operator").get("/api/v1/announcements?kind=emergency").json == []


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"days": ["2020-01-01"]}, "day_in_past"),
        ({"days": ["mai"]}, "bad_date"),
        ({"station_codes": []}, "no_target"),
        ({"days": []}, "no_days"),
    ],
)
def test_bad_one_off(app, api, notice, fields, kind):
    planner = api("planner")
    day = (today() + timedelta(days=1)).isoformat()
    body = {"segment_id": notice, "days": [day], "station_codes": [OPERATOR_STATION], **fields}
    before = stored(app)
    assert_refused(app, planner.post("/api/v1/announcements", body), kind)
    assert stored(app) == before


def test_unapproved_segment_cannot_be_announced(app, api, tmp_path):
    draft = LOUD(app, tmp_path, "Bản nháp", NOTICES, 3, approve=False)
    planner = api("planner")
    before = stored(app)
    body = {"segment_id": draft, "days": [today().isoformat()], "station_codes": [OPERATOR_STATION]}
    assert_refused(app, planner.post("/api/v1/announcements", body), "segment_not_approved")
    assert stored(app) == before


def test_emergency_preview_send_supersede_and_cancel(app, api, bulletin):
    planner = api("planner")
    district = unit_id(app, DISTRICT)
    before = stored(app)
    preview = planner.post("/api/v1/emergencies/preview", {"unit_ids": [district]})
    assert preview.status_code == 200
    codes = [s["code"] for s in preview.json["stations"]]
    assert preview.json["count"] == len(codes) and OPERATOR_STATION in codes
    assert stored(app) == before
    expires = (utcnow() + timedelta(hours=2)).isoformat()
    body = {
        "segment_id": bulletin,
        "unit_ids": [district],
        "expires_at": expires,
        "repeat_minutes": 30,
    }
    sent = planner.post("/api/v1/emergencies", body)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert sent.json["announcement"]["kind"] == "emergency"
    assert [s["code"] for s in sent.json["stations"]] == codes
    assert sent.json["playlists_rebuilt"] >= len(codes)
    assert {v["station"] for v in sent.json["versions"]} == set(codes)
    first = sent.json["announcement"]["id"]
    body = {**body, "station_codes": [OPERATOR_STATION], "unit_ids": [], "supersedes": [first]}
    newer = planner.post("/api/v1/emergencies", body)
    assert newer.status_code == 201, newer.get_data(as_text=True)
    # the older bulletin leaves every district station's playlist, not only the newer's
    assert {v["station"] for v in newer.json["versions"]} == set(codes)
    active = planner.get("/api/v1/announcements?active=true").json
    assert [a["id"] for a in active] == [newer.json["announcement"]["id"]]
    cancelled = planner.post(f"/api/v1/emergencies/{newer.json['announcement']['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["announcement"]["ended_at"]
    again = planner.post(f"/api/v1/emergencies/{newer.json['announcement']['id']}/cancel")
    assert_refused(app, again, "cannot_cancel")
    assert planner.get("/api/v1/announcements?active=true").json == []


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"station_codes": []}, "no_target"),
        ({"expires_at": "2020-01-01T08:00:00+07:00"}, "expiry_in_past"),
        ({"expires_at": None}, "expiry_in_past"),
        ({"repeat_minutes": 5}, "repeat_too_often"),
    ],
)
def test_bad_emergency(app, api, bulletin, fields, kind):
    planner = api("planner")
    expires = (utcnow() + timedelta(hours=2)).isoformat()
    body = {
        "segment_id": bulletin,
        "station_codes": [OPERATOR_STATION],
        "expires_at": expires,
        **fields,
    }
    before = stored(app)
    detail = {"limit": 15} if kind == "repeat_too_often" else {}
    assert_refused(app, planner.post("/api/v1/emergencies", body), kind, **detail)
    assert stored(app) == before


def test_preview_needs_a_target(app, api):
    assert_refused(app, api("planner").post("/api/v1/emergencies/preview", {}), "no_target")


# Who may do what


def test_planner_outside_their_unit_is_refused_and_nothing_changes(app, api, notice, bulletin):
    admin = api("admin")
    foreign = {**station_template(), "station_code": OTHER_PROVINCE_STATION}
    foreign_template = admin.post("/api/v1/templates", foreign).json["id"]
    planner = api("planner")
    tree = unit_id(app, OTHER_TREE)
    expires = (utcnow() + timedelta(hours=1)).isoformat()
    day = (today() + timedelta(days=1)).isoformat()
    before = stored(app)
    attempts = [
        planner.get(f"/api/v1/templates?station={OTHER_PROVINCE_STATION}"),
        planner.post("/api/v1/templates", foreign),
        planner.post(
            "/api/v1/templates", {**station_template(), "station_code": None, "unit_id": tree}
        ),
        planner.put(f"/api/v1/templates/{foreign_template}", fields_only()),
        planner.delete(f"/api/v1/templates/{foreign_template}"),
        planner.put(f"/api/v1/units/{tree}/rules", {"max_session_minutes": 10}),
        planner.post(
            "/api/v1/announcements",
            {"segment_id": notice, "days": [day], "station_codes": [OTHER_PROVINCE_STATION]},
        ),
        planner.post(
            "/api/v1/emergencies",
            {"segment_id": bulletin, "unit_ids": [tree], "expires_at": expires},
        ),
        planner.post(
            "/api/v1/emergencies",
            {
                "segment_id": bulletin,
                "station_codes": [OPERATOR_STATION, OTHER_PROVINCE_STATION],
                "expires_at": expires,
            },
        ),
        planner.post("/api/v1/emergencies/preview", {"station_codes": [OTHER_PROVINCE_STATION]}),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert all(r.mimetype == "application/problem+json" for r in attempts)
    assert stored(app) == before


@pytest.mark.parametrize(
    ("username", "method", "path", "status"),
    [
        ("editor", "post", "/api/v1/templates", 403),
        ("auditor", "post", "/api/v1/campaigns", 403),
        ("auditor", "post", "/api/v1/emergencies/preview", 403),
        ("operator", "post", "/api/v1/announcements", 403),
        ("operator", "get", "/api/v1/campaigns", 200),
        ("auditor", "get", "/api/v1/announcements", 200),
    ],
)
def test_roles(app, api, username, method, path, status):
    caller = api(username)
    response = caller.get(path) if method == "get" else caller.post(path, {"unit_ids": [1]})
    assert response.status_code == status


def test_station_tokens_cannot_manage(app, client):
    with app.app_context():
        _token, plain = issue_token(get_session(), station=station(OPERATOR_STATION))
        get_session().commit()
    headers = {"Authorization": f"Bearer {plain}"}
    before = stored(app)
    for method, path in [
        ("get", f"/api/v1/templates?station={OPERATOR_STATION}"),
        ("post", "/api/v1/templates"),
        ("get", "/api/v1/campaigns"),
        ("post", "/api/v1/emergencies"),
        ("post", "/api/v1/emergencies/preview"),
        ("get", "/api/v1/announcements"),
    ]:
        response = getattr(client, method)(path, json=station_template(), headers=headers)
        assert response.status_code == 403, path
        assert response.json["detail"] == words(app, "A station token cannot do this.")
    assert stored(app) == before


def test_openapi_document_describes_the_schedule_api(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    for path in (
        "/api/v1/stations/{code}/playlists/{date}",
        "/api/v1/stations/{code}/playlists/{date}/versions",
        "/api/v1/templates",
        "/api/v1/templates/{template_id}",
        "/api/v1/units/{unit_id}/rules",
        "/api/v1/campaigns/{campaign_id}",
        "/api/v1/announcements",
        "/api/v1/emergencies",
        "/api/v1/emergencies/preview",
        "/api/v1/emergencies/{announcement_id}/cancel",
    ):
        assert path in spec["paths"], path
    playlist = spec["paths"]["/api/v1/stations/{code}/playlists/{date}"]["get"]
    assert "station's offset" in playlist["description"]


def test_playlist_of_unbuilt_tomorrow_is_not_built_by_reading(app, api):
    before = stored(app)
    assert (
        api("operator").get(playlist_url(OPERATOR_STATION, today() + timedelta(days=3))).status_code
        == 404
    )
    assert stored(app) == before
