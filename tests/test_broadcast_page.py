"""The station's broadcast page: today's and the next days' items, downloads, new versions."""

from datetime import timedelta

from tests.conftest import OPERATOR_STATION, SAME_DISTRICT_STATION
from tests.playlist_fixtures import NOTICES, approved_segment, build, playlist_url, today, words

PAGE = f"/stations/{OPERATOR_STATION}/playlist"


def test_operator_sees_items_downloads_and_play_links(client, as_user, app, fills):
    build(app, today(), [OPERATOR_STATION], days=2)
    as_user("operator")
    answer = client.get(PAGE)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    doc = client.get(playlist_url(OPERATOR_STATION, today())).json
    for session in doc["sessions"]:
        assert session["label"] in html
        for item in session["items"]:
            assert item["title"] in html and item["planned_start"][11:19] in html
    base = playlist_url(OPERATOR_STATION, today())
    for link in (".zip", ".m3u8", ".pdf", ".ics?days=7", "/sessions/1.mp3?download=1"):
        assert f'href="{base}{link}' in html
    assert html.count('class="play" href="http://localhost/api/v1/links/') == sum(
        len(s["items"]) for s in doc["sessions"]
    )
    assert words(app, "Tomorrow") in html  # the next day is built too


def test_banner_when_a_newer_version_than_the_downloaded_one_exists(
    client, as_user, app, fills, tmp_path
):
    day = today() + timedelta(days=1)
    build(app, day, [OPERATOR_STATION])
    as_user("operator")
    client.get(playlist_url(OPERATOR_STATION, day) + ".pdf")  # the station has version 1
    page = f"{PAGE}?day={day.isoformat()}"
    assert "banner-new" not in client.get(page).get_data(as_text=True)
    approved_segment(app, tmp_path, "Thông báo tiêm phòng cho gia súc", NOTICES, 6)
    build(app, day, [OPERATOR_STATION])
    html = client.get(page).get_data(as_text=True)
    assert "banner-new" in html and "Thông báo tiêm phòng cho gia súc" in html
    as_user("auditor")  # the district reading version 2 gives the station no copy
    assert client.get(playlist_url(OPERATOR_STATION, day) + ".pdf").status_code == 200
    as_user("operator")
    assert "banner-new" in client.get(page).get_data(as_text=True)
    client.get(playlist_url(OPERATOR_STATION, day) + ".zip")  # downloads version 2
    assert "banner-new" not in client.get(page).get_data(as_text=True)


def test_days_without_playlist_or_outside_the_window(client, as_user, app):
    as_user("operator")
    empty = client.get(PAGE)
    assert empty.status_code == 200  # the page is there; the day has nothing yet
    assert words(app, "No playlist has been built for this station on this day.") in empty.text
    far = client.get(f"{PAGE}?day={(today() + timedelta(days=30)).isoformat()}")
    assert far.status_code == 400
    assert words(app, "This page shows today and the next %(n)s days.", n=6) in far.text
    assert client.get(f"{PAGE}?day=29-11-2026").status_code == 400


def test_operator_cannot_open_another_stations_page(client, as_user, app, fills):
    build(app, today(), [SAME_DISTRICT_STATION])
    as_user("operator")
    assert client.get(f"/stations/{SAME_DISTRICT_STATION}/playlist").status_code == 403
