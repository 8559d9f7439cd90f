"""A caller's plain French yes or no, understood without the NLU.

For questions the dialogue must not see (the telephony layer's recording consent), where a
wrong "yes" has consequences: only an utterance made entirely of yes phrases (or entirely of
no phrases), give or take politeness ("oui bien sûr merci", "euh non merci"), counts. Anything
else, a mixed answer ("non pas de problème") or a request ("je voudrais un rendez-vous"), is
not an answer: `parse_yes_no` returns None and the caller's words can go to the dialogue.
A greeting makes it no answer too: "allô, oui ?" is how the French pick up a phone, not a yes.
`is_small_talk` tells such words (greetings, politeness, yes and no) from a request.
"""

from __future__ import annotations

import re

from dialogue.french.normalize import fold_accents, normalize_transcript

# Accent-folded, as the text is folded before matching.
_YES = (
    "oui", "ouais", "ok", "okay", "d'accord", "bien sur", "tout a fait", "absolument",
    "volontiers", "j'accepte", "j'accepte volontiers", "je suis d'accord", "entendu",
    "ca me va", "ca ne me derange pas", "pas de probleme", "pas de souci", "aucun probleme",
    "allez-y", "allez y", "vous pouvez", "vous pouvez enregistrer", "je veux bien", "affirmatif",
    "c'est d'accord", "bien entendu", "evidemment", "parfait", "c'est parfait", "tres bien",
    "exactement", "c'est ca", "c'est bien ca", "ca marche", "impeccable", "tout a fait ca",
)
_NO = (
    "non", "pas question", "hors de question", "surtout pas", "pas du tout", "je refuse",
    "je ne veux pas", "je veux pas", "je n'accepte pas", "j'accepte pas", "pas d'accord",
    "je ne suis pas d'accord", "je suis pas d'accord", "negatif", "je ne prefere pas",
    "je prefere pas", "je prefere que non", "sans facon", "pas besoin", "ca ira", "non non",
    "n'enregistrez pas", "ne m'enregistrez pas", "pas d'enregistrement",
)
_POLITE = (
    "merci", "merci beaucoup", "s'il vous plait", "madame", "monsieur", "ben", "ah", "oh", "bah",
    "alors", "bon", "voila", "c'est bon", "ca va",
)


_GREETINGS = ("allo", "bonjour", "bonsoir", "salut", "oui allo", "allo oui", "vous m'entendez")

_KINDS = {
    **dict.fromkeys(_GREETINGS, "greeting"),
    **dict.fromkeys(_POLITE, "polite"),
    **dict.fromkeys(_YES, "yes"),
    **dict.fromkeys(_NO, "no"),
}
# One alternation, longest phrase first: "j'accepte pas" is a no, not a yes and a leftover.
_PHRASE = re.compile(
    "("
    + "|".join(re.escape(p) for p in sorted(_KINDS, key=len, reverse=True))
    + r")(?: |$)"
)


def _kinds(text: str) -> set[str] | None:
    """The kinds of phrase the utterance is made of; None when something else is in it."""
    rest = fold_accents(normalize_transcript(text))
    said: set[str] = set()
    while rest:
        match = _PHRASE.match(rest)
        if match is None:
            return None
        said.add(_KINDS[match.group(1)])
        rest = rest[match.end() :]
    return said


def parse_yes_no(text: str) -> bool | None:
    """True for a plain yes, False for a plain no, None for anything else.

    Args:
        text: What the caller said (recognised or typed), any case and punctuation.

    Returns:
        The answer, or None when the utterance is empty, mixed, a greeting, or says something
        else.
    """
    said = _kinds(text)
    if not said or "greeting" in said:
        return None
    answer = said & {"yes", "no"}
    return True if answer == {"yes"} else False if answer == {"no"} else None


def is_small_talk(text: str) -> bool:
    """True when the utterance holds nothing but greetings, politeness, yes and no."""
    return bool(_kinds(text))
