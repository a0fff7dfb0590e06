"""The authorisation matrix: every route × role × in or out of scope."""

import pytest
from sqlalchemy import select

from radio.db import get_session
from scheduler.units import Station
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
    csrf_token,
)

ROLES = ["admin", "planner", "editor", "approver", "auditor", "operator"]
STATIONS = [OPERATOR_STATION, SAME_DISTRICT_STATION, OTHER_DISTRICT_STATION, OTHER_PROVINCE_STATION]

# Which demo stations each role's scope covers (admin: whole system; planner, editor,
# approver: Tỉnh Đắk Nông; auditor: Huyện Cư Jút; operator: its own station).
SCOPE = {
    "admin": set(STATIONS),
    "planner": set(STATIONS[:3]),
    "editor": set(STATIONS[:3]),
    "approver": set(STATIONS[:3]),
    "auditor": set(STATIONS[:2]),
    "operator": {OPERATOR_STATION},
}
VIEW = {
    "GET /stations/{code}",
    "GET /api/v1/stations/{code}",
    "GET /stations/{code}/playlist",
    "GET /templates/stations/{code}",
}
VIEW_UNIT = {"GET /units/{unit}", "GET /templates/units/{unit}", "GET /units/{unit}/calendar"}
MANAGE = {
    "GET /stations/{code}/edit",
    "POST /stations/{code}/tokens",
    "POST /units/{unit}/edit",
    "POST /units/{unit}/children",
}
PLAN = {
    "GET /templates/stations/{code}/new",
    "GET /templates/units/{unit}/new",
    "GET /templates/units/{unit}/rules",
}
ROUTES = sorted(VIEW | VIEW_UNIT | MANAGE | PLAN)


def expected(role: str, route: str, code: str) -> int:
    in_scope = code in SCOPE[role]
    if route in VIEW:
        allowed = in_scope
    elif route in VIEW_UNIT:
        allowed = in_scope and role != "operator"
    elif route in PLAN:
        allowed = in_scope and role in ("admin", "planner")
    else:
        allowed = in_scope and role == "admin"
    return 200 if allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_station_routes_by_role_and_scope(client, as_user, app, role):
    as_user(role)
    token = csrf_token(client, "/profile")
    with app.app_context():
        units = {
            c: get_session().scalar(select(Station).where(Station.code == c)).unit_id
            for c in STATIONS
        }
    failures = []
    for route in ROUTES:
        method, path = route.split(" ")
        for code in STATIONS:
            url = path.format(code=code, unit=units[code])
            if method == "GET":
                response = client.get(url)
            else:
                data = {"csrf_token": token, "name": "Tên mới", "code": "99990", "tier": "commune"}
                response = client.post(url, data=data)
            status = 200 if response.status_code in (200, 302) else response.status_code
            if status != expected(role, route, code):
                failures.append((route, code, response.status_code))
    assert failures == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("planner", 403),
        ("editor", 403),
        ("approver", 403),
        ("auditor", 403),
        ("operator", 403),
    ],
)
@pytest.mark.parametrize("path", ["/users", "/users/new", "/stations/new"])
def test_admin_only_pages(client, as_user, role, status, path):
    as_user(role)
    assert client.get(path).status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_what_is_in_scope(client, as_user, role):
    as_user(role)
    api_codes = {s["code"] for s in client.get("/api/v1/stations?limit=1000").json}
    in_scope_demo = {c for c in STATIONS if c in api_codes}
    assert in_scope_demo == SCOPE[role]
    page = client.get("/stations?q=").get_data(as_text=True)
    for code in STATIONS:
        assert (f">{code}<" in page) == (
            (code in SCOPE[role] and role != "operator")
            or (role == "operator" and code == OPERATOR_STATION)
        )


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 404), ("planner", 404), ("auditor", 403), ("operator", 403)],
)
def test_unknown_station_leaks_nothing_below_the_root(client, as_user, role, status):
    """Only someone who sees a whole tree learns that a code does not exist."""
    as_user(role)
    assert client.get("/stations/NO-SUCH").status_code == status
    assert client.get("/api/v1/stations/NO-SUCH").status_code == status


def test_operator_lands_on_own_station(client, as_user):
    as_user("operator")
    response = client.get("/")
    assert response.headers["Location"].endswith(f"/stations/{OPERATOR_STATION}")


def test_pages_need_login(client):
    for path in ["/", "/stations", f"/stations/{OPERATOR_STATION}", "/units", "/users", "/profile"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.get("/api/v1/stations").status_code == 401


# Every endpoint, by who may reach it; the tests above and in test_users, test_units and
# test_stations check each group. A new route fails here until it is placed.
PUBLIC = {
    "auth.login",
    "i18n.switch",
    "health.healthz",
    "health.metrics",
    "static",
    "api-docs.openapi_json",
    "api_docs",
    "api_links.fetch",  # the signed link is the permission (test_delivery_api)
}
ANY_PERSON = {
    "dashboard.index",
    "auth.logout",
    "auth.profile",
    "auth.create_token",
    "auth.revoke_own_token",
    "stations.index",
    "units.index",
    "api_stations.me",
    "api_stations.list_stations",
}
IN_SCOPE = {
    "stations.show",
    "stations.edit",
    "stations.issue_device_token",
    "stations.revoke_device_token",
    "units.show",
    "units.rename",
    "units.add_child",
    "api_stations.get_station",
}
ADMIN = {"users.index", "users.create", "users.edit", "stations.create", "units.import_csv"}
# The audit: auditors and admins, narrowed to their unit (test_digest, test_audit_trail,
# test_audit_pages).
AUDIT = {
    "digests.index",
    "digests.show",
    "changes.index",
    "audit.index",
    "audit.unit",
    "audit.station",
    "audit.day",
    "audit.record",
    "api_reports.get_compliance",
    "api_reports.get_compliance_csv",
    "api_reports.get_compliance_xlsx",
    "api_reports.get_compliance_pdf",
    "api_heartbeat.get_heartbeat",  # also the station's own token (test_heartbeat)
}
# Saying what aired: a station's own device and operators, and admins (test_confirm_page,
# test_confirmations_api).
CONFIRM = {"confirm.page", "confirm.record", "api_confirmations.post_confirmations"}
# A station agent's heartbeat: its own device token only, never a person (test_heartbeat).
DEVICE = {"api_heartbeat.post_heartbeat"}
# The library: by role (test_library_pages_by_role) and by the segment's unit (test_library).
LIBRARY = {
    "library.index",
    "library.show",
    "library.upload",
    "library.edit",
    "library.act",
    "library.approvals",
    "tts.editor",
    "tts.job",
    "tts.cancel",
    "lexicon.index",
    "lexicon.delete",
    "lexicon.topics",
    "api_segments.list_segments",
    "api_segments.get_segment",
    "api_segments.upload_segment",
    "api_segments.edit_segment",
    "api_segments.segment_action",
    "api_segments.reject_segment",
    "api_segments.segment_audio",
    "api_segments.start_tts",
    "api_segments.tts_preview",
    "api_segments.get_job",
    "api_segments.cancel_job",
}


# The schedule: by role and by the unit of each template, campaign, announcement and
# target (the matrix above, test_template_pages, test_campaign_pages,
# test_announcement_pages, test_playlist_pages, test_playlist_api, test_schedule_api,
# test_delivery_api, test_broadcast_page).
SCHEDULE = {
    "session_templates.unit_week",
    "session_templates.station_week",
    "session_templates.new_at_unit",
    "session_templates.new_at_station",
    "session_templates.edit",
    "session_templates.delete",
    "session_templates.override",
    "session_templates.opt_out",
    "session_templates.rules",
    "broadcast.page",
    "playlists.day",
    "playlists.calendar",
    "campaigns.index",
    "campaigns.show",
    "campaigns.create",
    "campaigns.edit",
    "campaigns.add_quota",
    "campaigns.delete_quota",
    "announcements.index",
    "announcements.one_off",
    "announcements.emergency",
    "announcements.cancel",
    "api_playlists.get_playlist",
    "api_playlists.list_versions",
    "api_delivery.get_m3u8",
    "api_delivery.get_zip",
    "api_delivery.get_sheet",
    "api_delivery.get_calendar",
    "api_delivery.get_session_mix",
    "api_templates.list_templates",
    "api_templates.create_template",
    "api_templates.update_template",
    "api_templates.remove_template",
    "api_templates.get_rules",
    "api_templates.put_rules",
    "api_campaigns.list_campaigns",
    "api_campaigns.get_campaign",
    "api_campaigns.create_campaign",
    "api_campaigns.update_campaign",
    "api_announcements.list_announcements",
    "api_announcements.create_one_off",
    "api_announcements.create_emergency",
    "api_announcements.preview_emergency",
    "api_announcements.cancel_bulletin",
}


def test_every_route_is_placed_in_the_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == (
        PUBLIC | ANY_PERSON | IN_SCOPE | ADMIN | LIBRARY | SCHEDULE | AUDIT | CONFIRM | DEVICE
    )


def test_only_public_routes_answer_without_login(app, client):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint == "static":
            continue
        url = rule.rule.replace("<code>", OPERATOR_STATION)
        url = url.replace("<int:unit_id>", "1").replace("<int:user_id>", "1")
        url = url.replace("<int:token_id>", "1").replace("<int:segment_id>", "1")
        url = url.replace("<job_id>", "x").replace("<int:entry_id>", "1")
        url = url.replace("<any(submit, approve, archive, reject):action>", "submit")
        url = url.replace("<any(submit, approve, archive):action>", "submit")
        url = url.replace("<day>", "2026-12-01").replace("<date>", "2026-12-01")
        url = url.replace("<number>", "1")
        for name in ("template_id", "campaign_id", "quota_id", "announcement_id", "digest_id"):
            url = url.replace(f"<int:{name}>", "1")
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        response = client.open(url, method=method)
        assert response.status_code in (302, 400, 401), (rule.endpoint, response.status_code)


LIBRARY_PAGES = {
    "/library": {"admin", "planner", "editor", "approver", "auditor"},
    "/library/upload": {"admin", "editor"},
    "/library/tts": {"admin", "editor"},
    "/library/approvals": {"admin", "approver"},
    "/library/lexicon": {"editor"},  # an admin of the whole system has no unit's dictionary
    "/library/topics": {"admin", "planner", "editor", "approver", "auditor"},
    "/api/v1/segments": {"admin", "planner", "editor", "approver", "auditor"},
}


@pytest.mark.parametrize("role", ROLES)
def test_library_pages_by_role(client, as_user, role):
    as_user(role)
    for path, allowed in LIBRARY_PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (path, status)
