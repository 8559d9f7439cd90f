"""Twilio request signatures: webhooks and the Media Streams WebSocket upgrade.

The URL that Twilio signed is rebuilt from ``PUBLIC_BASE_URL`` + path, never from the request,
because behind a tunnel or reverse proxy the request's own host and scheme are not the ones
Twilio saw. The WebSocket upgrade is signed over the ``wss://`` URL with no parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

_LOGGER = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureChecker:
    """Checks `X-Twilio-Signature` against the auth token and the configured public URL."""

    def __init__(self, auth_token: str | None, public_base_url: str | None) -> None:
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._token = auth_token
        self._base = public_base_url.rstrip("/") if public_base_url else None

    @property
    def configured(self) -> bool:
        """True when both the auth token and the public URL are set."""
        return self._validator is not None and self._base is not None

    def https_url(self, path: str) -> str:
        """The public https URL of a gateway path."""
        if self._base is None:
            raise RuntimeError("PUBLIC_BASE_URL is not set")
        return f"{self._base}{path}"

    def wss_url(self, path: str) -> str:
        """The public wss URL of a gateway path (what Twilio signs on the upgrade)."""
        return "wss://" + self.https_url(path).split("://", 1)[1]

    def check_webhook(
        self, path: str, params: Mapping[str, str], signature: str | None, query: str = ""
    ) -> bool:
        """True when the form-encoded webhook's signature is right."""
        if not self.configured or not signature:
            return False
        url = self.https_url(path) + (f"?{query}" if query else "")
        assert self._validator is not None
        return bool(self._validator.validate(url, dict(params), signature))

    def check_upgrade(self, path: str, signature: str | None) -> bool:
        """True when the WebSocket upgrade's signature is right (wss URL, no parameters)."""
        if not self.configured or not signature:
            return False
        assert self._validator is not None
        return bool(self._validator.validate(self.wss_url(path), {}, signature))

    def stream_token(self, call_sid: str) -> str:
        """A per-call token put in `<Parameter>` and checked on `start`.

        It binds the media stream to the signature-checked webhook without storing anything,
        so any gateway instance can check it.
        """
        if not self._token:
            raise RuntimeError("TWILIO_AUTH_TOKEN is not set")
        digest = hmac.new(self._token.encode(), f"stream:{call_sid}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def check_stream_token(self, call_sid: str, token: str | None) -> bool:
        """True when the `start` message carries this call's token."""
        if not token or not self._token:
            return False
        return hmac.compare_digest(self.stream_token(call_sid).encode(), token.encode())
