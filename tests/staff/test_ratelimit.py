"""Login throttling: delays that double per (username, address) and per address, in the DB.

A guesser at one address is slowed; the account's owner, at another, is not (no lock-out).
"""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from core import AppContext
from staff.ratelimit import (
    LoginLimits,
    clear_failures,
    delay_after,
    purge_failures,
    record_failure,
    retry_after,
)
from tests.staff.support import PASSWORD, add_user, login

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LIMITS = LoginLimits(free_per_pair=3, free_per_address=6)
S = dt.timedelta(seconds=1)


def _fail(context: AppContext, username: str, address: str, at: dt.datetime, times: int = 1
          ) -> None:
    with context.db.session() as session:
        for _ in range(times):
            record_failure(session, username=username, address=address, now=at)


def _wait(context: AppContext, username: str, address: str, at: dt.datetime) -> float:
    with context.db.session() as session:
        return retry_after(session, username=username, address=address, limits=LIMITS, now=at)


def test_the_delay_doubles_after_the_free_failures_up_to_its_cap() -> None:
    delays = [delay_after(n, 3, LIMITS).total_seconds() for n in range(8)]
    assert delays == [0, 0, 0, 2, 4, 8, 16, 32]
    assert delay_after(10_000, 3, LIMITS) == LIMITS.max_delay


def test_a_guesser_is_slowed_at_their_address_and_the_owner_is_not(context: AppContext) -> None:
    _fail(context, "sophie", "203.0.113.9", T0, times=2)
    assert _wait(context, "sophie", "203.0.113.9", T0) == 0
    _fail(context, "Sophie ", "203.0.113.9", T0, times=3)  # 5 failures: 8 s
    assert _wait(context, "sophie", "203.0.113.9", T0 + S) == 7
    assert _wait(context, "sophie", "203.0.113.9", T0 + 8 * S) == 0
    # The owner at her workstation, and other names from the guesser's address, wait nothing.
    assert _wait(context, "sophie", "10.0.0.5", T0 + S) == 0
    assert _wait(context, "marc", "203.0.113.9", T0 + S) == 0


def test_one_address_trying_many_names_is_slowed_too(context: AppContext) -> None:
    for i in range(7):
        _fail(context, f"user{i}", "192.0.2.7", T0)
    assert _wait(context, "someone-else", "192.0.2.7", T0) == 4
    assert _wait(context, "someone-else", "192.0.2.8", T0) == 0


def test_success_clears_the_pair_and_old_rows_are_purged(context: AppContext) -> None:
    _fail(context, "sophie", "10.0.0.1", T0, times=4)
    with context.db.session() as session:
        clear_failures(session, username="sophie", address="10.0.0.1")
    assert _wait(context, "sophie", "10.0.0.1", T0) == 0
    with context.db.session() as session:
        # The address's count stays (4 rows), forgotten after the limits' memory.
        assert purge_failures(session, LIMITS, now=T0 + LIMITS.memory + S) == 4


def test_the_login_page_makes_the_guesser_wait_and_lets_the_owner_in(
    context: AppContext, web: TestClient
) -> None:
    add_user(context, "sophie")
    # A guesser's failures from the test client's address, just now: a long wait follows.
    _fail(context, "sophie", "testclient", dt.datetime.now(dt.UTC), times=9)
    reply = login(web, "sophie", PASSWORD)
    assert reply.status_code == 429
    assert 60 <= int(reply.headers["Retry-After"]) <= 15 * 60
    assert "Patientez" in reply.text and "standardiste_session" not in web.cookies
    owner = TestClient(web.app, base_url="http://localhost", client=("10.0.0.5", 50000))
    assert login(owner, "sophie", PASSWORD).status_code == 303
