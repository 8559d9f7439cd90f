"""Dialogue: the Rasa project, its custom actions, and the conversation core the channels drive.

Public face: the names in ``__all__``.
"""

from dialogue.action_endpoint import router as router
from dialogue.api import router as chat_router
from dialogue.conversation import CallEnd as CallEnd
from dialogue.conversation import Conversation as Conversation
from dialogue.conversation import Expecting as Expecting
from dialogue.conversation import Reply as Reply
from dialogue.conversation import TurnResult as TurnResult
from dialogue.events import DialogueEvent as DialogueEvent
from dialogue.events import DialogueEventType as DialogueEventType
from dialogue.events import Observer as Observer
from dialogue.session import DialogueSession as DialogueSession

__all__ = [
    "CallEnd",
    "Conversation",
    "DialogueEvent",
    "DialogueEventType",
    "DialogueSession",
    "Expecting",
    "Observer",
    "Reply",
    "TurnResult",
    "chat_router",
    "router",
]
