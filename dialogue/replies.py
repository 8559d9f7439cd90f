"""The assistant's responses: the domain's catalogue, read by the gateway.

`responses.yml` holds every sentence the caller hears. The gateway reads it for what it says on
its own (greeting, emergency, silence, technical trouble) and for what each response means for
the call (its ``custom`` payload: key, expecting, interruptible, end). Rasa's REST channel
returns a response as its text followed by its custom payload; `replies_from_rasa` pairs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import yaml

from dialogue.conversation import CallEnd, Expecting, Reply
from dialogue.rasa_server import PROJECT_DIR

RESPONSES_FILE = PROJECT_DIR / "domain" / "responses.yml"


@dataclass(frozen=True)
class ResponseSpec:
    """One response of the domain, with what it means for the call."""

    key: str
    text: str
    expecting: Expecting = Expecting.ANYTHING
    interruptible: bool = True
    end: CallEnd | None = None

    def render(self, **values: Any) -> Reply:
        """The reply with its ``{placeholders}`` filled (KeyError when one is missing)."""
        return Reply(
            text=self.text.format_map(dict(values)),
            key=self.key,
            interruptible=self.interruptible,
        )


@cache
def catalogue() -> Mapping[str, ResponseSpec]:
    """Every response of the domain, by key (read once per process)."""
    document = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))
    specs: dict[str, ResponseSpec] = {}
    for key, variants in document["responses"].items():
        first = variants[0]
        specs[key] = _spec(key, first["text"], first.get("custom") or {})
    return specs


def _spec(key: str, text: str, custom: Mapping[str, Any]) -> ResponseSpec:
    end = custom.get("end")
    return ResponseSpec(
        key=key,
        text=text,
        expecting=Expecting(custom.get("expecting", Expecting.ANYTHING.value)),
        interruptible=bool(custom.get("interruptible", True)),
        end=CallEnd(end) if end else None,
    )


def response(key: str, **values: Any) -> Reply:
    """The reply for a response key, rendered with ``values``."""
    return catalogue()[key].render(**values)


def spec_of(reply: Reply) -> ResponseSpec | None:
    """The catalogue entry a reply came from, when it has a known key."""
    return catalogue().get(reply.key or "")


def replies_from_rasa(messages: list[dict[str, Any]]) -> list[Reply]:
    """Rasa REST messages → replies carrying their response key.

    The REST channel sends each response's text, then its custom payload as a separate message:
    the payload's key labels the texts before it. A text without a payload (a response written
    without one) keeps ``key=None``.
    """
    replies: list[Reply] = []
    unlabelled: list[int] = []
    for message in messages:
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            replies.append(Reply(text=text.strip()))
            unlabelled.append(len(replies) - 1)
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("key"):
            key = str(custom["key"])
            interruptible = bool(custom.get("interruptible", True))
            for index in unlabelled:
                replies[index] = replace(replies[index], key=key, interruptible=interruptible)
            unlabelled = []
    return replies
