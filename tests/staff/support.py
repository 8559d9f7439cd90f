"""Helpers for the staff web tests: accounts, login through the real form, CSRF tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

import staff
from core import AppContext

PASSWORD = "un mot de passe assez long"
_HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def add_user(
    context: AppContext,
    username: str,
    role: staff.Role = staff.Role.SECRETARY,
    password: str = PASSWORD,
    display_name: str | None = None,
) -> staff.StaffUser:
    with context.db.session() as session:
        return staff.add_account(
            session, username=username, password=password, role=role, display_name=display_name
        )


def form_token(html: str) -> str:
    match = _HIDDEN_TOKEN.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/"):
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": form_token(page.text),
            "next": next_path,
        },
        follow_redirects=False,
    )


def session_csrf(client: TestClient) -> str:
    """The logged-in session's CSRF token, as pages carry it."""
    page = client.get("/try")
    assert page.status_code == 200
    match = _META_TOKEN.search(page.text)
    assert match
    return match.group(1)


def logged_in(client: TestClient, context: AppContext, username: str, role: staff.Role) -> str:
    """Create the account, log in, and return the session's CSRF token."""
    add_user(context, username, role)
    reply = login(client, username)
    assert reply.status_code == 303, reply.text
    return session_csrf(client)
