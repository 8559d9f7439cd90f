"""A simulated call as ``standardiste call`` prints it: the transcript with its timings."""

from __future__ import annotations

from standardiste.simulator.twilio_peer import SimulatedCall


def report(call: SimulatedCall) -> str:
    """The transcript with timings, as printed by ``standardiste call``."""
    lines = [f"call {call.call_sid} (mode {call.mode or 'none'})"]
    if call.greeting_latency_s is not None:
        lines.append(f"  greeting: first audio {call.greeting_latency_s * 1000:.0f} ms after start")
    turn = 0
    for at, who, what in call.lines:
        suffix = ""
        if who == "caller":
            latency = call.turn_latencies_s[turn] if turn < len(call.turn_latencies_s) else None
            suffix = f"   → answer after {latency * 1000:.0f} ms" if latency is not None else ""
            turn += 1
        lines.append(f"  {at:7.2f}s  {who:<9} {what}{suffix}")
    lines.append(f"  clears: {call.clears}; stream closed with {call.close_code}")
    if call.next_twiml:
        lines.append(f"  then: {call.next_twiml}")
    return "\n".join(lines)
