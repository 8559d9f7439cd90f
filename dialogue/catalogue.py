"""The one catalogue of spoken French: the Rasa domain's `responses.yml`, read by the gateway.

`responses.yml` holds every sentence the caller hears: the dialogue's replies and the phrases the
call says by itself (opening, emergencies, outside hours, recording consent, technical trouble).
The gateway reads it for what it says on its own and for what each response means for the call
(its ``custom`` payload: key, expecting, interruptible, emergency, end, ready, identity).
Rasa's REST channel returns a response as its text followed by its custom payload;
`replies_from_rasa` pairs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import yaml

from core import EmergencyNumbers, PracticeConfig
from dialogue.conversation import CallEnd, Expecting, Reply
from dialogue.rasa.server import PROJECT_DIR

RESPONSES_FILE = PROJECT_DIR / "domain" / "responses.yml"
_NATIONAL_NUMBERS = EmergencyNumbers().model_dump()
GREETING_KEY = "utter_greet"
ANNOUNCEMENT_KEY = "utter_outside_hours_announcement"


@dataclass(frozen=True)
class ResponseSpec:
    """One response of the domain, with what it means for the call."""

    key: str
    text: str
    expecting: Expecting = Expecting.ANYTHING
    interruptible: bool = True
    emergency: bool = False
    end: CallEnd | None = None
    ready: bool = False
    """Synthesised once at start-up: said without the dialogue, or to be said at once."""
    identity: bool = False
    """It asks who the patient is or where to call back (a name, its spelling, a date of
    birth, a number): the answer is that, not an account of how anyone is."""

    def render(self, **values: Any) -> Reply:
        """The reply with its ``{placeholders}`` filled (KeyError when one is missing)."""
        return self.reply(self.text.format_map(dict(values)))

    def reply(self, text: str) -> Reply:
        """This response's reply, said with another wording (a practice's own greeting)."""
        return Reply(
            text=" ".join(text.split()),
            key=self.key,
            interruptible=self.interruptible,
            emergency=self.emergency,
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
        emergency=bool(custom.get("emergency", False)),
        end=CallEnd(end) if end else None,
        ready=bool(custom.get("ready", False)),
        identity=bool(custom.get("identity", False)),
    )


def practice_values(practice: PracticeConfig) -> dict[str, str]:
    """The placeholders the practice settings fill in."""
    numbers = practice.emergency
    return {
        "practice_name": practice.practice.name,
        "samu": numbers.samu,
        "european": numbers.european,
        "suicide_prevention": numbers.suicide_prevention,
        "deaf_sms": numbers.deaf_sms,
    }


def response(key: str, **values: Any) -> Reply:
    """The reply for a response key, rendered with ``values`` (the national emergency numbers
    unless given: a phrase said before the practice settings are read still states them)."""
    return catalogue()[key].render(**{**_NATIONAL_NUMBERS, **values})


def say(key: str, practice: PracticeConfig, **values: Any) -> Reply:
    """The reply for a response key, with the practice's placeholders and ``values``."""
    return response(key, **practice_values(practice), **values)


def greeting(practice: PracticeConfig) -> Reply:
    """The practice's own greeting when it wrote one, else the catalogue's."""
    custom = practice.answering.greeting
    if custom and custom.strip():
        return catalogue()[GREETING_KEY].reply(custom)
    return say(GREETING_KEY, practice)


def announcement(practice: PracticeConfig) -> Reply:
    """The outside-hours announcement: the practice's own text, else the catalogue's."""
    custom = practice.answering.outside_hours.announcement
    if custom and custom.strip():
        return catalogue()[ANNOUNCEMENT_KEY].reply(custom)
    return say(ANNOUNCEMENT_KEY, practice)


def ready_replies(practice: PracticeConfig) -> list[Reply]:
    """Every reply worth synthesising once, as this practice says it (for the voice channel)."""
    replies = []
    for spec in catalogue().values():
        if not spec.ready:
            continue
        if spec.key == GREETING_KEY:
            replies.append(greeting(practice))
        elif spec.key == ANNOUNCEMENT_KEY:
            replies.append(announcement(practice))
        else:
            replies.append(say(spec.key, practice))
    return replies


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
            emergency = bool(custom.get("emergency", False))
            for index in unlabelled:
                replies[index] = replace(
                    replies[index], key=key, interruptible=interruptible, emergency=emergency
                )
            unlabelled = []
    return replies
