"""Dialogue: every conversation, spoken or typed (the assistant, message taking, the
announcement), the one catalogue of spoken French, the Rasa project and its custom actions,
and the chat of the practice's website (`website_router`: the widget and its public API).

Public face: the names in ``__all__``.
"""

from dialogue.action_endpoint import router as router
from dialogue.api import router as chat_router
from dialogue.catalogue import practice_values as practice_values
from dialogue.catalogue import ready_replies as ready_replies
from dialogue.catalogue import response as response
from dialogue.catalogue import say as say
from dialogue.chat_cli import ChatError as ChatError
from dialogue.chat_cli import run_chat as run_chat
from dialogue.conversation import CallEnd as CallEnd
from dialogue.conversation import Conversation as Conversation
from dialogue.conversation import Expecting as Expecting
from dialogue.conversation import Pace as Pace
from dialogue.conversation import Reply as Reply
from dialogue.conversation import TurnResult as TurnResult
from dialogue.events import DialogueEvent as DialogueEvent
from dialogue.events import DialogueEventType as DialogueEventType
from dialogue.events import Observer as Observer
from dialogue.french.complete_answer import answers_question as answers_question
from dialogue.french.yes_no import is_small_talk as is_small_talk
from dialogue.french.yes_no import parse_yes_no as parse_yes_no
from dialogue.message_taking import leave_transfer_failed as leave_transfer_failed
from dialogue.modes import ConversationMode as ConversationMode
from dialogue.modes import fallback_conversation as fallback_conversation
from dialogue.modes import first_words as first_words
from dialogue.modes import open_conversation as open_conversation
from dialogue.modes import resume_conversation as resume_conversation
from dialogue.rasa.server import action_token as action_token
from dialogue.rasa.server import ensure_model as ensure_model
from dialogue.rasa.server import rasa_auth_token as rasa_auth_token
from dialogue.rasa.server import rasa_env as rasa_env
from dialogue.rasa.server import server_command as server_command
from dialogue.rasa.server import wait_until_ready as wait_until_ready
from dialogue.rasa.server import write_endpoints as write_endpoints
from dialogue.safety import EmergencyLevel as EmergencyLevel
from dialogue.safety import check_emergency as check_emergency
from dialogue.safety import emergency_in as emergency_in
from dialogue.warm_up import prepare_dialogue as prepare_dialogue
from dialogue.website import DialogueBase
from dialogue.website import expire_idle_conversations as expire_idle_website_chats
from dialogue.website import router as website_router

metadata = DialogueBase.metadata

__all__ = [
    "CallEnd",
    "ChatError",
    "Conversation",
    "ConversationMode",
    "DialogueEvent",
    "DialogueEventType",
    "EmergencyLevel",
    "Expecting",
    "Observer",
    "Pace",
    "Reply",
    "TurnResult",
    "action_token",
    "answers_question",
    "chat_router",
    "check_emergency",
    "emergency_in",
    "ensure_model",
    "expire_idle_website_chats",
    "fallback_conversation",
    "first_words",
    "is_small_talk",
    "leave_transfer_failed",
    "metadata",
    "open_conversation",
    "parse_yes_no",
    "practice_values",
    "prepare_dialogue",
    "rasa_auth_token",
    "rasa_env",
    "ready_replies",
    "response",
    "resume_conversation",
    "router",
    "run_chat",
    "say",
    "server_command",
    "wait_until_ready",
    "website_router",
    "write_endpoints",
]
