"""Keypad digits (DTMF) gathered into one answer.

Twilio sends one ``dtmf`` message per key. A yes/no (1/2) or a menu choice is handed over at
once; a number being keyed in (a date of birth, a phone number) is gathered until ``#`` or a
pause, because callers key in groups and do not always end with ``#``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Keypad:
    """One call's keypad buffer.

    Args:
        deliver: Receives each complete answer (on the event loop).
        pause_s: Silence on the keypad that ends a number being keyed in.
        max_digits: Keys kept for one answer (a stuck key must not grow it forever).
    """

    def __init__(
        self, deliver: Callable[[str], None], *, pause_s: float = 3.0, max_digits: int = 20
    ) -> None:
        self._deliver = deliver
        self._pause_s = pause_s
        self._max = max_digits
        self._digits = ""
        self._timer: asyncio.TimerHandle | None = None

    @property
    def pending(self) -> bool:
        """True while keys of an unfinished answer are held."""
        return bool(self._digits)

    def press(self, digit: str, *, number: bool, end_key: bool = False) -> None:
        """One key; ``number`` when the assistant asked for a number to key in; ``end_key``
        when ``#`` alone means something (the end of a message) and is handed over as is."""
        self.cancel_timer()
        if digit == "#" and end_key and not self._digits:
            self._deliver(digit)
            return
        if digit != "#":
            self._digits = (self._digits + digit)[: self._max]
        if digit == "#" or not number:
            self.flush()
        else:
            self._timer = asyncio.get_running_loop().call_later(self._pause_s, self.flush)

    def flush(self) -> None:
        """Hand over the keys held, if any."""
        self.cancel_timer()
        digits, self._digits = self._digits, ""
        if digits:
            self._deliver(digits)

    def cancel_timer(self) -> None:
        """Stop waiting for more keys (the call is ending, or a key just came)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
