"""Dialogue: the Rasa project, its custom actions, and the conversation core the channels drive.

Public face: the names in ``__all__``.
"""

from dialogue.action_endpoint import router as router
from dialogue.api import router as chat_router
from dialogue.chat_cli import ChatError as ChatError
from dialogue.chat_cli import run_chat as run_chat
from dialogue.conversation import CallEnd as CallEnd
from dialogue.conversation import Conversation as Conversation
from dialogue.conversation import Expecting as Expecting
from dialogue.conversation import Reply as Reply
from dialogue.conversation import TurnResult as TurnResult
from dialogue.events import DialogueEvent as DialogueEvent
from dialogue.events import DialogueEventType as DialogueEventType
from dialogue.events import Observer as Observer
from dialogue.rasa_server import action_token as action_token
from dialogue.rasa_server import ensure_model as ensure_model
from dialogue.rasa_server import rasa_env as rasa_env
from dialogue.rasa_server import server_command as server_command
from dialogue.rasa_server import wait_until_ready as wait_until_ready
from dialogue.rasa_server import write_endpoints as write_endpoints
from dialogue.session import DialogueSession as DialogueSession
from dialogue.yes_no import is_small_talk as is_small_talk
from dialogue.yes_no import parse_yes_no as parse_yes_no

__all__ = [
    "CallEnd",
    "ChatError",
    "Conversation",
    "DialogueEvent",
    "DialogueEventType",
    "DialogueSession",
    "Expecting",
    "Observer",
    "Reply",
    "TurnResult",
    "action_token",
    "chat_router",
    "ensure_model",
    "is_small_talk",
    "parse_yes_no",
    "rasa_env",
    "router",
    "run_chat",
    "server_command",
    "wait_until_ready",
    "write_endpoints",
]
