"""What a booking request says besides « un rendez-vous »: a missed appointment to make up for
(« j'ai raté mon rendez-vous de ce matin »), or a question about coming without one (« est-ce
que je peux venir sans rendez-vous ? »). Both still lead to a booking; the first reply answers
them instead of a bare « Très bien, un rendez-vous. »."""

from __future__ import annotations

import re

from dialogue.french.normalize import normalize_transcript

_MISSED_WORDS = r"(?:raté|rater|manqué|loupé|oublié|zappé|séché)"
_MISSED = re.compile(
    rf"\b{_MISSED_WORDS}\b(?: \S+){{0,3}}? (?:mon |le |son |notre |ce |un )?rendez-vous\b"
    rf"|\brendez-vous\b(?: \S+){{0,8}}? (?:je l'ai |j'ai |on l'a |il l'a |elle l'a )"
    rf"{_MISSED_WORDS}\b"
    r"|\b(?:pas pu|n'ai pas pu|n'a pas pu|pas réussi à) (?:venir|aller|me rendre|honorer)\b"
    r"(?: \S+){0,4}? rendez-vous\b"
)
_WALK_IN = re.compile(
    r"\bsans (?:prendre |avoir |de )?(?:de )?(?:rendez-vous|rdv)\b"
    r"|\bconsultations? (?:libres?|sans)\b|\bpasser directement\b|\bvenir directement\b"
)


def missed_appointment(text: str) -> bool:
    """Whether the caller says they missed an appointment (to book another)."""
    return bool(_MISSED.search(normalize_transcript(text)))


def walk_in_question(text: str) -> bool:
    """Whether the caller asks about coming without an appointment."""
    return bool(_WALK_IN.search(normalize_transcript(text)))
