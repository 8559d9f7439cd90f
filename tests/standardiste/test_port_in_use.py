"""A gateway whose port is taken (a second `standardiste run`, a stale process) exits at once
with a plain status and a line saying why: no start-up half done, no abort at exit."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from core import PROJECT_ROOT, Settings
from standardiste.server import PORT_IN_USE_EXIT


def test_a_gateway_whose_port_is_taken_exits_at_once_saying_why(
    settings: Settings, tmp_path: Path
) -> None:
    # ``settings``: a migrated database, so that nothing but the port stands in the way.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        script = (
            "from pathlib import Path\n"
            "from standardiste.server import run_gateway\n"
            "from tests.support import make_settings\n"
            f"run_gateway(make_settings(Path({str(tmp_path)!r})), host='127.0.0.1', port={port})\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
            timeout=180, check=False,
        )
    # Neither uvicorn's 3 after a whole start-up, nor -6 (SIGABRT) / 134 from native threads.
    assert done.returncode == PORT_IN_USE_EXIT == 1, done.stderr[-2000:]
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Address already in use" in done.stderr
    # Nothing was started that the exit would have to stop: no engines, no workers.
    assert "speech engines" not in done.stderr and "recognition worker" not in done.stderr
    assert "Traceback" not in done.stderr
