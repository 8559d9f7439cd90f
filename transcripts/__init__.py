"""Transcripts: call records, turns, inbox messages and their retention.

Public face: the names in ``__all__``; other components import nothing else from here.
"""

from transcripts.activity import idle_conversations as idle_conversations
from transcripts.activity import last_activity as last_activity
from transcripts.api import router as router
from transcripts.calls import conversation_clock as conversation_clock
from transcripts.calls import end_call as end_call
from transcripts.calls import get_call as get_call
from transcripts.calls import open_call as open_call
from transcripts.calls import open_call_once as open_call_once
from transcripts.calls import record_status as record_status
from transcripts.calls import set_outcome as set_outcome
from transcripts.inbox import leave_message as leave_message
from transcripts.inbox import list_messages as list_messages
from transcripts.inbox import messages_for_call as messages_for_call
from transcripts.inbox import set_message_status as set_message_status
from transcripts.inbox_workflow import NOTE_MAX as NOTE_MAX
from transcripts.inbox_workflow import OPEN_STATUSES as OPEN_STATUSES
from transcripts.inbox_workflow import InboxState as InboxState
from transcripts.inbox_workflow import annotate_message as annotate_message
from transcripts.inbox_workflow import assign_message as assign_message
from transcripts.inbox_workflow import find_messages as find_messages
from transcripts.inbox_workflow import get_message as get_message
from transcripts.inbox_workflow import inbox_state as inbox_state
from transcripts.labels_fr import kind_label as kind_label
from transcripts.labels_fr import status_label as status_label
from transcripts.labels_fr import urgency_label as urgency_label
from transcripts.liveness import beat as beat
from transcripts.liveness import claim_call as claim_call
from transcripts.models import Call as Call
from transcripts.models import CallStatus as CallStatus
from transcripts.models import InboxMessage as InboxMessage
from transcripts.models import MessageKind as MessageKind
from transcripts.models import MessageStatus as MessageStatus
from transcripts.models import Speaker as Speaker
from transcripts.models import TranscriptsBase
from transcripts.models import Turn as Turn
from transcripts.models import Urgency as Urgency
from transcripts.recordings import existing_recording as existing_recording
from transcripts.recordings import partial_path as partial_recording_path
from transcripts.recordings import record_consent as record_consent
from transcripts.recordings import recording_path as recording_path
from transcripts.retention import purge_expired as purge_expired
from transcripts.spool import UNREACHABLE as DATABASE_UNREACHABLE
from transcripts.spool import PendingWrite as PendingWrite
from transcripts.spool import Spool as Spool
from transcripts.spool import end_write as end_write
from transcripts.spool import message_write as message_write
from transcripts.spool import outcome_write as outcome_write
from transcripts.spool import spool_for as spool_for
from transcripts.spool import turn_write as turn_write
from transcripts.spool import write_durably as write_durably
from transcripts.summaries import CallerIdentity as CallerIdentity
from transcripts.summaries import build_summary as build_summary
from transcripts.summaries import masked_number as masked_number
from transcripts.sweeper import SweptCall as SweptCall
from transcripts.sweeper import close_stale_calls as close_stale_calls
from transcripts.turns import add_turn as add_turn
from transcripts.turns import caller_words as caller_words
from transcripts.turns import list_turns as list_turns
from transcripts.turns import transcript_lines as transcript_lines

metadata = TranscriptsBase.metadata

__all__ = [
    "DATABASE_UNREACHABLE",
    "NOTE_MAX",
    "OPEN_STATUSES",
    "Call",
    "CallStatus",
    "CallerIdentity",
    "InboxMessage",
    "InboxState",
    "MessageKind",
    "MessageStatus",
    "PendingWrite",
    "Speaker",
    "Spool",
    "SweptCall",
    "Turn",
    "Urgency",
    "add_turn",
    "annotate_message",
    "assign_message",
    "beat",
    "build_summary",
    "caller_words",
    "claim_call",
    "close_stale_calls",
    "conversation_clock",
    "end_call",
    "end_write",
    "existing_recording",
    "find_messages",
    "get_call",
    "get_message",
    "idle_conversations",
    "inbox_state",
    "kind_label",
    "last_activity",
    "leave_message",
    "list_messages",
    "list_turns",
    "masked_number",
    "message_write",
    "messages_for_call",
    "metadata",
    "open_call",
    "open_call_once",
    "outcome_write",
    "partial_recording_path",
    "purge_expired",
    "record_consent",
    "record_status",
    "recording_path",
    "router",
    "set_message_status",
    "set_outcome",
    "spool_for",
    "status_label",
    "transcript_lines",
    "turn_write",
    "urgency_label",
    "write_durably",
]
