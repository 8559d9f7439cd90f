"""`standardiste doctor` checks every Rasa replica, the way `/healthz` does: a conversation is
pinned to one, so a second replica down fails the conversations hashed to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from standardiste.cli import app
from tests.standardiste.test_cli import _env
from tests.support import free_port

runner = CliRunner()


class _Status(BaseHTTPRequestHandler):
    """A Rasa server's `/status`, with the model it says it loaded."""

    def do_GET(self) -> None:
        body = json.dumps({"model_file": "dialogue-replica.tar.gz"}).encode()
        self.send_response(200 if self.path.startswith("/status") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def replica() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from core import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _rasa_lines(output: str) -> list[str]:
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if "] rasa:" in line)
    return lines[at : at + 2]


def test_doctor_fails_when_the_second_replica_is_down(tmp_path: Path, replica: str) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["doctor"], env=_env(tmp_path, RASA_URLS=f"{replica},{down}"))
    status, fix = _rasa_lines(result.output)
    assert status.startswith("[FAIL] rasa: ")
    assert f"{replica} model dialogue-replica.tar.gz" in status
    assert f"{down}: ConnectError" in status
    assert "RASA_URLS" in fix
    assert result.exit_code == 1


def test_doctor_passes_when_every_replica_answers(tmp_path: Path, replica: str) -> None:
    result = runner.invoke(
        app, ["doctor"], env=_env(tmp_path, RASA_URLS=f"{replica},{replica}/")
    )
    [status, _] = _rasa_lines(result.output)
    assert status == (
        f"[  OK] rasa: {replica} model dialogue-replica.tar.gz, "
        f"{replica} model dialogue-replica.tar.gz"
    )
