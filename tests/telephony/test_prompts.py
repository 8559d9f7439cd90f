"""The telephony prompts file: keys, fields, flags, and load-time checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core import PROJECT_ROOT, load_practice
from telephony.prompts import (
    DEFAULT_PROMPTS,
    PROMPT_FIELDS,
    PromptError,
    PromptKey,
    Prompts,
    prompt_values,
)

VALUES = {
    "practice_name": "Cabinet des Tilleuls",
    "samu": "15",
    "european": "112",
    "suicide_prevention": "3114",
    "deaf_sms": "114",
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "prompts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _default_data() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = yaml.safe_load(DEFAULT_PROMPTS.read_text("utf-8"))
    return data


def test_the_french_file_loads_with_every_key() -> None:
    prompts = Prompts.load()
    rendered = prompts.render_all(VALUES)
    assert set(rendered) == set(PromptKey)
    assert all(text.strip() and "{" not in text for text in rendered.values())


def test_fields_are_filled_from_the_practice() -> None:
    practice = load_practice(PROJECT_ROOT / "config" / "practice.yaml")
    values = prompt_values(practice)
    prompts = Prompts.load()
    assert practice.practice.name in prompts.render(PromptKey.GREETING, values)
    emergency = prompts.render(PromptKey.EMERGENCY, values)
    for number in ("15", "112", "3114", "114"):
        assert f" {number}" in emergency


def test_disclosure_and_emergency_cannot_be_interrupted() -> None:
    prompts = Prompts.load()
    assert not prompts[PromptKey.GREETING].interruptible
    assert not prompts[PromptKey.EMERGENCY].interruptible
    assert prompts[PromptKey.NOT_UNDERSTOOD].interruptible
    assert prompts[PromptKey.GREETING].fields == PROMPT_FIELDS[PromptKey.GREETING]


def test_reply_keys() -> None:
    assert PromptKey.EMERGENCY.reply_key == "prompt.emergency"


def test_a_missing_key_fails_at_load(tmp_path: Path) -> None:
    data = _default_data()
    del data["goodbye"]
    with pytest.raises(PromptError, match=r"missing prompt keys \['goodbye'\]"):
        Prompts.load(_write(tmp_path, data))


def test_an_unknown_key_fails_at_load(tmp_path: Path) -> None:
    data = _default_data()
    data["good_bye"] = {"text": "Au revoir."}
    with pytest.raises(PromptError, match="unknown prompt keys"):
        Prompts.load(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("key", "entry", "message"),
    [
        ("greeting", {"text": "{practice_nme}, bonjour."}, "must use exactly"),
        ("greeting", {"text": "Bonjour."}, "must use exactly"),
        ("goodbye", {"text": "Au revoir {practice_name}."}, "must use exactly"),
        ("goodbye", {"text": "Au revoir {0}."}, "plain names"),
        ("goodbye", {"text": "Au revoir {."}, "bad template"),
        ("goodbye", {"text": ""}, "non-empty"),
        ("goodbye", "Au revoir.", "expected `text`"),
        ("goodbye", {"text": "Au revoir.", "interruptible": "non"}, "true or false"),
        ("goodbye", {"text": "Au revoir.", "voice": "fr"}, "expected `text`"),
    ],
)
def test_malformed_entries_fail_at_load(
    tmp_path: Path, key: str, entry: object, message: str
) -> None:
    data: dict[str, object] = dict(_default_data())
    data[key] = entry
    with pytest.raises(PromptError, match=message) as error:
        Prompts.load(_write(tmp_path, data))
    assert key in str(error.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="unreadable"):
        Prompts.load(tmp_path / "absent.yaml")
    with pytest.raises(PromptError, match="mapping"):
        Prompts.load(_write(tmp_path, ["greeting"]))


def test_rendering_needs_every_field() -> None:
    with pytest.raises(KeyError):
        Prompts.load().render(PromptKey.GREETING, {})
