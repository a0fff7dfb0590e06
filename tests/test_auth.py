"""Logging in: passwords, rate limiting, CSRF, cookies and language."""

from sqlalchemy import func, select

from radio.db import get_session
from radio.login_guard import LoginAttempt
from radio.people import User, find_user
from tests.conftest import DEMO_PASSWORD, csrf_token, login


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_english_on_request(client):
    client.get("/lang/en?next=/login")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_language_switch_refuses_offsite_redirect(client):
    response = client.get("/lang/en?next=//evil.example/x")
    assert response.headers["Location"] == "/"


def test_login_and_logout(client):
    response = login(client, "auditor")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/profile")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(client):
    assert login(client, "Auditor").status_code == 302


def test_wrong_password_is_refused_clearly(client, app):
    response = login(client, "auditor", "wrong-password")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_many_failures_lock_the_name_even_with_the_right_password(client, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "auditor", "nope-nope").status_code == 401
    response = login(client, "auditor", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "thử lại sau" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with app.app_context():
        user = find_user(get_session(), "auditor")
        assert user.last_login_at is None  # the locked attempt changed nothing


def test_lock_is_per_name(client, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "auditor", "nope-nope")
    assert login(client, "planner").status_code == 302


def test_success_clears_earlier_failures(client, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        login(client, "auditor", "nope-nope")
    assert login(client, "auditor").status_code == 302
    with app.app_context():
        failures = get_session().scalar(
            select(func.count()).where(
                LoginAttempt.username == "auditor", LoginAttempt.succeeded.is_(False)
            )
        )
    assert failures == 0


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "auditor", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "tải lại trang" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_with_forged_csrf_token_is_refused(client):
    csrf_token(client)
    response = client.post(
        "/login",
        data={"username": "auditor", "password": DEMO_PASSWORD, "csrf_token": "forged.token.x"},
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logged_in_form_without_csrf_changes_nothing(client, as_user, app):
    as_user("auditor")
    response = client.post(
        "/profile", data={"pw-current": DEMO_PASSWORD, "pw-new": "x" * 12, "pw-repeat": "x" * 12}
    )
    assert response.status_code == 400
    with app.app_context():
        assert find_user(get_session(), "auditor").check_password(DEMO_PASSWORD)


def test_inactive_user_cannot_log_in(client, app):
    with app.app_context():
        session = get_session()
        session.scalar(select(User).where(User.username == "editor")).active = False
        session.commit()
    assert login(client, "editor").status_code == 401


def test_session_cookie_is_hardened(client):
    login(client, "auditor")
    cookie = client.get_cookie("loaxa_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_password_is_stored_hashed(app):
    with app.app_context():
        user = find_user(get_session(), "auditor")
        assert DEMO_PASSWORD not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_change_password(client, as_user, app):
    as_user("auditor")
    token = csrf_token(client, "/profile")
    response = client.post(
        "/profile",
        data={
            "csrf_token": token,
            "pw-current": DEMO_PASSWORD,
            "pw-new": "mat-khau-moi-2026",
            "pw-repeat": "mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert find_user(get_session(), "auditor").check_password("mat-khau-moi-2026")


def test_login_next_is_only_local(client):
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "auditor", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
