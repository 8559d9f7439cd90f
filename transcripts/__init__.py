"""Transcripts: call records, turns, inbox messages and their retention.

Public face: the names in ``__all__``; other components import nothing else from here.
"""

from transcripts.api import router as router
from transcripts.calls import conversation_clock as conversation_clock
from transcripts.calls import end_call as end_call
from transcripts.calls import get_call as get_call
from transcripts.calls import open_call as open_call
from transcripts.calls import record_status as record_status
from transcripts.calls import set_outcome as set_outcome
from transcripts.inbox import leave_message as leave_message
from transcripts.inbox import list_messages as list_messages
from transcripts.inbox import messages_for_call as messages_for_call
from transcripts.inbox import set_message_status as set_message_status
from transcripts.labels_fr import kind_label as kind_label
from transcripts.labels_fr import status_label as status_label
from transcripts.labels_fr import urgency_label as urgency_label
from transcripts.models import Call as Call
from transcripts.models import CallStatus as CallStatus
from transcripts.models import InboxMessage as InboxMessage
from transcripts.models import MessageKind as MessageKind
from transcripts.models import MessageStatus as MessageStatus
from transcripts.models import Speaker as Speaker
from transcripts.models import TranscriptsBase
from transcripts.models import Turn as Turn
from transcripts.models import Urgency as Urgency
from transcripts.retention import purge_expired as purge_expired
from transcripts.summaries import CallerIdentity as CallerIdentity
from transcripts.summaries import build_summary as build_summary
from transcripts.summaries import masked_number as masked_number
from transcripts.turns import add_turn as add_turn
from transcripts.turns import list_turns as list_turns
from transcripts.turns import transcript_lines as transcript_lines
from transcripts.web import router as web_router

metadata = TranscriptsBase.metadata

__all__ = [
    "Call",
    "CallStatus",
    "CallerIdentity",
    "InboxMessage",
    "MessageKind",
    "MessageStatus",
    "Speaker",
    "Turn",
    "Urgency",
    "add_turn",
    "build_summary",
    "conversation_clock",
    "end_call",
    "get_call",
    "kind_label",
    "leave_message",
    "list_messages",
    "list_turns",
    "masked_number",
    "messages_for_call",
    "metadata",
    "open_call",
    "purge_expired",
    "record_status",
    "router",
    "set_message_status",
    "set_outcome",
    "status_label",
    "transcript_lines",
    "urgency_label",
    "web_router",
]
