"""Rasa's HTTP API answers only the gateway: a token it reads from its environment, not argv.

The action endpoint's token rides in a header of Rasa's calls (endpoints.yml, owner-only), so
neither token reaches an access log; the log test (`test_logs.py`) checks that end to end.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from core import Settings
from dialogue import action_token, rasa_auth_token, rasa_env, server_command, write_endpoints
from tests.conftest import LiveGateway


def test_the_endpoints_file_carries_the_action_token_in_a_header(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_endpoints(
        tmp_path / "endpoints.yml",
        action_url="http://127.0.0.1:1/dialogue/webhook",
        action_token=action_token(settings),
        tracker_db=settings.tracker_store,
    )
    endpoints = yaml.safe_load(path.read_text())
    action = endpoints["action_endpoint"]
    assert action["headers"] == {"Authorization": f"Bearer {action_token(settings)}"}
    assert "token" not in action and "?" not in action["url"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert endpoints["tracker_store"]["db"] == settings.tracker_store


def test_rasa_gets_its_api_token_from_the_environment_only(
    settings: Settings, tmp_path: Path
) -> None:
    token = rasa_auth_token(settings)
    command = server_command(
        settings.rasa_venv, tmp_path / "model.tar.gz", tmp_path / "endpoints.yml"
    )
    assert not any(token in part for part in command)
    assert rasa_env(settings)["STANDARDISTE_RASA_AUTH_TOKEN"] == token
    # Without the token in its environment the launcher refuses, before Rasa is even imported.
    env = {k: v for k, v in rasa_env().items() if k != "STANDARDISTE_RASA_AUTH_TOKEN"}
    refused = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "STANDARDISTE_RASA_AUTH_TOKEN is not set" in refused.stderr
    # One line: the command also goes into the cluster's Procfile.
    assert not any("\n" in part for part in command)


@pytest.mark.rasa
def test_rasas_api_refuses_requests_without_the_token(
    rasa_server: str, live_gateway: LiveGateway
) -> None:
    token = rasa_auth_token(live_gateway.settings)
    guarded = [
        ("GET", "/status"),
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/conversations/someone/tracker/events"),
        ("GET", "/domain"),
        ("PUT", "/model"),
        ("DELETE", "/model"),
    ]
    with httpx.Client(base_url=rasa_server, timeout=30) as rasa:
        for method, path in guarded:
            for params in ({}, {"token": "guess"}, {"token": action_token(live_gateway.settings)}):
                reply = rasa.request(method, path, params=params, json={})
                assert reply.status_code == 401, (method, path, params, reply.status_code)
        # The REST channel too: our channel (addons/token_rest.py) wants the token in a header.
        message = {"sender": "someone", "message": "bonjour"}
        for header in ({}, {"Authorization": "Bearer guess"}, {"Authorization": token}):
            refused = rasa.post("/webhooks/rest/webhook", json=message, headers=header)
            assert refused.status_code == 401, (header, refused.status_code)
        in_query = rasa.post("/webhooks/rest/webhook", json=message, params={"token": token})
        assert in_query.status_code == 401
        assert rasa.get("/webhooks/rest/", headers={"Authorization": "x"}).status_code == 401
        answered = rasa.post("/webhooks/rest/webhook", json=message,
                             headers={"Authorization": f"Bearer {token}"})
        assert answered.status_code == 200 and answered.json()
        assert rasa.get("/status", params={"token": token}).status_code == 200
        tracker = rasa.get("/conversations/someone/tracker", params={"token": token})
        assert tracker.status_code == 200 and tracker.json()["sender_id"] == "someone"
