"""A local stand-in for Twilio's REST API (Messages), for the tests and the SMS benchmark.

The public phone network cannot be reached from here, so the product's real Twilio client
(`notifications.TwilioMessaging`, the `twilio` package) talks to this HTTP server on loopback
through ``TWILIO_API_BASE_URL``. It answers ``messages.create`` and ``messages.list`` in Twilio's
JSON shapes, records every text it accepted, and can answer errors as Twilio does: for one
number always (21211 invalid, 21610 unsubscribed…), or for the next requests (429, 500; a 500
may even come after the text was accepted, as when Twilio's answer is lost).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCOUNT_SID = "AC" + "0" * 32
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")


@dataclass(frozen=True)
class Failure:
    """One scripted error answer."""

    status: int
    code: int
    accepted: bool = False
    """The text is recorded as sent even so (an answer lost on the way back)."""


@dataclass
class StandInText:
    """A text the stand-in accepted."""

    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    created: dt.datetime

    def resource(self, account: str) -> dict[str, Any]:
        """The Message resource as Twilio returns it."""
        when = email.utils.format_datetime(self.created)
        return {
            "sid": self.sid, "account_sid": account, "api_version": "2010-04-01",
            "to": self.to, "from": self.sender, "body": self.body, "status": "queued",
            "direction": "outbound-api", "num_segments": "1", "num_media": "0",
            "date_created": when, "date_updated": when, "date_sent": None,
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "price": None, "price_unit": "EUR",
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{self.sid}.json",
            "subresource_uris": {},
        }


@dataclass
class TwilioStandIn:
    """The server's state: texts accepted, requests seen, errors to answer."""

    texts: list[StandInText] = field(default_factory=list)
    creates: int = 0
    lists: int = 0
    refused_numbers: dict[str, Failure] = field(default_factory=dict)
    upcoming: deque[Failure] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, number: str, code: int, status: int = 400) -> None:
        """Answer this error to every text for ``number``."""
        self.refused_numbers[number] = Failure(status, code)

    def fail_next(self, status: int, code: int, times: int = 1, *, accepted: bool = False) -> None:
        """Answer this error to the next ``times`` creates."""
        self.upcoming.extend(Failure(status, code, accepted) for _ in range(times))

    def to(self, number: str) -> list[StandInText]:
        """The texts accepted for one number, in order."""
        with self.lock:
            return [t for t in self.texts if t.to == number]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests assert on the recorded state

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _account(self, path: str) -> str | None:
        match = _MESSAGES.match(path)
        auth = self.headers.get("Authorization", "")
        if match is None or not auth.startswith("Basic "):
            self._reply(404 if match is None else 401, {"code": 20003, "status": 401,
                                                        "message": "Authenticate"})
            return None
        user = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        if not user:
            self._reply(401, {"code": 20003, "status": 401, "message": "Authenticate"})
            return None
        return match.group(1)

    def do_POST(self) -> None:
        account = self._account(urlsplit(self.path).path)
        if account is None:
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        state = self.server.state
        to = form.get("To", "")
        text = StandInText(
            sid="SM" + uuid.uuid4().hex, to=to,
            sender=form.get("From") or form.get("MessagingServiceSid", ""),
            body=form.get("Body", ""), status_callback=form.get("StatusCallback"),
            created=dt.datetime.now(dt.UTC),
        )
        with state.lock:
            state.creates += 1
            failure = state.refused_numbers.get(to) or (
                state.upcoming.popleft() if state.upcoming else None
            )
            if failure is None or failure.accepted:
                state.texts.append(text)
        if failure is not None:
            self._reply(failure.status, {
                "code": failure.code, "status": failure.status,
                "message": f"stand-in error {failure.code}",
                "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
            })
            return
        self._reply(201, text.resource(account))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        account = self._account(url.path)
        if account is None:
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        size = int(query.get("PageSize", "50"))
        state = self.server.state
        with state.lock:
            state.lists += 1
            found = [t for t in reversed(state.texts) if t.to == query.get("To", t.to)][:size]
        self._reply(200, {
            "messages": [t.resource(account) for t in found], "page": 0, "page_size": size,
            "first_page_uri": url.path, "next_page_uri": None, "previous_page_uri": None,
            "uri": url.path, "start": 0, "end": len(found),
        })


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: TwilioStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class RunningStandIn:
    """The stand-in served on a loopback port in a thread; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.state = TwilioStandIn()
        self._server = _Server(self.state)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll: stopping waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> RunningStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
