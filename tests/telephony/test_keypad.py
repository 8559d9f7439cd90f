"""Keypad digits gathered into answers: at once for a choice, up to # or a pause for numbers."""

from __future__ import annotations

import asyncio

from telephony.keypad import Keypad


def test_a_choice_is_handed_over_at_once() -> None:
    async def main() -> list[str]:
        got: list[str] = []
        keypad = Keypad(got.append)
        keypad.press("1", number=False)
        return got

    assert asyncio.run(main()) == ["1"]


def test_a_number_waits_for_hash_or_a_pause() -> None:
    async def main() -> list[str]:
        got: list[str] = []
        keypad = Keypad(got.append, pause_s=0.05)
        for digit in "1203":
            keypad.press(digit, number=True)
        assert got == [] and keypad.pending
        keypad.press("#", number=True)
        assert got == ["1203"] and not keypad.pending
        for digit in "0612":
            keypad.press(digit, number=True)
        await asyncio.sleep(0.15)
        return got

    assert asyncio.run(main()) == ["1203", "0612"]


def test_a_stuck_key_does_not_grow_the_answer_forever() -> None:
    async def main() -> list[str]:
        got: list[str] = []
        keypad = Keypad(got.append, max_digits=8)
        for _ in range(50):
            keypad.press("9", number=True)
        keypad.press("#", number=True)
        keypad.cancel_timer()
        return got

    assert asyncio.run(main()) == ["9" * 8]
