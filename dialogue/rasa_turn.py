"""One round trip to the Rasa server: the caller's words in, the dialogue's replies out.

The sender id is the conversation id; the metadata carry the caller's number, the
practice-local time and the channel, which the actions read. No reply is an error: the caller
must never be left in silence.
"""

from __future__ import annotations

import datetime as dt

from core import AppContext
from dialogue import catalogue
from dialogue.conversation import Reply
from dialogue.errors import EmptyReplyError
from dialogue.rasa.client import DialogueState, RasaClient
from dialogue.rasa.server import rasa_auth_token


class RasaTurn:
    """The Rasa side of one conversation."""

    def __init__(self, context: AppContext, conversation_id: str, channel: str) -> None:
        settings = context.settings
        self._rasa = RasaClient(
            context.http,
            settings.rasa_base_for(conversation_id),
            settings.rasa_timeout_s,
            token=rasa_auth_token(settings),
        )
        self._id = conversation_id
        self._channel = channel

    async def send(self, text: str, *, caller: str | None, local_time: dt.datetime) -> list[Reply]:
        """The dialogue's replies to ``text``, cut after one that ends the call.

        Raises:
            DialogueError: Rasa did not answer, answered badly, or said nothing.
        """
        messages = await self._rasa.send(
            self._id, text, caller=caller, local_time=local_time, channel=self._channel
        )
        replies = catalogue.replies_from_rasa(messages)
        if not replies:
            raise EmptyReplyError("the dialogue returned no reply")
        return until_the_end(replies)

    async def state(self) -> DialogueState:
        """The conversation's slots and active form, from Rasa's tracker.

        Raises:
            DialogueError: Rasa did not answer.
        """
        return await self._rasa.state(self._id)


def until_the_end(replies: list[Reply]) -> list[Reply]:
    """Nothing is said after a reply that ends the call (a form would ask on after "au revoir";
    Rasa keeps it active, so the hand-over still finds the unfinished request)."""
    for index, reply in enumerate(replies):
        spec = catalogue.spec_of(reply)
        if spec is not None and spec.end is not None:
            return replies[: index + 1]
    return replies
