"""Login, logout, cookies and security headers, through the real app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import staff
from core import AppContext
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.staff.support import PASSWORD, add_user, form_token, login
from tests.support import API_TOKEN, make_settings


def test_pages_send_anonymous_visitors_to_the_login_page(web: TestClient) -> None:
    reply = web.get("/inbox?status=done", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/inbox%3Fstatus%3Ddone"
    htmx = web.get("/inbox/rows", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"


def test_login_opens_a_session_with_a_safe_cookie(web: TestClient, context: AppContext) -> None:
    add_user(context, "sophie")
    reply = login(web, "sophie", next_path="/settings/audit")
    assert reply.status_code == 303 and reply.headers["location"] == "/settings/audit"
    cookie = next(
        c for c in reply.headers.get_list("set-cookie") if c.startswith("standardiste_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # http://localhost: the browser is on the server itself
    assert web.get("/inbox").status_code == 200


def test_cookie_is_secure_when_the_public_address_is_https(context: AppContext) -> None:
    # The test settings' PUBLIC_BASE_URL is https; a non-loopback host gets a Secure cookie.
    add_user(context, "sophie")
    with TestClient(create_app(context=context), base_url="https://cabinet.example.org") as web:
        reply = login(web, "sophie")
    cookie = next(
        c for c in reply.headers.get_list("set-cookie") if c.startswith("standardiste_session=")
    )
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_wrong_password_is_refused_without_saying_which_part(
    web: TestClient, context: AppContext
) -> None:
    add_user(context, "sophie")
    wrong = login(web, "sophie", "pas le bon mot de passe")
    unknown = login(web, "personne", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "standardiste_session" not in web.cookies
    assert 'id="login-error"' in wrong.text and 'id="login-error"' in unknown.text
    assert web.get("/inbox", follow_redirects=False).status_code == 303


def test_login_without_its_form_token_is_refused(web: TestClient, context: AppContext) -> None:
    add_user(context, "sophie")
    web.get("/login")
    reply = web.post(
        "/login", data={"username": "sophie", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert reply.status_code == 403
    assert web.get("/inbox", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_next_never_leaves_the_site(web: TestClient, context: AppContext, target: str) -> None:
    add_user(context, "sophie")
    assert login(web, "sophie", next_path=target).headers["location"] == "/"


def test_logout_ends_the_session_on_the_server(web: TestClient, context: AppContext) -> None:
    add_user(context, "sophie")
    login(web, "sophie")
    with TestClient(web.app, base_url="http://localhost") as copy:
        copy.cookies.update(web.cookies)  # the same cookie, kept by someone else
        assert copy.get("/inbox", follow_redirects=False).status_code == 200
        page = web.get("/inbox")
        reply = web.post(
            "/logout", data={"csrf_token": form_token(page.text)}, follow_redirects=False
        )
        assert reply.status_code == 303 and reply.headers["location"] == "/login"
        assert "standardiste_session" not in web.cookies
        assert copy.get("/inbox", follow_redirects=False).status_code == 303
        assert copy.get("/api/inbox").status_code == 401


def test_staff_pages_carry_the_security_headers(web: TestClient, context: AppContext) -> None:
    add_user(context, "sophie")
    for response in (web.get("/login"), (login(web, "sophie"), web.get("/inbox"))[1]):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
        assert "<script>" not in response.text  # no inline script anywhere
        assert "hx-headers" not in response.text or "X-CSRF-Token" in response.text


def test_secretaries_cannot_open_the_settings(web: TestClient, context: AppContext) -> None:
    add_user(context, "sophie", staff.Role.SECRETARY)
    login(web, "sophie")
    assert web.get("/settings").status_code == 403
    assert web.get("/settings/audit").status_code == 403
    assert 'href="/settings"' not in web.get("/inbox").text


def test_the_api_token_still_works_without_a_session(web: TestClient) -> None:
    reply = web.get("/api/inbox", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert reply.status_code == 200


def test_sessions_are_shared_by_two_gateway_instances(context: AppContext, tmp_path: Path) -> None:
    """A second app over the same database accepts the session the first one opened."""
    add_user(context, "sophie")
    other = build_context(context.settings)
    try:
        with (
            TestClient(create_app(context=context), base_url="http://localhost") as first,
            TestClient(create_app(context=other), base_url="http://localhost") as second,
        ):
            login(first, "sophie")
            second.cookies.update(first.cookies)
            assert second.get("/inbox").status_code == 200
    finally:
        other.db.dispose()


def test_unmigrated_database_is_reported_by_the_cli(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    upgrade(settings.database_url, "0003")
    with pytest.raises(staff.NotMigratedError):
        staff.create_user(
            settings, username="sophie", password=PASSWORD, role=staff.Role.ADMIN,
            display_name=None,
        )
