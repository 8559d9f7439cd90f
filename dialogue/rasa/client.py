"""The gateway's client of the Rasa server: one message in, the responses out.

Rasa keeps the conversation in its tracker store (keyed by the call SID or chat session id), so
any gateway process can carry on any conversation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx

from dialogue.errors import RasaBadResponseError, RasaUnavailableError


@dataclass(frozen=True)
class DialogueState:
    """What Rasa holds about a conversation: its slots and the form in progress."""

    slots: dict[str, Any]
    active_form: str | None


AFTER_TIMEOUT_S = 1.5
"""The wait for any later request of a conversation whose message timed out: a hung Rasa must
not cost the caller a second full timeout (reading the tracker for the hand-over)."""


class RasaClient:
    """Talks to Rasa's REST channel and HTTP API over the app's shared HTTP client.

    ``timeout_s`` bounds each wait for Rasa (connecting, then each read); once one timed out,
    the conversation's later requests wait `AFTER_TIMEOUT_S` at most.
    """

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, timeout_s: float, *, token: str | None = None
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        # Rasa's HTTP API reads its token from the query string only (our logs mask it); our
        # REST channel reads it from the Authorization header.
        self._auth = {"token": token} if token else {}
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timed_out = False
        """Whether a request of this conversation timed out (Rasa hung or overloaded)."""

    def _wait(self) -> httpx.Timeout:
        if self.timed_out:
            return httpx.Timeout(min(self._timeout, AFTER_TIMEOUT_S))
        return httpx.Timeout(self._timeout)

    def _unavailable(self, exc: httpx.HTTPError) -> RasaUnavailableError:
        if isinstance(exc, httpx.TimeoutException):
            self.timed_out = True
        return RasaUnavailableError(f"{type(exc).__name__} talking to Rasa")

    async def _json(self, method: str, path: str, **request: Any) -> Any:
        """Rasa's answer to one request, read as JSON.

        Raises:
            RasaUnavailableError: Rasa did not answer within the timeout.
            RasaBadResponseError: Rasa answered with an error or an unreadable body.
        """
        try:
            reply = await self._http.request(
                method, f"{self._base}{path}", timeout=self._wait(), **request
            )
        except httpx.HTTPError as exc:
            raise self._unavailable(exc) from exc
        if reply.status_code != 200:
            raise RasaBadResponseError(f"Rasa answered HTTP {reply.status_code}")
        try:
            return reply.json()
        except ValueError as exc:
            raise RasaBadResponseError("Rasa's answer is not JSON") from exc

    async def send(
        self,
        conversation_id: str,
        text: str,
        *,
        caller: str | None,
        local_time: dt.datetime,
        channel: str,
    ) -> list[dict[str, Any]]:
        """Send one caller message; the REST channel's messages come back.

        Raises:
            RasaUnavailableError: Rasa did not answer within the timeout.
            RasaBadResponseError: Rasa answered with an error or an unreadable body.
        """
        payload = {
            "sender": conversation_id,
            "message": text,
            "metadata": {
                "caller": caller,
                "local_time": local_time.isoformat(),
                "channel": channel,
            },
        }
        body = await self._json(
            "POST", "/webhooks/rest/webhook", json=payload, headers=self._headers
        )
        if not isinstance(body, list):
            raise RasaBadResponseError("Rasa's answer is not a list of messages")
        return [m for m in body if isinstance(m, dict)]

    async def state(self, conversation_id: str) -> DialogueState:
        """The conversation's slots and active form (without its events).

        Raises:
            RasaUnavailableError: Rasa did not answer within the timeout.
            RasaBadResponseError: Rasa answered with an error or an unreadable body.
        """
        body = await self._json(
            "GET", f"/conversations/{conversation_id}/tracker",
            params={"include_events": "NONE", **self._auth},
        )
        loop = body.get("active_loop") or {}
        return DialogueState(slots=dict(body.get("slots") or {}), active_form=loop.get("name"))
