"""Downloads for stations through the API, each checked by a real client.

ffmpeg follows the M3U8 and decodes every MP3, `unzip -t` checks the bundle, pdftotext
reads the sheet, icalendar parses the calendar; HTTP validators, ranges and gzip are
checked on the wire.
"""

import gzip
import io
import re
import subprocess
import urllib.request
import zipfile
from datetime import timedelta

import icalendar
import pytest
from flask import Flask
from flask_babel import format_datetime, gettext
from sqlalchemy import event, select

from audio_library.db import utcnow
from radio import db
from radio.db import get_session
from radio.delivery.links import Link, signed_url
from radio.downloads import Download, Format
from radio.tokens import AccessToken, issue_token, revoke_token
from scheduler.playlists import PlaylistItem
from tests import audio_fixtures as fx
from tests.conftest import OPERATOR_STATION, OTHER_DISTRICT_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import (
    NOTICES,
    approved_segment,
    build,
    playlist_url,
    station,
    today,
    words,
)

FORMATS = [".m3u8", ".zip", ".pdf", ".ics", "/sessions/1.mp3"]
FILE_NAME = re.compile(r"\d{2}_\d{4}_[a-z0-9-]+\.mp3")


@pytest.fixture
def day(app: Flask, fills: dict[str, int]):  # type: ignore[no-untyped-def]
    """Today's playlists of two Cư Jút stations: the demo's sessions filled with tones."""
    build(app, today(), [OPERATOR_STATION, SAME_DISTRICT_STATION])
    return today()


def device(app: Flask, code: str) -> dict[str, str]:
    with app.app_context():
        _token, plain = issue_token(get_session(), station=station(code))
        get_session().commit()
    return {"Authorization": f"Bearer {plain}"}


def playlist_json(client, headers, day) -> dict:  # type: ignore[no-untyped-def]
    return client.get(playlist_url(OPERATOR_STATION, day), headers=headers).json


def ffmpeg_quiet(*args: str) -> str:
    """ffmpeg's errors for this run ('' when it decoded cleanly)."""
    done = subprocess.run(
        [fx.FFMPEG, "-hide_banner", "-nostdin", "-v", "error", *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_ffmpeg_follows_the_m3u8_over_http_with_no_token(app, live_server, day, tmp_path):
    headers = device(app, OPERATOR_STATION)
    url = f"{live_server}{playlist_url(OPERATOR_STATION, day)}.m3u8"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
        text = answer.read().decode()
    doc = playlist_json(app.test_client(), headers, day)
    items = [i for s in doc["sessions"] for i in s["items"]]
    assert text.startswith("#EXTM3U\n")
    for item in items:
        assert f"#EXTINF:{item['duration']:.3f},{item['title']}\n" in text
    links = [line for line in text.splitlines() if line.startswith("http")]
    assert len(links) == len(items) and all(FILE_NAME.search(link) for link in links)
    listing = tmp_path / "list.m3u8"
    listing.write_text(text)
    wav = tmp_path / "all.wav"
    subprocess.run(
        [fx.FFMPEG, "-v", "quiet", "-protocol_whitelist", "file,http,tcp", "-i", str(listing),
         "-c:a", "pcm_s16le", str(wav)],
        check=True,
    )  # fmt: skip
    planned = sum(i["duration"] for i in items)
    # every file whole: each MP3 adds its encoder delay when played back to back
    assert planned - 0.1 < fx.probe(wav)["duration"] < planned + 0.1 * len(items)


def test_signed_link_plays_alone_but_not_altered_or_expired(client, app, day):
    headers = device(app, OPERATOR_STATION)
    text = client.get(playlist_url(OPERATOR_STATION, day) + ".m3u8", headers=headers).text
    link = next(line for line in text.splitlines() if line.startswith("http"))
    path = link.removeprefix("http://localhost")
    answer = client.get(path, buffered=True)
    assert answer.status_code == 200 and answer.mimetype == "audio/mpeg"
    assert "immutable" in answer.headers["Cache-Control"]
    part = client.get(path, headers={"Range": "bytes=0-99"}, buffered=True)
    assert part.status_code == 206 and len(part.data) == 100
    token = path.split("/")[4]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    refused = client.get(path.replace(token, altered))
    assert refused.status_code == 403
    assert refused.json["detail"] == words(
        app, "This link is not valid: it was changed or cut short."
    )
    with app.test_request_context():
        old = Link(first_segment(app), station(OPERATOR_STATION).id, utcnow() - timedelta(hours=1))
        expired = signed_url(old, "x.mp3").removeprefix("http://localhost")
        message = gettext(
            "This link expired on %(when)s. Download the playlist again for new links.",
            when=format_datetime(old.expires, "short"),
        )
    gone = client.get(expired)
    assert gone.status_code == 403 and gone.json["detail"] == message


def first_segment(app: Flask) -> int:
    with app.app_context():
        query = select(PlaylistItem.segment_id).where(PlaylistItem.segment_id.is_not(None))
        return get_session().scalars(query).first()


def test_zip_bundle_unzips_and_every_file_plays(client, app, day, tmp_path):
    headers = device(app, OPERATOR_STATION)
    doc = playlist_json(client, headers, day)
    answer = client.get(playlist_url(OPERATOR_STATION, day) + ".zip?days=2", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert answer.is_streamed
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(answer.data)
    subprocess.run(["unzip", "-tq", str(bundle)], check=True, capture_output=True)
    subprocess.run(["unzip", "-q", str(bundle), "-d", str(tmp_path / "out")], check=True)
    folder = tmp_path / "out" / day.isoformat()
    items = [i for s in doc["sessions"] for i in s["items"]]
    mp3s = sorted(folder.glob("*.mp3"))
    assert [p.name[:2] for p in mp3s] == [f"{n:02d}" for n in range(1, len(items) + 1)]
    for path, item in zip(mp3s, items, strict=True):
        assert FILE_NAME.fullmatch(path.name)
        assert path.name[3:7] == item["planned_start"][11:16].replace(":", "")
        assert ffmpeg_quiet("-i", str(path), "-f", "null", "-") == ""
        assert abs(fx.decoded_duration(path) - item["duration"]) < 0.05
    listing = (folder / "danh-sach-phat.m3u8").read_text()
    assert [line for line in listing.splitlines() if not line.startswith("#")] == [
        p.name for p in mp3s
    ]
    sheet = subprocess.run(
        ["pdftotext", str(folder / "bang-phat-thanh.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert all(item["title"] in sheet for item in items)
    readme = (tmp_path / "out" / "README.txt").read_text()
    # only today was built: the README says one of the two days asked for is there
    assert words(app, "Only %(count)s of the %(days)s days asked for have a playlist yet.",
                 count=1, days=2) in readme  # fmt: skip
    assert not (tmp_path / "out" / (day + timedelta(days=1)).isoformat()).exists()


def test_zip_of_several_days_has_a_folder_per_day(client, app, day):
    build(app, day + timedelta(days=1), [OPERATOR_STATION])
    headers = device(app, OPERATOR_STATION)
    answer = client.get(playlist_url(OPERATOR_STATION, day) + ".zip?days=2", headers=headers)
    names = zipfile.ZipFile(io.BytesIO(answer.data)).namelist()
    for d in (day, day + timedelta(days=1)):
        assert f"{d.isoformat()}/danh-sach-phat.m3u8" in names
        assert f"{d.isoformat()}/bang-phat-thanh.pdf" in names
    assert "_2-ngay.zip" in answer.headers["Content-Disposition"]


def test_session_mp3_lasts_as_planned_with_validators_and_ranges(client, app, day, tmp_path):
    headers = device(app, OPERATOR_STATION)
    session = playlist_json(client, headers, day)["sessions"][0]
    url = playlist_url(OPERATOR_STATION, day) + f"/sessions/{session['number']}.mp3"
    answer = client.get(url, headers=headers, buffered=True)
    assert answer.status_code == 200 and answer.mimetype == "audio/mpeg"
    mix = tmp_path / "session.mp3"
    mix.write_bytes(answer.data)
    assert fx.probe(mix)["codec"] == "mp3"
    assert ffmpeg_quiet("-i", str(mix), "-f", "null", "-") == ""
    assert abs(fx.decoded_duration(mix) - session["planned_seconds"]) < 0.5
    etag = answer.headers["ETag"]
    assert not etag.startswith("W/") and answer.headers["Accept-Ranges"] == "bytes"
    assert (
        client.get(url, headers={**headers, "If-None-Match": etag}, buffered=True).status_code
        == 304
    )
    part = client.get(url, headers={**headers, "Range": "bytes=100-199"}, buffered=True)
    assert part.status_code == 206 and part.data == answer.data[100:200]
    size = len(answer.data)
    beyond = client.get(url, headers={**headers, "Range": f"bytes={size + 10}-"}, buffered=True)
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"
    assert beyond.json["detail"] == words(
        app, "The file has %(size)s bytes: ask for a range inside it.", size=size
    )
    invalid = client.get(url, headers={**headers, "Range": "seconds=1-2"}, buffered=True)
    assert invalid.status_code == 416
    assert invalid.json["detail"] == words(
        app,
        "The Range header “%(value)s” is not valid: write it as bytes=FIRST-LAST, "
        "for example bytes=0-1023.",
        value="seconds=1-2",
    )


@pytest.mark.parametrize("number", ["9", "x"])
def test_session_that_does_not_exist(client, app, day, number):
    headers = device(app, OPERATOR_STATION)
    answer = client.get(
        playlist_url(OPERATOR_STATION, day) + f"/sessions/{number}.mp3", headers=headers
    )
    assert answer.status_code == 404
    assert answer.json["detail"] == words(
        app,
        "Session %(number)s is not in the playlist of %(date)s; its sessions are: %(numbers)s.",
        number=number,
        date=day.isoformat(),
        numbers="1, 2",
    )


def test_sheet_and_calendar_downloads(client, app, day, tmp_path):
    headers = device(app, OPERATOR_STATION)
    doc = playlist_json(client, headers, day)
    pdf = client.get(playlist_url(OPERATOR_STATION, day) + ".pdf", headers=headers)
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "sheet.pdf").write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert all(i["title"] in text for s in doc["sessions"] for i in s["items"])
    ics = client.get(playlist_url(OPERATOR_STATION, day) + ".ics", headers=headers)
    assert ics.mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    assert len(events) == len(doc["sessions"])
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert [s.isoformat() for s in starts] == [s["starts_at"] for s in doc["sessions"]]


def test_playlist_json_revalidates_and_is_gzipped(client, app, day, tmp_path):
    headers = device(app, OPERATOR_STATION)
    url = playlist_url(OPERATOR_STATION, day)
    first = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    plain = client.get(url, headers=headers)
    assert gzip.decompress(first.data) == plain.data
    etag = first.headers["ETag"]
    assert etag == plain.headers["ETag"] and etag.startswith('W/"')
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # a new version: the old validator no longer matches
    tomorrow = day + timedelta(days=1)
    build(app, tomorrow, [OPERATOR_STATION])
    old = client.get(playlist_url(OPERATOR_STATION, tomorrow), headers=headers).headers["ETag"]
    approved_segment(app, tmp_path, "Tin mới của xã", NOTICES, 4)
    build(app, tomorrow, [OPERATOR_STATION])
    changed = client.get(
        playlist_url(OPERATOR_STATION, tomorrow), headers={**headers, "If-None-Match": old}
    )
    assert changed.status_code == 200 and changed.json["version"] == 2


def test_each_full_download_is_recorded_with_who_and_which_version(client, as_user, app, day):
    headers = device(app, OPERATOR_STATION)
    base = playlist_url(OPERATOR_STATION, day)
    etag = client.get(base + ".m3u8", headers=headers).headers["ETag"]
    assert client.get(base + ".m3u8", headers={**headers, "If-None-Match": etag}).status_code == 304
    client.get(
        base + "/sessions/1.mp3", headers={**headers, "Range": "bytes=500-"}, buffered=True
    )  # a resume
    as_user("operator")
    client.get(base + ".pdf")
    with app.app_context():
        rows = get_session().scalars(select(Download).order_by(Download.id)).all()
        assert [(r.format, r.token_id is not None, r.user_id is not None) for r in rows] == [
            (Format.M3U8, True, False),
            (Format.PDF, False, True),
        ]
        assert {(r.day, r.version, r.station_id) for r in rows} == {
            (day, 1, station(OPERATOR_STATION).id)
        }


@pytest.mark.parametrize("suffix", FORMATS)
def test_bad_dates_and_unknown_stations_are_clear_errors(client, as_user, app, day, suffix):
    as_user("operator")
    for text in ("2026-13-01", "28-11-2026", "hôm-nay"):
        answer = client.get(f"/api/v1/stations/{OPERATOR_STATION}/playlists/{text}{suffix}")
        assert answer.status_code == 400 and "YYYY-MM-DD" in answer.json["detail"]
    for far in (day - timedelta(days=400), day + timedelta(days=400)):
        answer = client.get(playlist_url(OPERATOR_STATION, far) + suffix)
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    missing = day + timedelta(days=3)
    answer = client.get(playlist_url(OPERATOR_STATION, missing) + suffix)
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert answer.json["detail"] == words(
        app,
        "No playlist has been built for station %(station)s on %(date)s.",
        station=OPERATOR_STATION,
        date=missing.isoformat(),
    )


@pytest.mark.parametrize("suffix", FORMATS)
def test_unknown_station_is_a_clear_404(client, as_user, app, suffix):
    as_user("admin")
    answer = client.get(playlist_url("NO-SUCH", today()) + suffix)
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


@pytest.mark.parametrize("suffix", FORMATS)
def test_only_the_stations_own_token_and_people_in_scope(client, as_user, app, day, suffix):
    url = playlist_url(OPERATOR_STATION, day) + suffix
    other = client.get(url, headers=device(app, SAME_DISTRICT_STATION))
    assert other.status_code == 403
    assert other.json["detail"] == words(app, "This token belongs to another station.")
    assert client.get(url).status_code == 401
    as_user("operator")  # of Ea Pô: not of Ea T'Ling
    assert client.get(playlist_url(SAME_DISTRICT_STATION, day) + suffix).status_code == 403
    as_user("auditor")  # Cư Jút: both stations, not another district
    answer = client.get(playlist_url(SAME_DISTRICT_STATION, day) + suffix, buffered=True)
    assert answer.status_code == 200
    assert client.get(playlist_url(OTHER_DISTRICT_STATION, day) + suffix).status_code == 403


def test_a_device_poll_for_the_version_it_holds_is_one_query(client, app, day):
    headers = device(app, OPERATOR_STATION)
    url = playlist_url(OPERATOR_STATION, day)
    etag = client.get(url, headers=headers).headers["ETag"]
    statements: list[str] = []
    with app.app_context():
        engine = db.engine()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304
        assert len(statements) == 1
        # the shortcut never answers for someone else: another station's token, a revoked one
        other = device(app, SAME_DISTRICT_STATION)
        assert client.get(url, headers={**other, "If-None-Match": etag}).status_code == 403
        with app.app_context():
            for token in get_session().scalars(select(AccessToken)):
                revoke_token(token)
            get_session().commit()
        assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 401
    finally:
        event.remove(engine, "before_cursor_execute", listener)
