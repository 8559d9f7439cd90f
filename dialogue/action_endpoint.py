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

from dialogue.actions import ACTIONS
from dialogue.actions.runtime import bound_context
from dialogue.rasa_server import action_token
from standardiste.deps import ContextDep

_LOGGER = logging.getLogger(__name__)
router = APIRouter(prefix="/dialogue", tags=["dialogue"], include_in_schema=False)


def build_executor() -> ActionExecutor:
    """An executor with every action of the assistant registered."""
    executor = ActionExecutor()
    for action in ACTIONS:
        executor.register_action(action)
    return executor


_EXECUTOR = build_executor()


@router.post("/webhook")
async def webhook(request: Request, context: ContextDep) -> JSONResponse:
    """Run the custom action Rasa asks for and return its events and responses.

    The app's context is bound for the action's duration (`dialogue.actions.runtime`).
    """
    # Only our Rasa server may run actions: it presents the token written in its endpoints.yml.
    token = request.query_params.get("token", "")
    if not hmac.compare_digest(token, action_token(context.settings)):
        _LOGGER.warning("action call refused: bad or missing token")
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


@router.get("/actions")
def list_actions() -> list[dict[str, str]]:
    """The registered action names (Rasa asks for them on `rasa train --validate`)."""
    return [{"name": name} for name in sorted(_EXECUTOR.actions)]
