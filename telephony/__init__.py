"""Telephony: Twilio webhooks and media stream, audio, voice activity, recognition and synthesis.

Public face: the names in ``__all__``.
"""

from telephony.api import fallback_twiml as fallback_twiml
from telephony.api import router as router
from telephony.call_events import CallEvent as CallEvent
from telephony.call_events import CallEventType as CallEventType
from telephony.codec import FRAME_BYTES as FRAME_BYTES
from telephony.codec import MULAW_SILENCE as MULAW_SILENCE
from telephony.codec import SAMPLE_RATE as SAMPLE_RATE
from telephony.codec import to_ulaw_frames as to_ulaw_frames
from telephony.codec import ulaw_to_pcm16 as ulaw_to_pcm16
from telephony.session import CallSession as CallSession
from telephony.speech_models import ModelMissingError as ModelMissingError
from telephony.speech_models import SpeechModels as SpeechModels
from telephony.speech_models import announce_speech_models as announce_speech_models
from telephony.speech_models import resolve_speech_models as resolve_speech_models
from telephony.stt import RecognitionUpdate as RecognitionUpdate
from telephony.stt import Recognizer as Recognizer
from telephony.stt import RecognizerFactory as RecognizerFactory
from telephony.tts_piper import PiperParams as PiperParams
from telephony.tts_piper import PiperSynthesizer as PiperSynthesizer
from telephony.twiml import CONNECT_ACTION_PATH as CONNECT_ACTION_PATH
from telephony.voice_service import VoiceService as VoiceService
from telephony.voice_service import preload_voice as preload_voice

__all__ = [
    "CONNECT_ACTION_PATH",
    "FRAME_BYTES",
    "MULAW_SILENCE",
    "SAMPLE_RATE",
    "CallEvent",
    "CallEventType",
    "CallSession",
    "ModelMissingError",
    "PiperParams",
    "PiperSynthesizer",
    "RecognitionUpdate",
    "Recognizer",
    "RecognizerFactory",
    "SpeechModels",
    "VoiceService",
    "announce_speech_models",
    "fallback_twiml",
    "preload_voice",
    "resolve_speech_models",
    "router",
    "to_ulaw_frames",
    "ulaw_to_pcm16",
]
