"""The operator's confirmation checklist: whole sessions, exceptions, corrections, unplanned
airings, and every refusal leaving the log as it was."""

import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from audio_library.segments import Topic
from radio.airing_messages import entry_error
from radio.airings.chain import verify_station
from radio.airings.records import Confirmation, Source, Status, UnplannedKind
from radio.db import get_session
from radio.people import Role, User, find_user, save_user
from radio.schedule_messages import minutes_seconds
from scheduler.playlists import PlaylistItem, current_playlist
from tests.conftest import DEMO_PASSWORD, OPERATOR_STATION, SAME_DISTRICT_STATION, csrf_token
from tests.playlist_fixtures import DRUGS, ZONE, build, build_aired, station, today, words

PAGE = f"/stations/{OPERATOR_STATION}/confirm"


def url(day: date, code: str = OPERATOR_STATION) -> str:
    return f"/stations/{code}/confirm?day={day.isoformat()}"


def sessions(app: Flask, day: date, code: str = OPERATOR_STATION) -> list[list[PlaylistItem]]:
    """The items of each session of the day that has any, in order."""
    with app.app_context():
        playlist = current_playlist(get_session(), station(code).id, day)
        assert playlist is not None
        return [list(s.items) for s in playlist.sessions if s.items]


def rows(app: Flask) -> list[Confirmation]:
    with app.app_context():
        query = select(Confirmation).order_by(Confirmation.seq)
        return list(get_session().scalars(query))


def count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Confirmation)) or 0


def send(client: FlaskClient, day: date, code: str = OPERATOR_STATION, **form: object):
    """Post one of the page's forms, with a fresh key unless one is given."""
    data = {"csrf_token": csrf_token(client, "/profile"), "key": uuid.uuid4().hex, **form}
    return client.post(url(day, code), data=data, follow_redirects=True)


def whole(
    client: FlaskClient, day: date, number: int, code: str = OPERATOR_STATION, **form: object
):
    """Tap "the whole session aired" of session `number`."""
    return send(client, day, code, form="session", number=number, **form)


def said(app: Flask, msgid: str, **values: object) -> str:
    """A message as the page shows it: in the default language, HTML-escaped."""
    return str(escape(words(app, msgid, **values)))


def message(app: Flask, kind: str, **params: object) -> str:
    with app.test_request_context():
        return str(escape(entry_error(kind, params)))


def test_operator_confirms_a_whole_session_in_one_post(client, as_user, app, yesterday):
    first = sessions(app, yesterday)[0]
    as_user("operator")
    page = client.get(url(yesterday))
    assert page.status_code == 200
    assert page.text.count(said(app, "Not yet confirmed")) == sum(
        len(s) for s in sessions(app, yesterday)
    )
    answer = whole(client, yesterday, number=first[0].session_number)
    assert answer.status_code == 200
    assert said(app, "Items recorded: %(n)s.", n=len(first)) in answer.text
    stored = rows(app)
    assert [r.playlist_item_id for r in stored] == [i.id for i in first]
    with app.app_context():
        operator = find_user(get_session(), "operator")
        assert operator is not None
        assert {(r.source, r.user_id, r.status) for r in stored} == {
            (Source.PAGE, operator.id, Status.AIRED)
        }
        assert verify_station(get_session(), station(OPERATOR_STATION)) == (len(first), None)
    for record, item in zip(stored, first, strict=True):
        assert record.started_at == item.planned_start
        assert record.ended_at == item.planned_start + timedelta(seconds=item.duration)
        assert record.remote_addr == "127.0.0.1"
    # Yesterday's sessions ended more than CONFIRM_GRACE_HOURS ago: late, and said so.
    assert all(r.late for r in stored)
    late = (
        "%(n)s of them are marked late: they came more than %(hours)s hours "
        "after their session ended."
    )
    assert said(app, late, n=len(first), hours=2) in answer.text
    assert answer.text.count(f'class="badge state-aired">{said(app, "Aired")}') == len(first)


def test_double_submit_of_the_same_form_counts_once(client, as_user, app, yesterday):
    number = sessions(app, yesterday)[0][0].session_number
    as_user("operator")
    key = uuid.uuid4().hex
    whole(client, yesterday, number=number, key=key)
    before = count(app)
    again = whole(client, yesterday, number=number, key=key)
    assert count(app) == before
    assert said(app, "Already recorded: %(n)s; nothing was counted twice.", n=before) in again.text
    assert said(app, "Items recorded: %(n)s.", n=before) not in again.text
    # A second page (a new key) finds nothing left to confirm in that session.
    other = whole(client, yesterday, number=number)
    assert count(app) == before
    text = "Nothing to record: every item of this session that has ended is confirmed."
    assert said(app, text) in other.text


def test_item_not_aired_with_a_reason_and_partly_aired(client, as_user, app, yesterday):
    item, second = sessions(app, yesterday)[0][:2]
    as_user("operator")
    send(client, yesterday, form="item", item_id=item.id, status="not_aired", reason="power_cut")
    part = send(
        client,
        yesterday,
        form="item",
        item_id=second.id,
        status="partly_aired",
        reason="equipment_fault",
        minutes="0.05",
    )
    assert said(app, "Items recorded: %(n)s.", n=1) in part.text
    missed, partly = rows(app)
    assert (missed.playlist_item_id, missed.status, missed.reason) == (
        item.id,
        Status.NOT_AIRED,
        "power_cut",
    )
    assert missed.started_at is None and missed.corrects_id is None
    assert (partly.status, partly.reason) == (Status.PARTLY_AIRED, "equipment_fault")
    assert partly.started_at == second.planned_start
    assert partly.ended_at == second.planned_start + timedelta(seconds=3)
    assert said(app, "Power cut") in part.text and said(app, "Partly aired") in part.text


def test_bad_exceptions_are_refused_and_store_nothing(client, as_user, app, yesterday):
    item = sessions(app, yesterday)[0][0]
    as_user("operator")
    exception = {"form": "item", "item_id": item.id}
    other = send(client, yesterday, status="not_aired", reason="other", **exception)
    assert message(app, "needs_note") in other.text
    no_reason = send(client, yesterday, status="not_aired", **exception)
    assert message(app, "needs_reason") in no_reason.text
    length = send(
        client, yesterday, status="partly_aired", reason="weather", minutes="90", **exception
    )
    text = "Say how many minutes aired: more than 0 and at most the item's length (%(length)s)."
    assert said(app, text, length=minutes_seconds(item.duration)) in length.text
    gone = send(
        client, yesterday, form="item", item_id=987654, status="not_aired", reason="weather"
    )
    assert message(app, "no_item", item=987654) in gone.text
    assert count(app) == 0
    forged = {"form": "item", "item_id": item.id, "status": "lost", "reason": "weather"}
    assert send(client, yesterday, **forged).status_code == 400
    assert send(client, yesterday, form="session", number=1, key="not-a-key").status_code == 400
    assert count(app) == 0


def test_other_reason_with_a_note_is_stored(client, as_user, app, yesterday):
    item = sessions(app, yesterday)[0][0]
    as_user("operator")
    note = "Loa cụm thôn 3 bị đổ do gió"
    send(
        client,
        yesterday,
        form="item",
        item_id=item.id,
        status="not_aired",
        reason="other",
        note=note,
    )
    (record,) = rows(app)
    assert (record.reason, record.note) == ("other", note)


def test_correction_of_an_aired_item_is_a_new_record(client, as_user, app, yesterday):
    first = sessions(app, yesterday)[0]
    as_user("operator")
    whole(client, yesterday, number=first[0].session_number)
    original = rows(app)[0]
    key = uuid.uuid4().hex
    fix = {"form": "item", "item_id": first[0].id, "status": "not_aired", "reason": "emergency"}
    answer = send(client, yesterday, key=key, **fix)
    assert said(app, "Gave way to an emergency broadcast") in answer.text
    stored = rows(app)
    assert len(stored) == len(first) + 1
    correction = stored[-1]
    assert (correction.corrects_id, correction.status) == (original.id, Status.NOT_AIRED)
    untouched = stored[0]
    assert (untouched.status, untouched.hash, untouched.seq) == (
        Status.AIRED,
        original.hash,
        original.seq,
    )
    again = send(client, yesterday, key=key, **fix)  # the correction's form sent again
    assert said(app, "Already recorded: %(n)s; nothing was counted twice.", n=1) in again.text
    assert len(rows(app)) == len(first) + 1
    # It did air after all: a correction of the correction, at the planned times.
    send(client, yesterday, **{**fix, "status": "aired", "reason": ""})
    last = rows(app)[-1]
    assert (last.corrects_id, last.status, last.started_at) == (
        correction.id,
        Status.AIRED,
        first[0].planned_start,
    )
    with app.app_context():
        assert verify_station(get_session(), station(OPERATOR_STATION)) == (len(first) + 2, None)


def topic_id(app: Flask, code: str) -> int:
    with app.app_context():
        found = get_session().scalar(select(Topic.id).where(Topic.code == code))
        assert found is not None
        return found


def test_unplanned_airing_is_stored_with_what_it_was(client, as_user, app, yesterday):
    as_user("operator")
    drugs = topic_id(app, DRUGS)
    form = {
        "form": "unplanned",
        "kind": "live",
        "title": "Thông báo lịch tiêm phòng dại",
        "topic": drugs,
        "start": "17:05",
        "minutes": "4.5",
    }
    key = uuid.uuid4().hex
    answer = send(client, yesterday, key=key, **form)
    assert said(app, "Items recorded: %(n)s.", n=1) in answer.text
    assert "Thông báo lịch tiêm phòng dại" in answer.text
    again = send(client, yesterday, key=key, **form)
    assert said(app, "Already recorded: %(n)s; nothing was counted twice.", n=1) in again.text
    (record,) = rows(app)
    assert (record.unplanned_kind, record.title, record.topic_id, record.seconds) == (
        UnplannedKind.LIVE,
        "Thông báo lịch tiêm phòng dại",
        drugs,
        270,
    )
    assert record.playlist_item_id is None and record.day == yesterday
    assert record.started_at.isoformat().startswith(f"{yesterday.isoformat()}T10:05:00")


def test_bad_unplanned_airings_store_nothing(client, as_user, app, yesterday):
    as_user("operator")
    good = {"form": "unplanned", "kind": "relay", "title": "Tiếp âm VOV", "start": "12:00"}
    good |= {"topic": topic_id(app, DRUGS), "minutes": "30"}
    no_title = send(client, yesterday, **{**good, "title": "  "})
    assert no_title.status_code == 422
    assert said(app, "This field is required.") in no_title.text
    no_topic = send(client, yesterday, **{**good, "topic": ""})
    assert no_topic.status_code == 422 and said(app, "Choose a topic.") in no_topic.text
    bad_time = send(client, yesterday, **{**good, "start": "25:61"})
    assert bad_time.status_code == 422 and said(app, "Not a valid time value.") in bad_time.text
    no_length = send(client, yesterday, **{**good, "minutes": "0"})
    assert no_length.status_code == 422
    ahead = send(client, today() + timedelta(days=1), **good)
    assert ahead.status_code == 422 and said(app, "This time has not come yet.") in ahead.text
    assert count(app) == 0


def test_a_session_not_started_is_refused(client, as_user, app, tomorrow):
    first = sessions(app, tomorrow)[0]
    as_user("operator")
    page = client.get(url(tomorrow)).text
    assert "disabled>" + said(app, "The whole session aired") in page
    starts = first[0].planned_start.astimezone(ZoneInfo(ZONE)).strftime("%H:%M")
    wait = "Starts at %(time)s: it can be confirmed once it has started."
    assert said(app, wait, time=starts) in page
    answer = whole(client, tomorrow, number=first[0].session_number)
    assert message(app, "not_started", start=first[0].planned_start) in answer.text
    exception = {"form": "item", "item_id": first[0].id, "status": "not_aired"}
    answer = send(client, tomorrow, reason="weather", **exception)
    assert message(app, "not_started", start=first[0].planned_start) in answer.text
    assert count(app) == 0


def test_a_day_older_than_the_window_is_refused(client, as_user, app, fills):
    old = today() - timedelta(days=8)
    build_aired(app, old, [OPERATOR_STATION])
    first = sessions(app, old)[0]
    as_user("operator")
    too_old = message(app, "too_old", days=7)
    assert too_old in client.get(url(old)).text
    answer = whole(client, old, number=first[0].session_number)
    assert too_old in answer.text
    assert said(app, "Items recorded: %(n)s.", n=len(first)) not in answer.text
    assert count(app) == 0


def test_days_outside_what_the_page_shows(client, as_user, app):
    as_user("operator")
    assert client.get(url(today() + timedelta(days=60))).status_code == 400
    assert client.get(f"{PAGE}?day=31-12-2026").status_code == 400
    empty = client.get(PAGE)
    assert empty.status_code == 200
    assert said(app, "No playlist has been built for this station on this day.") in empty.text


def add_operator(app: Flask, username: str, code: str) -> None:
    with app.app_context():
        session = get_session()
        user = User(username=username, password_hash="")
        save_user(
            session,
            user,
            role=Role.OPERATOR,
            unit=None,
            station=station(code),
            password=DEMO_PASSWORD,
        )
        session.commit()


def test_only_the_stations_operator_and_admins_may_confirm(client, as_user, app, yesterday):
    number = sessions(app, yesterday)[0][0].session_number
    add_operator(app, "operator-ea-tling", SAME_DISTRICT_STATION)
    for person in ("operator-ea-tling", "auditor", "planner"):
        as_user(person)
        assert client.get(url(yesterday)).status_code == 403
        assert whole(client, yesterday, number=number).status_code == 403
    assert count(app) == 0
    as_user("operator")  # and the operator not at another commune's station
    assert client.get(url(yesterday, SAME_DISTRICT_STATION)).status_code == 403
    first = sessions(app, yesterday, SAME_DISTRICT_STATION)[0]
    number = first[0].session_number
    assert whole(client, yesterday, number, SAME_DISTRICT_STATION).status_code == 403
    assert count(app) == 0
    as_user("admin")
    assert client.get(url(yesterday, SAME_DISTRICT_STATION)).status_code == 200
    whole(client, yesterday, number, SAME_DISTRICT_STATION)
    assert [r.playlist_item_id for r in rows(app)] == [i.id for i in first]


def test_forms_without_a_csrf_token_are_refused(client, as_user, app, yesterday):
    as_user("operator")
    answer = client.post(url(yesterday), data={"form": "session", "number": 1, "key": "a" * 32})
    assert answer.status_code == 400
    assert count(app) == 0


def test_todays_playlist_page_leads_each_session_to_the_checklist(client, as_user, app, fills):
    build(app, today(), [OPERATOR_STATION])
    numbers = [s[0].session_number for s in sessions(app, today())]
    as_user("operator")
    playlist = client.get(f"/stations/{OPERATOR_STATION}/playlist").text
    for number in numbers:
        assert f'href="{url(today())}#session-{number}"' in playlist
    assert client.get(f"{url(today())}").status_code == 200
    as_user("auditor")  # reads the playlist, confirms nothing
    assert f"{PAGE}?" not in client.get(f"/stations/{OPERATOR_STATION}/playlist").text
