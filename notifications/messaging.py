"""Twilio Messaging through the `twilio` package: send a text, and find one already sent.

`TwilioMessaging` is the real client; ``TWILIO_API_BASE_URL`` points it at another host (the
tests' local stand-in), so the same code runs in tests and production. Twilio's errors are
sorted by what retrying can do (`Retry`): nothing (an invalid or unsubscribed number), later
(429, bad credentials), or later after looking whether the text went anyway (a 5xx or a lost
connection: Twilio may have accepted it).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from core import TWILIO_API, Settings

_LOGGER = logging.getLogger(__name__)
# The twilio client logs each request's URL and query at INFO, numbers URL-encoded where the
# log masking cannot see them: its own logger stays at WARNING.
_HTTP_LOGGER = logging.getLogger(f"{__name__}.http")
_HTTP_LOGGER.setLevel(logging.WARNING)
SEND_TIMEOUT_S = 15.0
# A text found in Twilio's list counts as ours if created after the claim, give or take
# the two clocks' difference.
_CLOCK_SLACK = dt.timedelta(minutes=2)
_LOOK_BACK = 50
UNSUBSCRIBED = "21610"
# Twilio error codes that no retry can change: the number, the sender or the account is wrong.
# https://www.twilio.com/docs/api/errors
PERMANENT_CODES = frozenset({
    "21211",  # invalid 'To' number
    "21408",  # permission to send to this region not enabled
    "21606",  # 'From' cannot send texts
    "21610",  # the recipient replied STOP
    "21612",  # cannot route to this number
    "21614",  # 'To' is not a mobile number
    "21617",  # body too long
    "21659",  # 'From' not a Twilio number
})


class Retry(StrEnum):
    """What retrying a failed send can do."""

    NEVER = "never"
    LATER = "later"
    """Twilio did not take it (429, credentials): send again after a pause."""
    VERIFY = "verify"
    """Twilio may have taken it (5xx, connection lost): look before sending again."""


@dataclass(frozen=True)
class Sent:
    """Twilio took the text."""

    sid: str
    status: str


class SendError(Exception):
    """Twilio did not take the text (or we cannot tell)."""

    def __init__(self, code: str, message: str, retry: Retry, http_status: int | None = None):
        self.code = code
        self.message = message[:200]
        self.retry = retry
        self.http_status = http_status
        super().__init__(f"{code}: {message}")


class Messaging(Protocol):
    """What the dispatcher needs from a messaging provider."""

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        """Send one text; raises `SendError`."""

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """The SID of this very text to ``to`` created after ``since``, if Twilio has one;
        raises `SendError` when Twilio cannot be asked."""


def _error(exc: Exception) -> SendError:
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status)
        code = str(exc.code or status)
        message = str(getattr(exc, "msg", "") or getattr(exc, "detail", "") or "")
        if code in PERMANENT_CODES:
            return SendError(code, message, Retry.NEVER, status)
        if status == 429 or code == "20429" or status in (401, 403):
            return SendError(code, message, Retry.LATER, status)
        if status >= 500:
            return SendError(code, message, Retry.VERIFY, status)
        return SendError(code, message, Retry.NEVER, status)
    # A timeout or a dropped connection: the request may have reached Twilio.
    return SendError(type(exc).__name__, "no answer from Twilio", Retry.VERIFY)


class TwilioMessaging:
    """Texts through Twilio's REST API (``messages.create`` and ``messages.list``)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.sms_configured:
            raise ValueError("Twilio Messaging is not configured (see .env.example)")
        self._from = settings.twilio_messaging_from
        self._service = settings.twilio_messaging_service_sid
        base = str(settings.twilio_api_base_url).rstrip("/")
        own_host = base == TWILIO_API
        account = settings.twilio_account_sid
        assert account is not None
        key, secret = settings.twilio_api_key_sid, settings.twilio_api_key_secret
        use_key = key is not None and secret is not None
        username: str = key if use_key and key is not None else account
        token = secret if use_key else settings.twilio_auth_token
        assert token is not None
        password = token.get_secret_value()
        self._client = Client(
            username,
            password,
            account_sid=account,
            # Region and edge name Twilio's own hosts (api.dublin.ie1.twilio.com); another
            # base URL is used as it is.
            region=settings.twilio_region if own_host else None,
            edge=settings.twilio_edge if own_host else None,
            http_client=TwilioHttpClient(timeout=SEND_TIMEOUT_S, logger=_HTTP_LOGGER),
            # Not os.environ: the settings are the one source (an empty mapping means "the
            # environment" to the client).
            environment={"STANDARDISTE": "1"},
        )
        if not own_host:
            self._client.api.base_url = base

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        """``messages.create`` from the service (or number), with the status callback."""
        sender = (
            {"messaging_service_sid": self._service} if self._service else {"from_": self._from}
        )
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self._client.messages.create(to=to, body=body, **sender, **extra)
        except (TwilioException, requests.RequestException) as exc:
            raise _error(exc) from None
        return Sent(sid=str(message.sid), status=str(message.status or "queued"))

    def find_sent(self, to: str, body: str, since: dt.datetime) -> str | None:
        """Look through the latest texts to ``to`` for this body."""
        wanted = " ".join(body.split())
        try:
            recent = self._client.messages.list(to=to, limit=_LOOK_BACK)
        except (TwilioException, requests.RequestException) as exc:
            raise _error(exc) from None
        for message in recent:
            created = message.date_created
            if created is not None and created < since - _CLOCK_SLACK:
                continue
            if " ".join(str(message.body or "").split()) == wanted:
                return str(message.sid)
        return None
