"""Whether the words heard so far already answer the question just asked.

The voice channel ends a caller's turn after a silence. When the words so far are a complete
answer to what the assistant asked (a plain yes or no, a whole date of birth, a valid phone
number, a first and last name, a choice among the slots read out), a short silence is enough:
nothing the caller might add would change the answer. Otherwise the channel keeps its longer
window, in which people pause between groups of digits or before the rest of a sentence.

Wrong in one direction only, on purpose: when in doubt the answer is "not yet" (the longer
window), since cutting a caller off costs far more than a few hundred milliseconds. So a number
that may still grow ("mille neuf cent…", "soixante…", "quatre-vingt…": anything ending in 0)
is never complete, nor a name made only of first names ("jean pierre…").

Pure: the text and what was asked in, a yes or no out; ``today`` only bounds dates of birth.
"""

from __future__ import annotations

import re
from datetime import date

from dialogue.conversation import Expecting
from dialogue.french.birth_date import parse_birth_date
from dialogue.french.names import is_first_name, split_full_name
from dialogue.french.normalize import flat_text, normalize_transcript
from dialogue.french.phone_numbers import parse_french_phone
from dialogue.french.yes_no import parse_yes_no

__all__ = ["answers_question"]

_MAY_GO_ON = re.compile(r"\d*0$")
"""A last number that may be the start of a longer one ("1900" → "1954", "60" → "78")."""
_CENTURY_SAID = "19"
"""A year said by its hundreds ("dix-neuf cent cinquante"): "19" may be its first word."""
_CHOICE = re.compile(
    r"^(?:(?:celui|celle|c est|ce sera|plutot|je prends|je prendrai|je veux bien|le|la|l|pour)"
    r" )*"
    r"(?:(?:le |la |l )?(?:\d{1,2}(?:er|ere|eme|e|nd|nde)|premier|premiere|second|seconde"
    r"|dernier|derniere|avant dernier|avant derniere)"
    r"|aucun|aucune|ni l un ni l autre|ni l une ni l autre|n importe lequel|n importe laquelle"
    r"|peu importe|l un ou l autre|l une ou l autre)"
    r"(?: ne (?:me )?(?:convient|va))?"
    r"(?: (?:s il vous plait|merci|svp))*$"
)


def answers_question(expecting: Expecting, text: str, today: date | None = None) -> bool:
    """True when ``text`` (the recognizer's words so far) is a complete answer to the question.

    Args:
        expecting: What the assistant's last question waits for (`dialogue.Expecting`).
        text: The partial transcript, as the recognizer writes it (or typed).
        today: The practice's date, which bounds a date of birth (default: today's).

    Returns:
        True for a plain yes or no to a yes/no question, a whole and possible date of birth, a
        valid phone number, a first and a last name, or a choice among the slots read out
        (a position, none of them, any of them); False otherwise, and always for an open
        question or a message.
    """
    said = normalize_transcript(text)
    if not said:
        return False
    if expecting is Expecting.CONFIRMATION:
        return parse_yes_no(said) is not None
    if expecting is Expecting.CHOICE:
        return _CHOICE.match(flat_text(said)) is not None
    if expecting is Expecting.NAME:
        return _full_name(said)
    last = said.split()[-1]
    if _MAY_GO_ON.fullmatch(last):
        return False
    if expecting is Expecting.DATE_OF_BIRTH:
        if last == _CENTURY_SAID:
            return False
        return parse_birth_date(said, today or date.today()) is not None
    if expecting is Expecting.PHONE_NUMBER:
        return parse_french_phone(said) is not None
    return False


def _full_name(said: str) -> bool:
    name = split_full_name(said)
    if name is None or not name.complete or name.unsure:
        return False
    # "jean pierre" may be a compound first name with the last name still to come.
    return not all(is_first_name(word) for word in said.split())
