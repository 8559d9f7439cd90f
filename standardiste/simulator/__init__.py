"""The call simulator: plays Twilio against a running gateway over the Media Streams protocol.

A tool of the assembly, not of the product: ``standardiste call``, the benchmarks and the tests
place calls with it. It reaches telephony only through its face.

- `twilio_peer`: the webhook, the TwiML and the WebSocket from Twilio's side (`simulate_call`);
- `callers`: the caller's turns (WAV files, sentences synthesised by Piper, keys);
- `runner`: one blocking call from the settings (`run_simulator`);
- `reporting`: the transcript with its timings, as ``standardiste call`` prints it.
"""

from standardiste.simulator.callers import CallerTurn, caller_turns, wav_frames, write_wav
from standardiste.simulator.reporting import report
from standardiste.simulator.runner import SimulatorError, run_simulator
from standardiste.simulator.twilio_peer import (
    SimulatedCall,
    Twilio,
    parse_twiml,
    sign,
    simulate_call,
)

__all__ = [
    "CallerTurn",
    "SimulatedCall",
    "SimulatorError",
    "Twilio",
    "caller_turns",
    "parse_twiml",
    "report",
    "run_simulator",
    "sign",
    "simulate_call",
    "wav_frames",
    "write_wav",
]
