"""The real Rasa server, from .venv-rasa with the project's trained model."""

from __future__ import annotations

import httpx
import pytest

from dialogue import rasa_auth_token
from tests.conftest import LiveGateway

pytestmark = pytest.mark.rasa


def test_rasa_answers_a_rest_message_in_french(
    rasa_server: str, live_gateway: LiveGateway
) -> None:
    # The REST channel wants the gateway's token (see tests/security/test_rasa_locked.py).
    token = rasa_auth_token(live_gateway.settings)
    reply = httpx.post(
        f"{rasa_server}/webhooks/rest/webhook",
        json={"sender": "CAtest-rest", "message": "bonjour"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert reply.status_code == 200
    texts = [m["text"] for m in reply.json() if m.get("text")]
    keys = [m["custom"]["key"] for m in reply.json() if m.get("custom")]
    # The greeting with the disclosure is said by the gateway; Rasa answers a mid-call hello.
    assert keys == ["utter_greet_again"]
    assert texts and texts[0].startswith("Bonjour")


def test_healthz_is_200_when_database_and_rasa_answer(
    rasa_server: str, live_gateway: LiveGateway
) -> None:
    reply = httpx.get(f"{live_gateway.url}/healthz", timeout=10)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["checks"]["rasa"]["ok"] is True
    assert body["checks"]["rasa"]["model"].endswith(".tar.gz")


def test_model_is_cached_by_the_hash_of_its_inputs(rasa_server: str) -> None:
    from core import get_settings
    from dialogue.rasa.server import model_hash, model_path

    path = model_path(get_settings().rasa_model_dir)
    assert path.exists()
    assert model_hash() in path.name
