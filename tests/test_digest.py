"""The daily digest: its figures, its pages for auditors in scope, and its e-mail over SMTP."""

import socketserver
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date
from sqlalchemy import func, select, update

from radio import db
from radio.airings.chain import daily_anchor, stations_under
from radio.airings.digest import make_digests
from radio.airings.follow_up import Digest, flag_unconfirmed
from radio.airings.intake import Actor, Entry, Rules, accept
from radio.airings.jobs import digest_job, flag_job
from radio.airings.records import NotAiredReason, Source, Status
from radio.db import get_session
from radio.digest_mail import mailer
from radio.people import User, find_user
from scheduler.playlists import PlaylistItem, PlaylistSession, current_playlist
from scheduler.units import Station, Unit
from tests.conftest import (
    OPERATOR_STATION,
    OTHER_DISTRICT_STATION,
    SAME_DISTRICT_STATION,
    add_user,
    csrf_token,
    login,
)
from tests.playlist_fixtures import ZONE, build_aired, playlist_url, station, words
from tests.test_delivery_api import device

GRACE = timedelta(hours=2)
THIRD_STATION = "67-24643"  # another commune of Huyện Cư Jút
CU_JUT = "67:662"


# A loopback SMTP server that speaks just enough of the protocol for smtplib.
class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                sender = command.partition(":")[2].strip(" <>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.mails.append((sender, recipients, b"".join(lines)))  # type: ignore[attr-defined]
                sender, recipients = "", []
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp(app: Flask) -> Iterator[list[tuple[str, list[str], bytes]]]:
    """Mail the app sends, as (sender, recipients, raw message) received on loopback."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.mails = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.server_address[1],
        SMTP_USER="",
        SMTP_PASSWORD="",
        SMTP_FROM="loaxa@cujut.example.vn",
        SMTP_TLS=False,
    )
    yield server.mails  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def sessions_of(code: str, day: date) -> list[PlaylistSession]:
    playlist = current_playlist(get_session(), station(code).id, day)
    assert playlist is not None
    return list(playlist.sessions)


def evening_of(day: date) -> datetime:
    return datetime.combine(day, time(21), ZoneInfo(ZONE))


def report(code: str, items: list[PlaylistItem], status: Status, now: datetime) -> None:
    """Reports through the intake, as the operator page would."""
    entries = [
        Entry(
            client_key=f"k{item.id}",
            status=status,
            item_id=item.id,
            started_at=item.planned_start,
            ended_at=item.planned_start + timedelta(seconds=item.duration / 2),
            reason=None if status == Status.AIRED else NotAiredReason.POWER_CUT,
        )
        for item in items
    ]
    results = accept(get_session(), station(code), entries, Actor(Source.PAGE), Rules(GRACE), now)
    assert [r.outcome for r in results] == ["created"] * len(items)


def digest_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Digest))


def unit_of(code: str) -> Unit:
    (unit,) = get_session().scalars(
        select(Unit).where(Unit.tree == "67", Unit.code == code.partition(":")[2])
    )
    return unit


def test_figures_of_the_auditors_district(app: Flask, client: FlaskClient, yesterday: date):
    build_aired(app, yesterday, [THIRD_STATION])
    codes = [OPERATOR_STATION, SAME_DISTRICT_STATION, THIRD_STATION]
    # The third station's playlist fetched by the auditor: that is no contact of the station.
    login(client, "auditor")
    assert client.get(playlist_url(THIRD_STATION, yesterday)).status_code == 200
    # The second station's device fetches its playlist: that is contact.
    headers = device(app, SAME_DISTRICT_STATION)
    assert (
        client.get(playlist_url(SAME_DISTRICT_STATION, yesterday), headers=headers).status_code
        == 200
    )
    with app.app_context():
        session = get_session()
        sessions = {code: sessions_of(code, yesterday) for code in codes}
        first, other = sessions[OPERATOR_STATION][0], sessions[SAME_DISTRICT_STATION][0]
        # One planned item made an emergency (an input of this test, not what it checks).
        session.execute(
            update(PlaylistItem)
            .where(PlaylistItem.id == first.items[0].id)
            .values(level="emergency")
        )
        session.commit()
        now = evening_of(yesterday)  # every morning report is late
        report(OPERATOR_STATION, list(first.items), Status.AIRED, now)
        report(SAME_DISTRICT_STATION, [other.items[0]], Status.NOT_AIRED, now)
        report(SAME_DISTRICT_STATION, [other.items[1]], Status.PARTLY_AIRED, now)
        flag_unconfirmed(session, datetime.combine(yesterday, time(23, 59), ZoneInfo(ZONE)), GRACE)
        morning = datetime.combine(yesterday + timedelta(days=1), time(6, 30), ZoneInfo(ZONE))
        (digest,) = make_digests(session, yesterday, ZONE, GRACE, morning)
        session.commit()
        cu_jut = unit_of(CU_JUT)
        assert digest.unit_id == cu_jut.id and digest.day == yesterday
        in_district = session.scalars(
            select(Station.code)
            .join(Unit, Unit.id == Station.unit_id)
            .where(Unit.path.startswith(cu_jut.path), Station.active.is_(True))
        ).all()
        all_sessions = [s for code in codes for s in sessions[code]]
        ended = [s for s in all_sessions if s.items]
        figures = digest.figures
        assert figures["stations"] == len(in_district)
        assert figures["sessions_planned"] == len(all_sessions)
        assert figures["items_planned"] == sum(len(s.items) for s in all_sessions)
        assert figures["items_aired"] == len(first.items)
        assert (figures["items_not_aired"], figures["items_partly_aired"]) == (1, 1)
        assert figures["items_confirmed"] == len(first.items) + 2
        assert figures["sessions_unconfirmed"] == len(ended) - 2
        assert figures["late_confirmations"] == len(first.items) + 2
        assert (figures["emergencies_planned"], figures["emergencies_aired"]) == (1, 1)
        silent = set(in_district) - {OPERATOR_STATION, SAME_DISTRICT_STATION}
        assert THIRD_STATION in silent
        assert figures["silent_stations"] == len(silent)
        assert {s["station"] for s in figures["silent"]} == silent
        day_end = datetime.combine(yesterday + timedelta(days=1), time(0), ZoneInfo(ZONE))
        # The anchor of the whole day, as the audit page shows it for that day.
        district = stations_under(session, cu_jut)
        assert figures["anchor"] == daily_anchor(session, district, day_end)
        # Made once per unit and day: again, the same digest, unchanged.
        report(OPERATOR_STATION, [sessions[OPERATOR_STATION][1].items[0]], Status.AIRED, now)
        (again,) = make_digests(session, yesterday, ZONE, GRACE)
        session.commit()
        assert again.id == digest.id and again.figures == figures
    assert digest_count(app) == 1


def test_one_digest_per_unit_with_an_active_auditor(app: Flask, yesterday: date) -> None:
    with app.app_context():
        district = station(OTHER_DISTRICT_STATION).unit.parent
        other_code = f"67:{district.code}"
    add_user(app, "kiemtra.gianghia", "auditor", other_code, "mat-khau-dai-xa")
    add_user(app, "kiemtra.nghi", "auditor", "67:67", "mat-khau-dai-xa")
    with app.app_context():
        session = get_session()
        session.execute(update(User).where(User.username == "kiemtra.nghi").values(active=False))
        made = make_digests(session, yesterday, ZONE, GRACE)
        session.commit()
        assert {d.unit_id for d in made} == {unit_of(CU_JUT).id, district.id}
        assert make_digests(session, yesterday, ZONE, GRACE) == made
    assert digest_count(app) == 2


@pytest.fixture
def two_digests(app: Flask, yesterday: date) -> dict[str, int]:
    """Yesterday's digests of Cư Jút (the demo auditor's) and of Gia Nghĩa (another's)."""
    with app.app_context():
        district = station(OTHER_DISTRICT_STATION).unit.parent
        other_code = f"67:{district.code}"
    add_user(app, "kiemtra.gianghia", "auditor", other_code, "mat-khau-dai-xa")
    with app.app_context():
        session = get_session()
        flag_unconfirmed(session, datetime.combine(yesterday, time(23, 59), ZoneInfo(ZONE)), GRACE)
        made = {d.unit_id: d.id for d in make_digests(session, yesterday, ZONE, GRACE)}
        session.commit()
        return {"cu_jut": made[unit_of(CU_JUT).id], "other": made[district.id]}


def test_auditor_sees_the_digests_of_their_area_only(
    app: Flask, client: FlaskClient, as_user: Any, two_digests: dict[str, int], yesterday: date
) -> None:
    as_user("auditor")
    listing = client.get("/digests")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert f"/digests/{two_digests['cu_jut']}" in page
    assert f"/digests/{two_digests['other']}" not in page
    assert client.get(f"/digests/{two_digests['other']}").status_code == 403
    assert client.get("/digests/999999").status_code == 403  # not told it does not exist
    shown = client.get(f"/digests/{two_digests['cu_jut']}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert words(app, "Sessions still with no confirmation") in text
    assert "Huyện Cư Jút" in text
    # The page says what is unconfirmed now: a report made after the digest clears it.
    with app.app_context():
        played = sessions_of(OPERATOR_STATION, yesterday)[0]
        label = played.label
        before = text.count(label)
        report(OPERATOR_STATION, [played.items[0]], Status.AIRED, evening_of(yesterday))
    after = client.get(f"/digests/{two_digests['cu_jut']}").get_data(as_text=True)
    assert after.count(label) == before - 1


def test_admin_sees_every_digest(client: FlaskClient, as_user: Any, two_digests: dict[str, int]):
    as_user("admin")
    page = client.get("/digests").get_data(as_text=True)
    assert all(f"/digests/{i}" in page for i in two_digests.values())
    assert client.get(f"/digests/{two_digests['other']}").status_code == 200
    assert client.get("/digests/999999").status_code == 404


@pytest.mark.parametrize("role", ["operator", "editor", "planner", "approver"])
def test_others_may_not_read_digests(
    client: FlaskClient, as_user: Any, two_digests: dict[str, int], role: str
) -> None:
    as_user(role)
    assert client.get("/digests").status_code == 403
    assert client.get(f"/digests/{two_digests['cu_jut']}").status_code == 403


def set_email(client: FlaskClient, app: Flask, username: str, email: str):  # type: ignore[no-untyped-def]
    """Give a person an e-mail address through the admin's user form."""
    with app.app_context():
        user = find_user(get_session(), username)
        fields = {
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "unit_id": user.unit_id or 0,
            "station_id": user.station_id or 0,
            "active": "y" if user.active else "",
            "email": email,
        }
        path = f"/users/{user.id}"
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, path)})


def email_of(app: Flask, username: str) -> str:
    with app.app_context():
        return find_user(get_session(), username).email


def run_digest_job(app: Flask) -> list[int]:
    with app.app_context():
        return digest_job(db.session_factory(), ZONE, GRACE, mailer(app))


def test_digest_is_emailed_once_to_the_units_auditors_and_admins(
    app: Flask, client: FlaskClient, as_user: Any, smtp: list, yesterday: date
) -> None:
    as_user("admin")
    assert set_email(client, app, "auditor", " duc.pham@cujut.example.vn ").status_code == 302
    assert email_of(app, "auditor") == "duc.pham@cujut.example.vn"
    add_user(app, "quantri.cujut", "admin", CU_JUT, "mat-khau-dai-xa")
    add_user(app, "kiemtra.cu", "auditor", CU_JUT, "mat-khau-dai-xa")
    for name, email in [
        ("quantri.cujut", "quantri@cujut.example.vn"),
        ("kiemtra.cu", "cu@cujut.example.vn"),
        ("planner", "lan@sovhttdl.example.vn"),
    ]:
        assert set_email(client, app, name, email).status_code == 302
    with app.app_context():
        session = get_session()
        session.execute(update(User).where(User.username == "kiemtra.cu").values(active=False))
        session.commit()

    with app.app_context():
        flag_job(db.session_factory(), GRACE)  # as every quarter hour before the digest
        label = sessions_of(OPERATOR_STATION, yesterday)[0].label
    (digest_id,) = run_digest_job(app)
    assert len(smtp) == 1
    sender, recipients, raw = smtp[0]
    expected = ["duc.pham@cujut.example.vn", "quantri@cujut.example.vn"]
    assert (sender, sorted(recipients)) == ("loaxa@cujut.example.vn", expected)
    message: EmailMessage = message_from_bytes(raw, policy=default)  # type: ignore[assignment]
    with app.test_request_context():
        day = format_date(yesterday, "short")
    assert message["Subject"] == words(
        app, "Airing digest of %(unit)s for %(day)s", unit="Huyện Cư Jút", day=day
    )
    body = message.get_content()
    with app.app_context():
        digest = get_session().get(Digest, digest_id)
        assert digest.emailed_to == ", ".join(expected)
        planned = digest.figures["sessions_planned"]
    assert f"{words(app, 'Sessions planned')}: {planned}" in body
    assert words(app, "Sessions with no confirmation") in body
    assert f"- {OPERATOR_STATION} · {label} · " in body  # a session with no report

    # Sent once: the next run (or a restart) sends nothing more.
    assert run_digest_job(app) == []
    assert len(smtp) == 1


def test_no_smtp_server_no_mail_and_a_failed_send_is_tried_again(
    app: Flask, client: FlaskClient, as_user: Any, smtp: list, yesterday: date
) -> None:
    as_user("admin")
    set_email(client, app, "auditor", "duc.pham@cujut.example.vn")
    port = app.config["SMTP_PORT"]
    app.config["SMTP_HOST"] = None
    assert mailer(app) is None
    (digest_id,) = run_digest_job(app)
    assert smtp == []
    # The server is unreachable: the job goes on, the digest is not marked as sent.
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)
    assert run_digest_job(app) == [digest_id]
    assert smtp == []
    app.config["SMTP_PORT"] = port
    assert run_digest_job(app) == [digest_id]
    assert len(smtp) == 1
    assert run_digest_job(app) == []


def test_a_unit_with_no_address_gets_no_mail(app: Flask, smtp: list, yesterday: date) -> None:
    (digest_id,) = run_digest_job(app)
    assert smtp == []
    with app.app_context():
        assert get_session().get(Digest, digest_id).emailed_to == ""


@pytest.mark.parametrize("email", ["duc.pham", "duc pham@cujut.vn", "a@b", "x@y.vn z"])
def test_a_bad_address_is_refused_and_nothing_changes(
    app: Flask, client: FlaskClient, as_user: Any, email: str
) -> None:
    as_user("admin")
    response = set_email(client, app, "auditor", email)
    assert response.status_code == 422
    assert words(app, "Write an e-mail address such as ten@example.vn.") in response.get_data(
        as_text=True
    )
    assert email_of(app, "auditor") == ""
