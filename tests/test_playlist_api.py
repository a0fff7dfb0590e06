"""GET /api/v1/stations/{code}/playlists/{date}: playlists really built, read as JSON."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from audio_library.db import utcnow
from audio_library.segments import Level, Segment
from radio.db import get_session
from radio.schedule_messages import REASON_LABELS, describe_report
from radio.tokens import issue_token
from scheduler.build_job import today_in
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    OTHER_PROVINCE_STATION,
    SAME_DISTRICT_STATION,
    csrf_token,
)
from tests.playlist_fixtures import (
    DRUGS,
    NOTICES,
    RELAY_URL,
    SECURITY,
    ZONE,
    add_midday_relay,
    approved_segment,
    build,
    playlist_rows,
    playlist_url,
    station,
    today,
    words,
)


def test_playlist_document_has_sessions_items_and_report(client, as_user, app, tomorrow, fills):
    as_user("operator")
    response = client.get(playlist_url(OPERATOR_STATION, tomorrow))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert (body["station"], body["date"], body["version"]) == (
        OPERATOR_STATION,
        tomorrow.isoformat(),
        1,
    )
    assert len(body["content_hash"]) == 64 and body["built_at"]
    labels = [s["label"] for s in body["sessions"]]
    assert labels == ["Buổi sáng", "Tiếp âm trưa", "Buổi chiều"]
    morning, midday, _evening = body["sessions"]
    assert morning["starts_at"] == f"{tomorrow.isoformat()}T06:00:00+07:00"
    assert (morning["number"], morning["kind"], morning["max_seconds"]) == (1, "regular", 1800)
    assert morning["interrupts"] is None
    with app.app_context():
        segments = {s.id: s for s in get_session().scalars(select(Segment))}
    with app.test_request_context():
        reason_labels = {str(k): str(v) for k, v in REASON_LABELS.items()}
    fill_items = [i for s in body["sessions"] for i in s["items"] if i["kind"] == "segment"]
    assert fill_items, body
    for item in fill_items:
        segment_id = item["segment_id"]
        segment = segments[segment_id]
        assert item["audio_url"] == f"http://localhost/api/v1/segments/{segment_id}/audio"
        assert item["sha256"] == segment.audio_sha
        assert item["duration"] == pytest.approx(segment.duration, abs=0.01)
        assert item["title"] == segment.title
        assert item["topic"]["code"] in {DRUGS, SECURITY, NOTICES}
        assert item["topic"]["name"]
        assert item["planned_start"].endswith("+07:00")
        assert datetime.fromisoformat(item["planned_start"]).date() == tomorrow
        assert item["reason"] in {"fill", "quota"}
        assert item["reason_label"] == reason_labels[item["reason"]]
    positions = [i["position"] for i in morning["items"]]
    assert positions == sorted(positions) and morning["planned_seconds"] > 0
    (relay,) = [i for i in midday["items"] if i["kind"] == "relay"]
    assert relay["kind"] == "relay" and relay["audio_url"] == RELAY_URL
    assert (
        relay["sha256"] == ""
        and relay["segment_id"] is None
        and relay["duration"] == 600.0
        and relay["topic"] is None
    )
    assert relay["planned_start"] == f"{tomorrow.isoformat()}T11:00:00+07:00"
    missing = [e for e in body["report"] if e["kind"] == "fixed_missing"]
    assert missing and missing[0]["session"] == "Tiếp âm trưa"
    with app.test_request_context():
        assert missing[0]["message"] == describe_report(missing[0])


def test_station_device_reads_its_own_playlist_and_audio(client, app, tomorrow):
    with app.app_context():
        _token, plain = issue_token(get_session(), station=station(OPERATOR_STATION))
        get_session().commit()
    headers = {"Authorization": f"Bearer {plain}"}
    body = client.get(playlist_url(OPERATOR_STATION, tomorrow), headers=headers).json
    url = next(i["audio_url"] for s in body["sessions"] for i in s["items"] if i["sha256"])
    with client.get(url, headers=headers) as audio_response:
        assert audio_response.status_code == 200
        assert audio_response.mimetype == "audio/mpeg"


def test_another_stations_token_is_refused(client, app, tomorrow):
    with app.app_context():
        _token, plain = issue_token(get_session(), station=station(SAME_DISTRICT_STATION))
        get_session().commit()
    headers = {"Authorization": f"Bearer {plain}"}
    for url in (
        playlist_url(OPERATOR_STATION, tomorrow),
        playlist_url(OPERATOR_STATION, tomorrow) + "/versions",
        playlist_url("NO-SUCH", tomorrow),
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 403
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"] == words(app, "This token belongs to another station.")
    assert (
        client.get(playlist_url(SAME_DISTRICT_STATION, tomorrow), headers=headers).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("admin", OTHER_PROVINCE_STATION, 404),  # in scope, nothing built there
        ("planner", OPERATOR_STATION, 200),
        ("editor", SAME_DISTRICT_STATION, 200),
        ("auditor", OPERATOR_STATION, 200),
        ("auditor", OTHER_DISTRICT_STATION, 403),
        ("operator", SAME_DISTRICT_STATION, 403),
        ("planner", OTHER_PROVINCE_STATION, 403),
    ],
)
def test_people_read_playlists_in_their_scope(client, as_user, tomorrow, role, code, status):
    as_user(role)
    assert client.get(playlist_url(code, tomorrow)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 404), ("planner", 404), ("auditor", 403), ("operator", 403)]
)
def test_unknown_station(client, as_user, app, role, status):
    as_user(role)
    before = playlist_rows(app)
    response = client.get(playlist_url("67-00000", today()))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert playlist_rows(app) == before


def test_anonymous_gets_401(client):
    assert client.get(playlist_url(OPERATOR_STATION, today())).status_code == 401


@pytest.mark.parametrize("text", ["2025-13-01", "01-07-2025", "20250701", "hôm-nay", "2025-7-1"])
def test_malformed_date_is_a_clear_400(client, as_user, app, tomorrow, text):
    as_user("operator")
    before = playlist_rows(app)
    for url in (
        playlist_url(OPERATOR_STATION, text),
        playlist_url(OPERATOR_STATION, text) + "/versions",
    ):
        response = client.get(url)
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
        expected = (
            "The date “%(value)s” is not valid: write it as YYYY-MM-DD, for example %(example)s."
        )
        detail = words(app, expected, value=text, example=today().isoformat())
        assert response.json["detail"] == detail
    assert playlist_rows(app) == before


def test_dates_too_far_back_or_ahead_are_refused_with_the_limit(client, as_user, app):
    as_user("operator")
    past, future = today() - timedelta(days=61), today() + timedelta(days=32)
    response = client.get(playlist_url(OPERATOR_STATION, past))
    assert response.status_code == 400
    assert response.json["detail"] == words(
        app,
        "Playlists can be read for the last %(days)s days only: choose a date from %(first)s on.",
        days=60,
        first=(today() - timedelta(days=60)).isoformat(),
    )
    response = client.get(playlist_url(OPERATOR_STATION, future))
    assert response.status_code == 400
    assert response.json["detail"] == words(
        app,
        "Playlists are planned at most %(days)s days ahead: choose a date up to %(last)s.",
        days=31,
        last=(today() + timedelta(days=31)).isoformat(),
    )
    # the edges are allowed: nothing is built there, which is a 404, not a 400
    for edge in (today() - timedelta(days=60), today() + timedelta(days=31)):
        assert client.get(playlist_url(OPERATOR_STATION, edge)).status_code == 404


def test_day_without_playlist_is_a_clear_404(client, as_user, app, tomorrow):
    as_user("operator")
    day = tomorrow + timedelta(days=1)
    for url in (
        playlist_url(OPERATOR_STATION, day),
        playlist_url(OPERATOR_STATION, day) + "/versions",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"] == words(
            app,
            "No playlist has been built for station %(station)s on %(date)s.",
            station=OPERATOR_STATION,
            date=day.isoformat(),
        )


def test_versions_list_what_each_build_changed(client, as_user, app, fills):
    day = today() + timedelta(days=2)
    build(app, day, [OPERATOR_STATION])
    add_midday_relay(app)
    build(app, day, [OPERATOR_STATION])
    as_user("auditor")
    versions = client.get(playlist_url(OPERATOR_STATION, day) + "/versions").json
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["trigger"] == "manual" and versions[0]["built_at"]
    assert ["Tiếp âm trưa", "Tiếp âm VOV1"] in versions[0]["changes"]["added"]
    assert client.get(playlist_url(OPERATOR_STATION, day)).json["version"] == 2


def test_emergency_session_label_is_translated(client, as_user, app, fills, tmp_path):
    bulletin = approved_segment(
        app, tmp_path, "Cảnh báo lũ quét", NOTICES, 4, level=Level.EMERGENCY
    )
    as_user("planner")
    headers = {"X-CSRFToken": csrf_token(client, "/profile")}
    expires = (utcnow() + timedelta(hours=1)).isoformat()
    response = client.post(
        "/api/v1/emergencies",
        json={"segment_id": bulletin, "station_codes": [OPERATOR_STATION], "expires_at": expires},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    local_day = today_in(ZONE, utcnow() + timedelta(seconds=5))
    body = client.get(playlist_url(OPERATOR_STATION, local_day)).json
    emergency = [s for s in body["sessions"] if s["kind"] == "emergency"]
    assert emergency and emergency[0]["label"] == words(app, "Emergency broadcast")
    (item,) = emergency[0]["items"]
    assert item["reason"] == "emergency" and item["level"] == "emergency"
