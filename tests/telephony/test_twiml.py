"""The TwiML answer, parsed as XML: a stream inside hours, the configured action outside."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from core import SignatureChecker
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.support import AUTH_TOKEN, CALLER, PUBLIC_BASE, call_params, make_settings, sign


def _client_with(tmp_path: Path, answering: dict) -> TestClient:
    data = yaml.safe_load((Path("config/practice.yaml")).read_text(encoding="utf-8"))
    data["answering"] = answering
    cfg = tmp_path / "practice.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = make_settings(tmp_path, standardiste_config=cfg)
    upgrade(settings.database_url)
    return TestClient(create_app(context=build_context(settings)))


def _call(client: TestClient) -> ET.Element:
    params = call_params()
    reply = client.post(
        "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    assert reply.status_code == 200, reply.text
    return ET.fromstring(reply.text)


def test_inside_hours_connects_the_media_stream(tmp_path: Path) -> None:
    root = _call(_client_with(tmp_path, {"mode": "always"}))
    connect = root.find("Connect")
    assert connect is not None
    assert connect.get("action") == f"{PUBLIC_BASE}/twilio/connect-action"
    stream = connect.find("Stream")
    assert stream is not None
    assert stream.get("url") == "wss://standardiste.example.org/twilio/media"
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["callSid"] == call_params()["CallSid"]
    assert params["caller"] == CALLER
    assert params["mode"] == "assistant"
    assert SignatureChecker(AUTH_TOKEN, PUBLIC_BASE).check_stream_token(
        params["callSid"], params["token"]
    )


def _never_open() -> dict:
    return {"mode": "office", "office_hours": {}}


@pytest.mark.parametrize("action", ["message", "announcement"])
def test_outside_hours_streams_in_the_configured_mode(tmp_path: Path, action: str) -> None:
    answering = _never_open() | {"outside_hours": {"action": action}}
    stream = _call(_client_with(tmp_path, answering)).find("Connect/Stream")
    assert stream is not None
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["mode"] == action


def test_outside_hours_transfer_dials_the_number(tmp_path: Path) -> None:
    answering = _never_open() | {
        "outside_hours": {"action": "transfer", "transfer_number": "+33 4 72 00 00 00"}
    }
    root = _call(_client_with(tmp_path, answering))
    assert root.find("Connect") is None
    number = root.find("Dial/Number")
    assert number is not None and number.text == "+33 4 72 00 00 00"


def test_connect_action_hangs_up_by_default(client: TestClient) -> None:
    params = call_params(CallStatus="in-progress")
    url = f"{PUBLIC_BASE}/twilio/connect-action"
    reply = client.post(
        "/twilio/connect-action", data=params, headers={"X-Twilio-Signature": sign(url, params)}
    )
    assert reply.status_code == 200
    assert ET.fromstring(reply.text).find("Hangup") is not None
