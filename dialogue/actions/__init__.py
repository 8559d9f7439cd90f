"""Custom actions, registered explicitly (no discovery by import side effects)."""

from __future__ import annotations

from rasa_sdk import Action

ACTIONS: list[type[Action]] = []
