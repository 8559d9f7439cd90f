"""Server-side sessions: only a hash in the DB, idle and absolute expiry, logout everywhere."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import staff
from core import AppContext
from staff.models import StaffSession
from staff.sessions import IDLE_TIMEOUT, MAX_AGE, close_session, find_session, open_session
from tests.staff.support import add_user

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_a_session_is_found_by_its_token_which_the_db_does_not_hold(context: AppContext) -> None:
    user = add_user(context, "sophie")
    with context.db.session() as session:
        opened = open_session(session, user, now=T0)
    with context.db.session() as session:
        stored = session.scalar(select(StaffSession))
        assert stored is not None and stored.token_hash != opened.token
        assert opened.token not in stored.token_hash
        found = find_session(session, opened.token, now=T0 + dt.timedelta(minutes=5))
        assert found is not None and found.user.username == "sophie"
        assert found.csrf_token == opened.csrf_token and len(found.csrf_token) >= 32
        assert find_session(session, opened.token + "x", now=T0) is None
        assert find_session(session, "", now=T0) is None


def test_idle_sessions_end_and_activity_keeps_them(context: AppContext) -> None:
    user = add_user(context, "sophie")
    with context.db.session() as session:
        opened = open_session(session, user, now=T0)
    step = IDLE_TIMEOUT - dt.timedelta(minutes=10)
    with context.db.session() as session:
        assert find_session(session, opened.token, now=T0 + step) is not None
    with context.db.session() as session:
        # Seen at T0 + step, so still valid another idle period later...
        assert find_session(session, opened.token, now=T0 + 2 * step) is not None
    with context.db.session() as session:
        # ...but not after a full idle period of silence.
        assert find_session(session, opened.token, now=T0 + 2 * step + IDLE_TIMEOUT) is None
    with context.db.session() as session:
        assert session.scalar(select(StaffSession)) is None  # deleted when found expired


def test_sessions_end_after_max_age_whatever_the_activity(context: AppContext) -> None:
    user = add_user(context, "sophie")
    with context.db.session() as session:
        opened = open_session(session, user, now=T0)
    moment = T0
    while moment < T0 + MAX_AGE - dt.timedelta(hours=1):
        moment += dt.timedelta(hours=1)
        with context.db.session() as session:
            assert find_session(session, opened.token, now=moment) is not None
    with context.db.session() as session:
        assert find_session(session, opened.token, now=T0 + MAX_AGE) is None


def test_logout_and_password_change_close_sessions(context: AppContext) -> None:
    user = add_user(context, "sophie")
    with context.db.session() as session:
        first = open_session(session, user)
        second = open_session(session, user)
    with context.db.session() as session:
        close_session(session, first.token)
    with context.db.session() as session:
        assert find_session(session, first.token) is None
        assert find_session(session, second.token) is not None
        staff.set_password(session, "sophie", "un tout nouveau mot de passe")
    with context.db.session() as session:
        assert find_session(session, second.token) is None
