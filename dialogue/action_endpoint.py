"""Rasa's action endpoint, served by the gateway so custom actions run beside the agenda.

The rasa_sdk executor does the work; this module is only its HTTP face (as rasa_sdk's own
``endpoint.py`` is for Sanic). Actions are registered from an explicit list.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from core import AppContext, ContextDep
from dialogue.actions import ACTIONS
from dialogue.actions.runtime import bound_context
from dialogue.rasa.server import action_token

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/dialogue", tags=["dialogue"], include_in_schema=False)


def build_executor() -> ActionExecutor:
    """An executor with every action of the assistant registered."""
    executor = ActionExecutor()
    for action in ACTIONS:
        executor.register_action(action)
    return executor


_EXECUTOR = build_executor()


def _from_rasa(request: Request, context: AppContext) -> bool:
    """Only our Rasa server may use this endpoint: it presents the token of its endpoints.yml.

    The token travels in the ``Authorization`` header only: a query string would be written to
    access logs (ours, a proxy's).
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        token = ""
    if hmac.compare_digest(token.encode(), action_token(context.settings).encode()):
        return True
    _LOGGER.warning("action endpoint refused: bad or missing token")
    return False


@router.post("/webhook")
async def webhook(request: Request, context: ContextDep) -> JSONResponse:
    """Run the custom action Rasa asks for and return its events and responses.

    The app's context is bound for the action's duration (`dialogue.actions.runtime`).
    """
    if not _from_rasa(request, context):
        return JSONResponse({"error": "forbidden"}, 403)
    action_call: dict[str, Any] = await request.json()
    try:
        with bound_context(context):
            result = await _EXECUTOR.run(action_call)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, 400)
    except ActionNotFoundException as exc:
        _LOGGER.error("unknown action requested", extra={"action": exc.action_name})
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, 404)
    except Exception:
        # Rasa only logs a failed action; keep the cause here, where the action ran.
        _LOGGER.exception("action failed", extra={"action": action_call.get("next_action")})
        return JSONResponse({"error": "action failed"}, 500)
    return JSONResponse(result.model_dump() if result else None)


@router.get("/actions", response_model=None)
def list_actions(request: Request, context: ContextDep) -> list[dict[str, str]] | JSONResponse:
    """The registered action names, for our Rasa server (same token as the webhook)."""
    if not _from_rasa(request, context):
        return JSONResponse({"error": "forbidden"}, 403)
    return [{"name": name} for name in sorted(_EXECUTOR.actions)]
