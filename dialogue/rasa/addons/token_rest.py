"""Rasa's REST channel behind the gateway's token: runs inside the Rasa server (its venv).

Rasa's ``--auth-token`` guards its HTTP API but not the channels' webhooks, and the REST
channel has no authentication of its own: any local process could post into a conversation.
This channel is the REST one (same name, same ``/webhooks/rest/webhook``) with one more rule:
every request carries ``Authorization: Bearer <token>``, the API token the launcher received
(``STANDARDISTE_RASA_AUTH_TOKEN``). `credentials.yml` names it; `dialogue.rasa.server` puts this
folder on Rasa's ``PYTHONPATH``. Not part of the gateway's packages (it imports Rasa).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

import speedups
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

TOKEN_ENV = "STANDARDISTE_RASA_AUTH_TOKEN"  # noqa: S105 (a variable name)


class TokenRestInput(RestInput):
    """The REST channel, refusing (401) any request without the gateway's token."""

    @classmethod
    def name(cls) -> str:
        """Keep the REST channel's URL: ``/webhooks/rest/webhook``."""
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        """The REST channel's routes, each behind the token check."""
        webhook = super().blueprint(on_new_message)
        expected = f"Bearer {os.environ.get(TOKEN_ENV, '')}".encode()

        @webhook.middleware("request")
        async def require_token(request: Request) -> Any:
            given = request.headers.get("authorization", "").encode()
            if len(expected) <= len("Bearer ") or not hmac.compare_digest(given, expected):
                return response.json({"error": "not authenticated"}, status=401)
            return None

        # After the model is loaded (`before_server_start`), before the first message.
        webhook.listener("after_server_start")(speedups.settle_heap)
        return webhook


# This module is the one Rasa surely loads at start-up (credentials.yml names it).
speedups.install()
