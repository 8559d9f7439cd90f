"""Fixtures: a migrated database per test, the app, a live gateway and a real Rasa server."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import text

from core import AppContext, Settings
from dialogue.rasa.server import (
    action_token,
    ensure_model,
    rasa_auth_token,
    rasa_env,
    server_command,
    wait_until_ready,
    write_endpoints,
)
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.support import GATEWAY_START_S, free_port, make_settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=0,
        help="run with the wall clock moved this many days ahead (tests/test_time_travel.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """With ``--clock-shift-days``, every wall-clock read of this process (the product's and the
    tests') happens that many days ahead, ticking; monotonic time, hence timeouts, is untouched."""
    shift = int(config.getoption("--clock-shift-days"))
    if shift:
        moved = dt.datetime.now(dt.UTC) + dt.timedelta(days=shift)
        traveller = time_machine.travel(moved, tick=True)
        traveller.start()
        config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("--clock-shift-days"):
        return f"wall clock moved to {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')}"
    return None


_TRAVELLER = pytest.StashKey[time_machine.travel]()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh, migrated SQLite database."""
    value = make_settings(tmp_path)
    upgrade(value.database_url)
    return value


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    """The app context over the test database."""
    ctx = build_context(settings)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def client(context: AppContext) -> Iterator[TestClient]:
    """A TestClient over the whole app."""
    with TestClient(create_app(context=context), base_url="http://testserver") as test_client:
        yield test_client


class LiveGateway:
    """The gateway served by uvicorn in a thread, on a real port."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.context = build_context(settings)
        config = uvicorn.Config(
            create_app(context=self.context),
            host="127.0.0.1",
            port=port,
            log_config=None,
            ws_ping_interval=None,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        # Generous (`GATEWAY_START_S`): a fresh-clone CI run once had the other worker starting
        # the whole cluster at the same moment; 30 s was not enough.
        deadline = time.monotonic() + GATEWAY_START_S
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("gateway stopped while starting (see its log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not start in {GATEWAY_START_S} s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.context.db.dispose()


@pytest.fixture(scope="session")
def rasa_port() -> int:
    """The port of the session's Rasa server."""
    return free_port()


@pytest.fixture(scope="session")
def live_gateway(tmp_path_factory: pytest.TempPathFactory, rasa_port: int) -> Iterator[LiveGateway]:
    """One gateway for the session, talking to the session's Rasa server."""
    tmp = tmp_path_factory.mktemp("gateway")
    settings = make_settings(tmp, rasa_url=f"http://127.0.0.1:{rasa_port}")
    upgrade(settings.database_url)
    gateway = LiveGateway(settings, free_port())
    gateway.start()
    yield gateway
    gateway.stop()


# Taken first to last: nothing else points at these rows (a change row has no foreign key).
_AGENDA_ROWS = ("occupancy", "holds", "appointments", "appointment_changes")


@pytest.fixture(autouse=True)
def _empty_agenda(request: pytest.FixtureRequest) -> None:
    """Each test on the session's gateway starts with nobody booked and nothing held.

    The tests pretend to live at the same moment (``tests.clock``), so a hold left by an earlier
    conversation never expires for a later one, and a dozen tests book Thursday morning with the
    same practitioner: which of them ran before on this worker decided whether "le 2ème" still
    had a second slot to name.
    """
    if "live_gateway" not in request.fixturenames:
        return
    gateway: LiveGateway = request.getfixturevalue("live_gateway")
    with gateway.context.db.session() as session:
        for table in _AGENDA_ROWS:
            session.execute(text(f"DELETE FROM {table}"))
        session.commit()


@pytest.fixture(scope="session")
def rasa_server(
    live_gateway: LiveGateway, rasa_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real Rasa server (from .venv-rasa) with the project's trained model, started once."""
    settings = live_gateway.settings
    model = ensure_model(settings.rasa_venv, settings.rasa_model_dir)
    tmp = tmp_path_factory.mktemp("rasa")
    endpoints = write_endpoints(
        tmp / "endpoints.yml",
        action_url=f"{live_gateway.url}/dialogue/webhook",
        action_token=action_token(settings),
        # The gateway's own setting: its retention purge and erasure reach these trackers.
        tracker_db=settings.tracker_store,
    )
    log = (tmp / "rasa.log").open("wb")
    process = subprocess.Popen(
        server_command(settings.rasa_venv, model, endpoints, port=rasa_port),
        env=rasa_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        try:
            # Generous: a loaded 2-core machine has taken over three minutes to load TensorFlow.
            wait_until_ready(url, process, timeout=420, token=rasa_auth_token(settings))
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; see {tmp / 'rasa.log'}") from exc
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database on a throwaway server (started once, stopped at the end).

    Tests using it are marked ``@pytest.mark.postgres``; they share the database, so each one
    works on its own rows (or clears the tables it owns).
    """
    from tests.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("standardiste_test")
        upgrade(url)
        yield url
    finally:
        server.stop()


# No xdist group for the Rasa tests: each of the two workers starts its own Rasa server. With
# them all on one worker (a group), the fresh-clone CI took 21:29 of tests; without, 15:22: the
# Rasa tests are a quarter of the suite and could then not be balanced.
