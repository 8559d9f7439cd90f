"""Rate limits, and what stands in for one where a limit would not help.

- Staff login: failures counted in the database per (username, address) pair and per address
  (`staff.ratelimit`), so the delays hold across gateway instances: 429 with ``Retry-After``
  while a delay runs, even with the right password, and the waiting guesser gets no Argon2
  work; the owner at her own address is never locked out by someone else's guesses.
- Twilio webhooks and the media stream: a forged request is refused on the signature before
  anything is read from or written to the database, so a flood costs an HMAC each; limiting
  requests by number belongs to the reverse proxy (Twilio's own retries must never be refused).
- Rasa's action endpoint: refused on the token before the body is read.
- Everything else needs the API token or a staff session (see the route walk).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

import transcripts
from staff.ratelimit import DEFAULT_LIMITS
from tests.security.conftest import STAFF_USER, SecureApp
from tests.staff.support import PASSWORD, form_token
from tests.support import PUBLIC_BASE, call_params, sign


def _browser(app: SecureApp, address: str) -> TestClient:
    return TestClient(app.app, base_url=PUBLIC_BASE, client=(address, 50000))


def _login(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    reply = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    return reply.status_code


def test_a_guessers_address_waits_and_the_owners_does_not(secure_app: SecureApp) -> None:
    guesser = _browser(secure_app, "198.51.100.7")
    for _ in range(DEFAULT_LIMITS.free_per_pair):
        assert _login(guesser, STAFF_USER, "devine") == 401
    # The right password from the guesser's address must wait: a 429, no session.
    assert _login(guesser, STAFF_USER, PASSWORD) == 429
    assert "standardiste_session" not in guesser.cookies
    # The owner, at her own address, is not locked out by someone else's guesses.
    assert _login(_browser(secure_app, "198.51.100.200"), STAFF_USER, PASSWORD) == 303


def test_one_address_trying_many_usernames_waits(secure_app: SecureApp) -> None:
    guesser = _browser(secure_app, "192.0.2.66")
    for i in range(DEFAULT_LIMITS.free_per_address):
        assert _login(guesser, f"inconnu{i}", "devine") == 401
    assert _login(guesser, "encore-un", "devine") == 429
    # Another address is not punished for it.
    assert _login(_browser(secure_app, "192.0.2.67"), "encore-un", "devine") == 401


def _rows(app: SecureApp) -> int:
    with app.context.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(transcripts.Call)) or 0)


def test_a_flood_of_forged_webhooks_touches_nothing(secure_app: SecureApp, web: TestClient) -> None:
    before = _rows(secure_app)
    for i in range(200):
        params = call_params(f"CA{i:032x}")
        forged = sign(f"{PUBLIC_BASE}/twilio/voice", params, token="f" * 32)
        reply = web.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": forged})
        assert reply.status_code == 403
        assert reply.content == b'{"detail":"Forbidden"}'
    assert _rows(secure_app) == before


def test_the_action_endpoint_refuses_before_reading_the_body(web: TestClient) -> None:
    # Not JSON at all: with a wrong token, the answer is still the plain refusal.
    reply = web.post(
        "/dialogue/webhook", headers={"Authorization": "Bearer x"}, content=b"\x00" * 1_000_000
    )
    assert reply.status_code == 403
