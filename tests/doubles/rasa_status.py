"""A stand-in for the Rasa server's process where only its life matters: it answers ``GET /status``
like Rasa with a loaded model, and nothing else.

Used by the supervision tests (`tests/faults/test_supervision.py`), which kill and restart
"Rasa" under `standardiste run`: the real server takes minutes to load TensorFlow on the build
machines, each time. The real one is supervised the same way (`standardiste.server.rasa_child`);
only the command differs. Run as ``python -m tests.doubles.rasa_status PORT``.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/status":
            self.send_error(404)
            return
        body = json.dumps({"model_file": "stand-in.tar.gz"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def main() -> None:
    """Serve on 127.0.0.1:PORT until killed."""
    HTTPServer(("127.0.0.1", int(sys.argv[1])), _Status).serve_forever()


if __name__ == "__main__":
    main()
