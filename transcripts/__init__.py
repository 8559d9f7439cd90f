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
from transcripts.erasure import CallerRows as CallerRows
from transcripts.erasure import caller_rows as caller_rows
from transcripts.erasure import erase_caller as erase_caller
from transcripts.erasure import erase_outside as erase_outside
from transcripts.erasure import erase_spooled as erase_spooled
from transcripts.erasure import export_caller as export_caller
from transcripts.export import CallRecord as CallRecord
from transcripts.export import SaidLine as SaidLine
from transcripts.export import call_records as call_records
from transcripts.inbox import close_set_aside as close_set_aside
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
from transcripts.outcomes import REQUESTS as REQUEST_GROUPS
from transcripts.outcomes import RESOLVED as RESOLVED_GROUPS
from transcripts.outcomes import TAKEN_IN_CHARGE as TAKEN_IN_CHARGE_GROUPS
from transcripts.outcomes import Handling as Handling
from transcripts.outcomes import OutcomeGroup as OutcomeGroup
from transcripts.outcomes import handling as call_handling
from transcripts.outcomes import outcome_group as outcome_group
from transcripts.pending_writes import PendingWrite as PendingWrite
from transcripts.pending_writes import call_write as call_write
from transcripts.pending_writes import end_write as end_write
from transcripts.pending_writes import message_write as message_write
from transcripts.pending_writes import outcome_write as outcome_write
from transcripts.pending_writes import text_write as text_write
from transcripts.pending_writes import turn_write as turn_write
from transcripts.recordings import existing_recording as existing_recording
from transcripts.recordings import partial_path as partial_recording_path
from transcripts.recordings import read_recording as read_recording
from transcripts.recordings import record_consent as record_consent
from transcripts.recordings import recording_path as recording_path
from transcripts.recordings import seal_recording as seal_recording
from transcripts.retention import purge_expired as purge_expired
from transcripts.reviews import ReviewItem as ReviewItem
from transcripts.reviews import ReviewReason as ReviewReason
from transcripts.reviews import TroubleKeys as TroubleKeys
from transcripts.reviews import calls_to_review as calls_to_review
from transcripts.reviews import mark_reviewed as mark_reviewed
from transcripts.reviews import review_counts as review_counts
from transcripts.reviews import review_item as review_item
from transcripts.spool import UNREACHABLE as DATABASE_UNREACHABLE
from transcripts.spool import Spool as Spool
from transcripts.spool import spool_for as spool_for
from transcripts.spool import spooled_turns as spooled_turns
from transcripts.spool import write_durably as write_durably
from transcripts.stats import HANDLING_ORDER as HANDLING_ORDER
from transcripts.stats import OPEN_TOO_LONG as OPEN_TOO_LONG
from transcripts.stats import CallStats as CallStats
from transcripts.stats import MessageStats as MessageStats
from transcripts.stats import call_stats as call_stats
from transcripts.stats import count_finished_days as count_finished_days
from transcripts.stats import message_stats as message_stats
from transcripts.summaries import CallerIdentity as CallerIdentity
from transcripts.summaries import build_summary as build_summary
from transcripts.summaries import masked_number as masked_number
from transcripts.sweeper import SweptCall as SweptCall
from transcripts.sweeper import close_stale_calls as close_stale_calls
from transcripts.tracker_store import count_events as count_events
from transcripts.turns import add_turn as add_turn
from transcripts.turns import caller_words as caller_words
from transcripts.turns import list_turns as list_turns
from transcripts.turns import transcript_lines as transcript_lines

metadata = TranscriptsBase.metadata

__all__ = [
    "DATABASE_UNREACHABLE",
    "HANDLING_ORDER",
    "NOTE_MAX",
    "OPEN_STATUSES",
    "OPEN_TOO_LONG",
    "REQUEST_GROUPS",
    "RESOLVED_GROUPS",
    "TAKEN_IN_CHARGE_GROUPS",
    "Call",
    "CallRecord",
    "CallStats",
    "CallStatus",
    "CallerIdentity",
    "CallerRows",
    "Handling",
    "InboxMessage",
    "InboxState",
    "MessageKind",
    "MessageStats",
    "MessageStatus",
    "OutcomeGroup",
    "PendingWrite",
    "ReviewItem",
    "ReviewReason",
    "SaidLine",
    "Speaker",
    "Spool",
    "SweptCall",
    "TroubleKeys",
    "Turn",
    "Urgency",
    "add_turn",
    "annotate_message",
    "assign_message",
    "beat",
    "build_summary",
    "call_handling",
    "call_records",
    "call_stats",
    "call_write",
    "caller_rows",
    "caller_words",
    "calls_to_review",
    "claim_call",
    "close_set_aside",
    "close_stale_calls",
    "conversation_clock",
    "count_events",
    "count_finished_days",
    "end_call",
    "end_write",
    "erase_caller",
    "erase_outside",
    "erase_spooled",
    "existing_recording",
    "export_caller",
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
    "mark_reviewed",
    "masked_number",
    "message_stats",
    "message_write",
    "messages_for_call",
    "metadata",
    "open_call",
    "open_call_once",
    "outcome_group",
    "outcome_write",
    "partial_recording_path",
    "purge_expired",
    "read_recording",
    "record_consent",
    "record_status",
    "recording_path",
    "review_counts",
    "review_item",
    "router",
    "seal_recording",
    "set_message_status",
    "set_outcome",
    "spool_for",
    "spooled_turns",
    "status_label",
    "text_write",
    "transcript_lines",
    "turn_write",
    "urgency_label",
    "write_durably",
]
