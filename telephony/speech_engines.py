"""Loads the process's speech engines once: recognition (Vosk) and synthesis (Piper).

Which model files are used is decided by `telephony.speech_models.resolve_speech_models`: the
French models when downloaded, else the packaged stand-ins. Loading takes ~2–3 s and ~0.8 GB, so
the gateway calls `load_speech_engines` once at startup (in a thread) and every call shares
the result; `build_prompt_audio` then synthesises the fixed prompts. Recognition runs in
supervised worker processes (`telephony.stt_workers`, the ``vosk_workers`` setting), which load
the model themselves; with ``vosk_workers=0`` it runs in this process's threads.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, replace

import dialogue
from core import PracticeConfig, Settings
from telephony.codec import SAMPLE_RATE, ulaw_to_pcm16
from telephony.speech_models import SpeechModels, resolve_speech_models
from telephony.stt_vosk import VoskEngine, VoskParams
from telephony.stt_workers import RecognitionWorkers, WorkerParams
from telephony.tts_piper import PiperParams, PiperSynthesizer, PromptAudio
from telephony.vosk_search import TIGHT, VoskSearch, searched_model

_LOGGER = logging.getLogger(__name__)
WARM_UP = (
    "Bonjour, je voudrais prendre un rendez-vous pour la semaine prochaine, merci.",
    "Oui.",
    "Non, merci.",
    "Mardi après-midi, vers quinze heures.",
    "Martin, Sophie Martin.",
    "C'est pour renouveler mon ordonnance.",
)
"""What every warm recognizer decodes before its first call, as separate turns: the kinds of
answer callers give (a request, yes and no, a day and a time, a name). A recognizer expands
the decoding graph for itself as it meets new speech (voice-costs V6), and a pool warmed on one
sentence paid 2–4× the CPU on the next ones: when many callers finish at once, that CPU is
their wait."""
_WARM_UP_PAUSE_S = 1.0
"""Digital silence after each of the warm-up's sentences: several of the recognizer's batches
long, so that whole batches of it close the sentence as a turn of its own
(`telephony.vosk_passes.warm_up`)."""
_ENGINES: dict[tuple[SpeechModels, VoskSearch, VoskParams, int, PiperParams], SpeechEngines] = {}
DECODING_SHARE = 0.8
"""Of the machine's cores, what recognition counts on when choosing a search (the rest: synthesis,
dialogue, the event loop)."""
SEARCH_VIEWS = "vosk-search"
"""Folder of the var dir holding tuned views of the Vosk model (`telephony.vosk_search`)."""
_LOCK = threading.Lock()


@dataclass(frozen=True)
class SpeechEngines:
    """The shared engines of this process."""

    models: SpeechModels
    recognition: RecognitionWorkers | VoskEngine
    """Worker processes, or this process's threads when ``vosk_workers`` is 0."""
    synthesis: PiperSynthesizer
    search: VoskSearch


def vosk_search(settings: Settings) -> VoskSearch:
    """The decoding search these settings ask for."""
    return VoskSearch(
        max_active=settings.vosk_max_active,
        min_active=settings.vosk_min_active,
        beam=settings.vosk_beam,
        lattice_beam=settings.vosk_lattice_beam,
    )


def load_speech_engines(
    settings: Settings,
    *,
    vosk: VoskParams | None = None,
    piper: PiperParams | None = None,
    prewarm: int | None = None,
    workers: int | None = None,
) -> SpeechEngines:
    """The engines for these settings, loaded on first use (blocking; thread-safe).

    Args:
        settings: Where the French models would be.
        vosk: Recognition threads and pool size.
        piper: Synthesis threads and espeak voice.
        prewarm: Recognizers created and warmed up ahead of the first calls (default: the
            ``vosk_warm_recognizers`` setting).
        workers: Recognition worker processes (default: the ``vosk_workers`` setting; 0 for
            recognition in this process).

    Raises:
        telephony.speech_models.ModelMissingError: No usable model.
    """
    models = resolve_speech_models(settings)
    search = vosk_search(settings)
    prewarm = settings.vosk_warm_recognizers if prewarm is None else prewarm
    workers = settings.vosk_workers if workers is None else workers
    vosk = vosk or VoskParams(max_idle=max(VoskParams.max_idle, prewarm))
    views = settings.standardiste_var_dir / SEARCH_VIEWS
    if settings.vosk_adaptive_search and search != TIGHT and not vosk.tight_model:
        vosk = replace(
            vosk,
            tight_model=str(searched_model(models.vosk_model, TIGHT, views)),
            decoding_cores=DECODING_SHARE * (os.cpu_count() or 1) / max(1, workers),
        )
    piper = piper or PiperParams(espeak_voice=models.espeak_voice)
    key = (models, search, vosk, workers, piper)
    with _LOCK:
        engines = _ENGINES.get(key)
        if engines is None:
            synthesis = PiperSynthesizer.load(models.piper_voice, models.piper_config, piper)
            model = searched_model(models.vosk_model, search, views)
            warm_up = warm_up_speech(synthesis) if prewarm else b""
            recognition: RecognitionWorkers | VoskEngine
            if workers:
                params = WorkerParams(workers=workers, vosk=vosk, warm_recognizers=prewarm)
                recognition = RecognitionWorkers(model, params, warm_speech=warm_up)
                recognition.start()
            else:
                recognition = VoskEngine(model, vosk)
                # As in the workers: the server starts at once, the pool fills behind it.
                recognition.prewarm_in_background(prewarm, warm_up)
            _LOGGER.info(
                "speech engines loaded: Vosk search %s%s, warming %d recognizers, %s",
                search.options or "as the model ships it",
                f" (under load: {TIGHT.options})" if vosk.tight_model else "", prewarm,
                f"{workers} recognition worker processes" if workers else "recognition in-process",
            )
            engines = SpeechEngines(models, recognition, synthesis, search)
            _ENGINES[key] = engines
        return engines


def warm_up_speech(synthesis: PiperSynthesizer) -> bytes:
    """`WARM_UP` said by our own voice through the phone line (8 kHz 16-bit PCM), a second of
    silence after each sentence: speech-like enough to expand the part of the decoding graph
    callers need (blocking: ~1 s of synthesis)."""
    pause = bytes(2 * round(_WARM_UP_PAUSE_S * SAMPLE_RATE))
    return b"".join(
        ulaw_to_pcm16(b"".join(synthesis.synthesize_frames(text))).tobytes() + pause
        for text in WARM_UP
    )


def build_prompt_audio(synthesis: PiperSynthesizer, practice: PracticeConfig) -> PromptAudio:
    """Synthesise the catalogue's fixed phrases as this practice says them (blocking: ~1–3 s)."""
    return PromptAudio.build(synthesis, [r.text for r in dialogue.ready_replies(practice)])
