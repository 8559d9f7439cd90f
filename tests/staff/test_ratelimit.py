"""The login rate limit: per username and per client address, counted in the database."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from core import AppContext
from staff.ratelimit import LoginLimits, clear_failures, is_limited, purge_failures, record_failure
from tests.staff.support import PASSWORD, add_user, login

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LIMITS = LoginLimits(window=dt.timedelta(minutes=15), per_username=3, per_address=5)


def _fail(context: AppContext, username: str, address: str, at: dt.datetime) -> None:
    with context.db.session() as session:
        record_failure(session, username=username, address=address, now=at)


def _limited(context: AppContext, username: str, address: str, at: dt.datetime) -> bool:
    with context.db.session() as session:
        return is_limited(session, username=username, address=address, limits=LIMITS, now=at)


def test_per_username_limit_and_its_window(context: AppContext) -> None:
    for i in range(3):
        assert not _limited(context, "sophie", f"10.0.0.{i}", T0)
        _fail(context, "sophie", f"10.0.0.{i}", T0)
    assert _limited(context, "Sophie ", "10.0.0.99", T0 + dt.timedelta(minutes=1))
    assert not _limited(context, "marc", "10.0.0.99", T0 + dt.timedelta(minutes=1))
    assert not _limited(context, "sophie", "10.0.0.99", T0 + dt.timedelta(minutes=16))


def test_per_address_limit_across_usernames(context: AppContext) -> None:
    for i in range(5):
        _fail(context, f"user{i}", "192.0.2.7", T0)
    assert _limited(context, "someone-else", "192.0.2.7", T0)
    assert not _limited(context, "someone-else", "192.0.2.8", T0)


def test_success_clears_the_username_and_old_rows_are_purged(context: AppContext) -> None:
    for _ in range(3):
        _fail(context, "sophie", "10.0.0.1", T0)
    with context.db.session() as session:
        clear_failures(session, username="sophie")
    assert not _limited(context, "sophie", "10.0.0.2", T0)
    with context.db.session() as session:
        assert purge_failures(session, LIMITS, now=T0 + dt.timedelta(hours=1)) == 3


def test_the_login_page_refuses_even_the_right_password_once_limited(
    web: TestClient, context: AppContext
) -> None:
    add_user(context, "sophie")
    for _ in range(5):
        assert login(web, "sophie", "mauvais mot de passe").status_code == 401
    reply = login(web, "sophie", PASSWORD)
    assert reply.status_code == 429
    assert "standardiste_session" not in web.cookies
