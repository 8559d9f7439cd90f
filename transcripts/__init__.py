"""Transcripts: call records, turns, inbox messages and their retention.

Public face: the names in ``__all__``; other components import nothing else from here.
"""

from transcripts.calls import get_call as get_call
from transcripts.calls import open_call as open_call
from transcripts.calls import record_status as record_status
from transcripts.models import Call as Call
from transcripts.models import CallStatus as CallStatus
from transcripts.models import TranscriptsBase

metadata = TranscriptsBase.metadata

__all__ = ["Call", "CallStatus", "get_call", "metadata", "open_call", "record_status"]
