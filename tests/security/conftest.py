"""The app as the internet reaches it: over https at the public address, anonymous or logged in.

The walk calls every route several times: one migrated database and one app serve a whole test
module (`secure_app`), and each test gets its own browsers (their own cookies) over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import staff
from core import AppContext
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.staff.support import add_user, login, session_csrf
from tests.support import PUBLIC_BASE, make_settings

STAFF_USER = "admin-securite"


@dataclass(frozen=True)
class SecureApp:
    """One app over one migrated database, with a staff account."""

    app: FastAPI
    context: AppContext


@pytest.fixture(scope="module")
def secure_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureApp]:
    """The whole app for a module, its lifespan (agenda sync…) run once around the module."""
    settings = make_settings(tmp_path_factory.mktemp("security"))
    upgrade(settings.database_url)
    context = build_context(settings)
    add_user(context, STAFF_USER, staff.Role.ADMIN)
    app = create_app(context=context)
    with TestClient(app, base_url=PUBLIC_BASE):
        yield SecureApp(app, context)


@pytest.fixture
def web(secure_app: SecureApp) -> TestClient:
    """An anonymous browser at the public https address (session cookies are Secure there)."""
    return TestClient(secure_app.app, base_url=PUBLIC_BASE)


@dataclass(frozen=True)
class StaffBrowser:
    """A logged-in staff member's browser and the session's CSRF token."""

    client: TestClient
    csrf: str


@pytest.fixture
def staff_browser(secure_app: SecureApp) -> StaffBrowser:
    """An admin logged in through the real login form, in a browser of their own."""
    client = TestClient(secure_app.app, base_url=PUBLIC_BASE)
    assert login(client, STAFF_USER).status_code == 303
    return StaffBrowser(client, session_csrf(client))
