"""The telephony layer's fixed French phrases (`prompts.fr.yaml`): keys, fields, loading.

The wording lives in the YAML only; code and tests refer to `PromptKey`. Loading checks that
every key is present, none is unknown, and each text uses exactly the ``{fields}`` its key
declares, so a typo fails at startup rather than on a caller's line.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from core import PracticeConfig

DEFAULT_PROMPTS = Path(__file__).with_name("prompts.fr.yaml")


class PromptKey(StrEnum):
    """Every fixed phrase the telephony layer can say."""

    GREETING = "greeting"
    NOT_UNDERSTOOD = "not_understood"
    SILENCE_REPROMPT_1 = "silence_reprompt_1"
    SILENCE_REPROMPT_2 = "silence_reprompt_2"
    PLEASE_HOLD = "please_hold"
    TECHNICAL_PROBLEM = "technical_problem"
    OUTSIDE_HOURS_MESSAGE = "outside_hours_message"
    GOODBYE = "goodbye"
    EMERGENCY = "emergency"
    DROPPED_MESSAGE = "dropped_message"
    """Opens a new stream after ours dropped mid-call (its instance died): a message is taken."""
    RECORDING_CONSENT = "recording_consent"
    """Asked after the disclosure, only when the practice enabled recording."""
    RECORDING_ACCEPTED = "recording_accepted"
    RECORDING_DECLINED = "recording_declined"
    """Said after a no, keys other than 1, silence, or an unclear answer: nothing is recorded."""

    @property
    def reply_key(self) -> str:
        """The key a `dialogue` ``Reply`` carries for this prompt (``prompt.emergency``)."""
        return f"prompt.{self.value}"


PROMPT_FIELDS: Mapping[PromptKey, frozenset[str]] = {
    PromptKey.GREETING: frozenset({"practice_name"}),
    PromptKey.OUTSIDE_HOURS_MESSAGE: frozenset({"practice_name"}),
    PromptKey.EMERGENCY: frozenset({"samu", "european", "suicide_prevention", "deaf_sms"}),
}
"""The fields each template must use; keys not listed take none."""


class PromptError(ValueError):
    """The prompts file is unusable: says which file, which key and why."""


@dataclass(frozen=True)
class Prompt:
    """One phrase: its template and whether the caller may talk over it."""

    key: PromptKey
    template: str
    interruptible: bool

    @property
    def fields(self) -> frozenset[str]:
        """The ``{fields}`` the template uses."""
        return _fields(self.template)

    def render(self, values: Mapping[str, str]) -> str:
        """The text to say, with its fields filled in.

        Raises:
            KeyError: A field the template needs is missing from ``values``.
        """
        return self.template.format_map({name: values[name] for name in self.fields})


def _fields(template: str) -> frozenset[str]:
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(template) if name is not None
    )


def _prompt(path: Path, key: PromptKey, raw: Any) -> Prompt:
    where = f"{path}: {key.value}"
    if not isinstance(raw, dict) or set(raw) - {"text", "interruptible"}:
        raise PromptError(f"{where}: expected `text` and optional `interruptible`")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise PromptError(f"{where}: `text` must be a non-empty string")
    interruptible = raw.get("interruptible", True)
    if not isinstance(interruptible, bool):
        raise PromptError(f"{where}: `interruptible` must be true or false")
    try:
        used = _fields(text)
    except ValueError as exc:
        raise PromptError(f"{where}: bad template ({exc})") from exc
    expected = PROMPT_FIELDS.get(key, frozenset())
    if any(not name.isidentifier() for name in used):
        raise PromptError(f"{where}: fields must be plain names like {{practice_name}}")
    if used != expected:
        raise PromptError(
            f"{where}: uses fields {sorted(used)} but must use exactly {sorted(expected)}"
        )
    return Prompt(key, " ".join(text.split()), interruptible)


class Prompts:
    """The loaded phrases, by key."""

    def __init__(self, prompts: Mapping[PromptKey, Prompt]) -> None:
        self._prompts = dict(prompts)

    @classmethod
    def load(cls, path: Path = DEFAULT_PROMPTS) -> Prompts:
        """Read and check a prompts file.

        Args:
            path: The YAML file (default: the French one next to this module).

        Raises:
            PromptError: A key is missing or unknown, or a text is malformed.
        """
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PromptError(f"{path}: unreadable ({exc.__class__.__name__})") from exc
        if not isinstance(data, dict):
            raise PromptError(f"{path}: expected a mapping of prompt keys")
        known = {key.value for key in PromptKey}
        unknown = sorted(str(name) for name in data if name not in known)
        if unknown:
            raise PromptError(f"{path}: unknown prompt keys {unknown}")
        missing = sorted(known - set(data))
        if missing:
            raise PromptError(f"{path}: missing prompt keys {missing}")
        return cls({key: _prompt(path, key, data[key.value]) for key in PromptKey})

    def __getitem__(self, key: PromptKey) -> Prompt:
        return self._prompts[key]

    def render(self, key: PromptKey, values: Mapping[str, str]) -> str:
        """The text of one prompt with its fields filled in from ``values``."""
        return self._prompts[key].render(values)

    def render_all(self, values: Mapping[str, str]) -> dict[PromptKey, str]:
        """Every prompt's text, ready to synthesise once (see `telephony.tts_piper.PromptAudio`)."""
        return {key: prompt.render(values) for key, prompt in self._prompts.items()}


def prompt_values(practice: PracticeConfig) -> dict[str, str]:
    """The template fields a practice's configuration fills in."""
    emergency = practice.emergency
    return {
        "practice_name": practice.practice.name,
        "samu": emergency.samu,
        "european": emergency.european,
        "suicide_prevention": emergency.suicide_prevention,
        "deaf_sms": emergency.deaf_sms,
    }
