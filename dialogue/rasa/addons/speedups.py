"""Rasa 3.6's per-turn costs that buy nothing here, removed inside the Rasa server (its venv).

Found by profiling a turn (py-spy on the server, docs/benchmarks.md « Dialogue »): 40 % of the
server's CPU went into checking the JSON *schema* of the action server's answers, again on every
custom action call. Rasa calls ``jsonschema.validate(answer, schema)``, which first validates the
schema itself against the metaschema (jsonschema 4.17: ~10 ms for Rasa's events schema), then
the answer. The schema is a constant, so one validator is built once and only the answer is
checked, as strictly as before (same schema, same error).

And the garbage collector's full passes over the loaded server (`settle_heap`, traced in the
voice benchmark's bursts, docs/benchmarks.md « Voice »): the start-up heap is frozen out of them.

Imported by `token_rest` (which `credentials.yml` names, so Rasa loads it before any message).
Not part of the gateway's packages (it imports Rasa).
"""

from __future__ import annotations

import gc
import logging
from functools import cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_LOGGER = logging.getLogger(__name__)


@cache
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)  # once, as jsonschema.validate would on every call
    return kind(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> None:
    """Replace Rasa's per-call schema check by the cached validator (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


WARM_UP_TEXT = "je voudrais un rendez-vous jeudi matin"
"""Parsed once at start-up: the first NLU call builds TensorFlow's graph for the classifier."""


async def settle_heap(app: Any, _loop: Any) -> None:
    """Once the model is loaded (Rasa loads it before the server starts): a first parse, then
    every object left frozen out of the garbage collector's full passes.

    A loaded server holds about 680,000 Python objects (TensorFlow, the model, Rasa itself),
    none of which is ever freed, and a full collection walks them all: 0.35 to 0.66 s here,
    during which no conversation gets an answer. Frozen, they are skipped; what turns allocate
    is collected as before.
    """
    agent = getattr(app.ctx, "agent", None)
    parsed = agent is not None and agent.is_ready()
    if parsed:
        await agent.parse_message(WARM_UP_TEXT)
    gc.collect()
    gc.freeze()
    _LOGGER.info("heap settled (model parsed: %s): %d objects kept out of collections",
                 parsed, gc.get_freeze_count())
