"""The production topology, for real: PostgreSQL, Redis, one Rasa server, two gateways and
nginx, started once for this module by the same code as `make run-cluster` (honcho on a
generated Procfile), on free loopback ports and a temporary folder.

Everything goes through nginx: a signed Twilio webhook, a booking conversation whose turns land
on both gateways, a Media Stream WebSocket upgrade; then Rasa's tracker is read back from
PostgreSQL, and stopping the cluster as Ctrl-C does leaves nothing listening.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

import cluster
from core import AnsweringMode
from standardiste.app import build_context
from standardiste.simulator import run_simulator
from tests.clock import staffed_tuesday, week_start
from tests.support import (
    API_TOKEN,
    AUTH_TOKEN,
    CALLER,
    PUBLIC_BASE,
    call_params,
    make_settings,
    sign,
)

# One worker runs the whole module: under xdist each worker would otherwise start its own
# cluster (about three minutes of the two cores each).
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

AT = staffed_tuesday()  # a staffed Tuesday, as in tests/dialogue
BOOKING = (
    ("je voudrais un rendez-vous pour une consultation avec le docteur martin",
     "utter_ask_time_preference"),
    ("jeudi matin", "utter_ask_chosen_slot"),
    ("le 1er", "utter_ask_full_name"),
    ("paul moreau", "utter_ask_birth_date"),
    ("le 4 septembre 1975", "utter_ask_phone_confirmed"),
    ("oui", "utter_ask_booking_confirmed"),
    ("oui c'est ça", "utter_booked"),
    ("non merci", "utter_goodbye"),
)
UPSTREAM = "X-Standardiste-Upstream"


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def running() -> Iterator[cluster.Cluster]:
    """The cluster, up and healthy (Rasa's model load is most of the minute or two)."""
    # Not pytest's tmp_path: its parents are private to root, and PostgreSQL and nginx's
    # workers run as other accounts.
    folder = Path(tempfile.mkdtemp(prefix="standardiste-cluster-"))
    shape = cluster.ClusterSettings.on_free_ports(folder, gateways=2)
    env = {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "STANDARDISTE_API_TOKEN": API_TOKEN,
        "STANDARDISTE_VAR_DIR": str(folder / "var"),
    }
    handle = cluster.Cluster(shape, env=env, log=folder / "cluster.log")
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def api(running: cluster.Cluster) -> Iterator[httpx.Client]:
    """A staff API client talking to nginx."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=running.base_url, headers=headers, timeout=60) as client:
        yield client


def test_signed_voice_webhook_is_answered_through_nginx(running: cluster.Cluster) -> None:
    params = call_params(call_sid="CA" + "1" * 32)
    url = f"{PUBLIC_BASE}/twilio/voice"
    with httpx.Client(base_url=running.base_url, timeout=30) as http:
        refused = http.post("/twilio/voice", data=params, headers={"X-Twilio-Signature": "x"})
        answered = http.post(
            "/twilio/voice", data=params, headers={"X-Twilio-Signature": sign(url, params)}
        )
    assert refused.status_code == 403
    assert answered.status_code == 200, answered.text
    assert ET.fromstring(answered.text).tag == "Response"
    assert answered.headers[UPSTREAM].startswith("127.0.0.1:")


def test_booking_conversation_spreads_over_both_gateways(
    running: cluster.Cluster, api: httpx.Client
) -> None:
    started = api.post("/api/chat", json={"caller": CALLER, "at": AT})
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    upstreams = {started.headers[UPSTREAM]}
    for text, key in BOOKING:
        reply = api.post(f"/api/chat/{session_id}", json={"text": text})
        assert reply.status_code == 200, reply.text
        assert key in [r["key"] for r in reply.json()["replies"]], (text, reply.json())
        upstreams.add(reply.headers[UPSTREAM])
    assert reply.json()["ended"] is True
    # Every turn rebuilt the conversation from PostgreSQL and Rasa's tracker store, on
    # whichever gateway nginx chose: both were used.
    expected = {f"127.0.0.1:{port}" for port in running.settings.gateway_ports().values()}
    assert upstreams == expected
    booked = api.get(
        "/api/appointments",
        params={"start": week_start(), "session_id": session_id},
    ).json()
    assert [(b["practitioner_id"], b["status"]) for b in booked] == [("martin", "booked")]
    assert dt.datetime.fromisoformat(booked[0]["start"]).weekday() == 3  # a Thursday

    with psycopg.connect(_dsn(running.database_url)) as db:
        outcome = db.execute(
            "SELECT outcome, ended_at IS NOT NULL FROM calls WHERE call_sid = %s", (session_id,)
        ).fetchone()
    assert outcome is not None and outcome[0] and outcome[1]
    with psycopg.connect(_dsn(cluster.database_url(running.settings, cluster.RASA_DB))) as db:
        events = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE type_name = 'user') FROM events"
            " WHERE sender_id = %s",
            (session_id,),
        ).fetchone()
    assert events is not None and events[1] >= len(BOOKING) and events[0] > events[1]


def _engines_ready(log: Path, gateways: int, timeout: float = 240.0) -> None:
    """Each gateway loads Vosk and Piper in the background after it starts; wait for all."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("speech engines and prompts ready") < gateways:
        if time.monotonic() > deadline:
            raise AssertionError(f"speech engines not loaded in {timeout:.0f} s; see {log}")
        time.sleep(1)


def test_media_stream_websocket_through_nginx(running: cluster.Cluster) -> None:
    settings = make_settings(running.settings.dir, database_url=running.database_url)
    context = build_context(settings)  # the cluster's settings, as the staff pages change them
    try:
        store = context.practice_store
        config = store.current()
        always = config.answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
        store.save(config.model_copy(update={"answering": always}), actor="test",
                   expected_version=store.version)
    finally:
        context.db.dispose()
    _engines_ready(running.log, running.settings.gateways)

    call = run_simulator(settings, [], gateway=running.base_url, end="stop")

    # The webhook's TwiML pointed at the stream, the upgrade went through nginx, the greeting
    # came back as audio frames, and the hang-up reached the gateway that held the socket.
    assert call.mode, call.twiml
    assert call.greeting_latency_s is not None
    assert len(call.assistant_audio) > 8000  # more than a second of 8 kHz μ-law
    with psycopg.connect(_dsn(running.database_url)) as db:
        row: Any = None
        for _ in range(50):
            row = db.execute(
                "SELECT channel, ended_at IS NOT NULL FROM calls WHERE call_sid = %s",
                (call.call_sid,),
            ).fetchone()
            if row is not None and row[1]:
                break
            time.sleep(0.2)
    assert row == ("voice", True)


def test_stopping_the_cluster_leaves_nothing_running(running: cluster.Cluster) -> None:
    shape = running.settings
    ports = [shape.port, *shape.rasa_ports().values(), shape.postgres_port, shape.redis_port,
             *shape.gateway_ports().values()]
    assert all(_listening(port) for port in ports)
    running.stop()  # SIGINT to honcho, as Ctrl-C in `make run-cluster`
    assert not [port for port in ports if _listening(port)]
