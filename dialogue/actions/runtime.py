"""What a running action may reach: the app's context, and the call's metadata.

rasa_sdk hands an action only its dispatcher, the tracker and the domain. The gateway's action
endpoint binds its `AppContext` to `ACTION_CONTEXT` for the duration of each action call (a
context variable: set per request, so two apps in one process, as in the tests, never mix), and
actions reach the database and the practice configuration through `app_context()`.

The channel sends with every message the caller's number and the practice-local time as Rasa
message metadata; `call_metadata` reads them back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa_sdk import Tracker
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

import agenda
from core import AppContext, PracticeConfig
from dialogue.conversation import WEBSITE_CHANNEL

ACTION_CONTEXT: ContextVar[AppContext] = ContextVar("standardiste_action_context")
T = TypeVar("T")


class ActionContextMissingError(RuntimeError):
    """An action ran outside the gateway's action endpoint."""


@contextmanager
def bound_context(context: AppContext) -> Iterator[None]:
    """Make ``context`` the one actions see while the block runs."""
    token = ACTION_CONTEXT.set(context)
    try:
        yield
    finally:
        ACTION_CONTEXT.reset(token)


def app_context() -> AppContext:
    """The app context of the action call being served."""
    try:
        return ACTION_CONTEXT.get()
    except LookupError:
        raise ActionContextMissingError(
            "actions run only inside the gateway's /dialogue/webhook"
        ) from None


async def in_db(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a committed database session, off the event loop."""
    context = app_context()

    def _run() -> T:
        with context.db.session() as session:
            return work(session)

    return await run_in_threadpool(_run)


async def current_practice() -> PracticeConfig:
    """The practice settings as they are now (read from the database, off the event loop)."""
    return await app_context().fetch_practice()


@dataclass(frozen=True)
class CallMetadata:
    """What the channel says about the call with each message."""

    caller: str | None
    now: dt.datetime
    """The practice-local time of the message (aware)."""
    channel: str

    @property
    def on_website(self) -> bool:
        """The caller types in the practice website's chat (no phone line to transfer)."""
        return self.channel == WEBSITE_CHANNEL

    @property
    def source(self) -> agenda.Source:
        """How the agenda marks what this conversation books: by phone or by the website."""
        return agenda.Source.WEB if self.on_website else agenda.Source.PHONE


def call_metadata(tracker: Tracker, practice: PracticeConfig) -> CallMetadata:
    """The latest message's metadata, falling back to the slots and the real clock."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    caller = metadata.get("caller") or tracker.get_slot("caller_number")
    now = _parse_time(metadata.get("local_time"))
    if now is None:
        now = dt.datetime.now(practice.tz)
    return CallMetadata(
        caller=str(caller) if caller else None,
        now=now.astimezone(practice.tz),
        channel=str(metadata.get("channel") or "voice"),
    )


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
