"""The Rasa project's data is consistent: ASR-form examples, a clean held-out split, every
response keyed, every action registered. Fast: no Rasa involved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import PROJECT_ROOT
from dialogue.actions import ACTIONS
from dialogue.catalogue import catalogue
from dialogue.french.normalize import is_filler, normalize_transcript
from dialogue.rasa.server import PROJECT_DIR

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")


def _examples(path: Path) -> dict[str, list[str]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for block in document.get("nlu", []):
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
            found.setdefault(block["intent"], []).extend(lines)
    return found


def _training() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted((PROJECT_DIR / "data" / "nlu").glob("*.yml")):
        for intent, lines in _examples(path).items():
            merged.setdefault(intent, []).extend(lines)
    return merged


def _domain() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (PROJECT_DIR / "domain" / "core.yml").read_text(encoding="utf-8")
    )
    return document


def _plain(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example)


def test_every_example_is_in_the_form_the_gateway_sends() -> None:
    holdout = _examples(PROJECT_DIR / "tests" / "nlu_holdout.yml")
    wrong = []
    for lines in [*_training().values(), *holdout.values()]:
        for example in lines:
            plain = _plain(example)
            expected = " ".join(t for t in plain.split() if not is_filler(t))
            if normalize_transcript(plain) != expected:
                wrong.append((plain, normalize_transcript(plain)))
    assert wrong == []


def test_holdout_is_kept_apart_and_covers_every_intent() -> None:
    training = _training()
    holdout = _examples(PROJECT_DIR / "tests" / "nlu_holdout.yml")
    seen = {_plain(e) for lines in training.values() for e in lines}
    assert [e for lines in holdout.values() for e in lines if _plain(e) in seen] == []
    intents = set(_domain()["intents"])
    assert set(training) == intents
    assert set(holdout) == intents
    assert {i: len(v) for i, v in training.items() if len(v) < 15} == {}
    assert {i: len(v) for i, v in holdout.items() if len(v) < 8} == {}


def test_every_response_carries_its_own_key() -> None:
    document = yaml.safe_load(
        (PROJECT_DIR / "domain" / "responses.yml").read_text(encoding="utf-8")
    )
    for key, variants in document["responses"].items():
        for variant in variants:
            assert variant["custom"]["key"] == key, key
    assert set(catalogue()) == set(document["responses"])


def test_every_response_the_code_names_exists() -> None:
    named = set()
    for folder in ("dialogue", "telephony"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            named |= set(re.findall(
                r"""(?:response|say)(?:=|\()["'](utter_\w+)["']""", path.read_text()
            ))
    assert named, "the scan found nothing: the pattern is wrong"
    assert sorted(named - set(catalogue())) == []


def test_every_domain_action_is_registered_and_nothing_else() -> None:
    declared = set(_domain()["actions"])
    registered = {action().name() for action in ACTIONS}
    assert declared == registered


@pytest.mark.parametrize("key", ["utter_disclosure", "utter_emergency", "utter_emergency_suicide"])
def test_disclosure_and_emergency_cannot_be_interrupted(key: str) -> None:
    assert catalogue()[key].interruptible is False
