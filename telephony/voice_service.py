"""What every call of this process shares: recognizers, the voice, prompt audio, timings.

The engines load once (~3 s, ~0.8 GB; see `telephony.speech_engines`), on the first call or
ahead of it, in a thread. The catalogue's fixed phrases are synthesised per practice
configuration (its name, greeting and emergency numbers go into them) and rebuilt when staff
change those settings.

Tests replace `core.AppContext.speech` with their own `VoiceService`, e.g. one whose recognizers
are the test double `tests.doubles.scripted_recognizer.ScriptedRecognizerFactory`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

import dialogue
from core import AppContext, PracticeConfig, Settings
from telephony.call_events import CallLog, CallObserver, LatencyMetrics
from telephony.speaking import ReplyAudioCache
from telephony.speech_engines import build_prompt_audio, load_speech_engines
from telephony.stt import RecognizerFactory
from telephony.tts_piper import PiperSynthesizer, PromptAudio
from telephony.turns import TurnParams
from telephony.vad import VadParams

_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class VoiceParams:
    """Timings of the voice channel."""

    turns: TurnParams = field(default_factory=TurnParams)
    """End of turn, dictation window, silence timeout."""
    vad: VadParams = field(default_factory=VadParams)
    preroll_s: float = 0.3
    """Audio kept before speech starts, so the recognizer hears the first consonant."""
    lead_s: float = 0.12
    """Audio queued at Twilio ahead of real time: what a barge-in cannot take back."""
    mark_grace_s: float = 3.0
    """How long past its audio the last utterance's mark may take before the call ends anyway."""
    last_words_s: float = 2.0
    """When the caller hangs up mid-sentence: how long the recognizer may take to finalise
    their last utterance (`telephony.last_words`)."""
    last_turn_s: float = 5.0
    """Then how long the conversation may take over those words before the call is closed."""


class VoiceService:
    """The process's shared voice resources, handed to each `telephony.session.CallSession`.

    Args:
        recognizers: Hands out one recognizer per call (Vosk; scripted in some tests).
        synthesis: The shared Piper synthesizer.
        params: Timings.
        observers: Call-event observers added to every call (metrics and logs by default).
    """

    def __init__(
        self,
        recognizers: RecognizerFactory,
        synthesis: PiperSynthesizer,
        *,
        params: VoiceParams | None = None,
        observers: Sequence[CallObserver] | None = None,
    ) -> None:
        self.recognizers = recognizers
        self.synthesis = synthesis
        self.params = params or VoiceParams()
        self.observers: list[CallObserver] = list(
            observers if observers is not None else (LatencyMetrics(), CallLog())
        )
        self.replies = ReplyAudioCache()
        self._prompt_audio: dict[tuple[str, ...], PromptAudio] = {}
        self._building: tuple[str, ...] | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings) -> VoiceService:
        """The real engines (Vosk and Piper) for these settings (blocking, ~3 s the first time)."""
        engines = load_speech_engines(settings)
        return cls(engines.recognition, engines.synthesis)

    def prompt_audio(self, practice: PracticeConfig, *, wait: bool = False) -> PromptAudio:
        """The fixed phrases for this practice.

        A call never waits for them: when they are not built yet (the first call after staff
        changed the practice's name, greeting or numbers), the call gets what was built for the
        previous settings (its phrases found by text, so stale ones are simply not used) and
        synthesises the rest as it speaks, while one background thread builds the new set.
        ``wait`` builds it now (blocking: at start-up, in a thread).
        """
        key = tuple(sorted(r.text for r in dialogue.ready_replies(practice)))
        with self._lock:
            audio = self._prompt_audio.get(key)
            if audio is not None:
                return audio
            fallback = next(iter(self._prompt_audio.values()), PromptAudio({}))
            building = self._building == key
            if not wait and not building:
                self._building = key
                threading.Thread(
                    target=self._build, args=(key, practice), name="prompt-audio", daemon=True
                ).start()
        if wait:
            return self._build(key, practice)
        return fallback

    def _build(self, key: tuple[str, ...], practice: PracticeConfig) -> PromptAudio:
        audio = build_prompt_audio(self.synthesis, practice)
        with self._lock:
            # Only the current configuration's phrases are worth keeping.
            self._prompt_audio = {key: audio}
            if self._building == key:
                self._building = None
        return audio


def _load_into(context: AppContext) -> VoiceService:
    with _LOAD_LOCK:
        service = context.speech
        if not isinstance(service, VoiceService):
            service = VoiceService.load(context.settings)
            context.speech = service
        return service


async def voice_service(context: AppContext) -> VoiceService:
    """The context's voice service, loading the real engines in a thread the first time.

    Raises:
        telephony.speech_models.ModelMissingError: No usable speech model.
    """
    if isinstance(context.speech, VoiceService):
        return context.speech
    return await run_in_threadpool(_load_into, context)


def preload_voice(context: AppContext) -> VoiceService:
    """Load the engines and this practice's prompts now (blocking; at start-up, in a thread)."""
    service = _load_into(context)
    service.prompt_audio(context.practice, wait=True)
    return service
