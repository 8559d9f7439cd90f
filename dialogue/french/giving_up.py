"""A caller giving up in the middle of a request: "laissez tomber, je rappellerai", "tant pis,
au revoir", "non merci ça ira", "c'est pas la peine".

Read before the NLU (like `asking_again`): whatever the question, these words end the call
politely instead of being taken as a name or a type, and the request as it stands goes to the
inbox. Word families, not sentences, so that the ways patients say it are heard.
"""

from __future__ import annotations

import re

from dialogue.french.normalize import flat_text, normalize_transcript

__all__ = ["gives_up"]

# A long sentence is a message or a request ("je rappellerai pour les résultats, dites au
# docteur que…"), not a way out.
_MAX_WORDS = 14
# Each of these ends the request wherever it stands in the sentence.
_LEAVING = re.compile(
    r"\b(?:"
    r"lai?ss(?:e|ez|ons|er) (?:tomber|courir|beton)"
    r"|(?:je|j|on) (?:vous |te )?(?:rappellerai|rappelerai|rappellera|retelephonerai"
    r"|retelephonera|reappellerai|reessaierai|reessayerai)"
    r"|(?:je|j|on) (?:vais|va|prefere) (?:vous |te )?(?:rappeler|retelephoner|reappeler"
    r"|reessayer)"
    r"|(?:rappeler|rappelle|retelephoner|retelephone) (?:plus tard|demain|un autre jour"
    r"|une autre fois|la semaine prochaine)"
    r"|j abandonne|on abandonne"
    r"|(?:je|on) (?:verrai|verra|reverrai|reverra) (?:ca |cela )?(?:plus tard|demain"
    r"|une autre fois)"
    r"|(?:ce sera|c sera) pour une autre fois"
    r")\b"
)
# These end it only as the last words ("bon ben tant pis"): "tant pis si c'est l'autre
# docteur" still answers the question.
_LAST = re.compile(r"(?:tant pis|pas la peine)$")
# Leaving one request for another ("laissez tomber le rendez-vous, c'est pour une ordonnance en
# fait") is no giving up: the dialogue starts the other.
_INSTEAD = re.compile(
    r"\b(?:en fait|plutot|je voudrais|j aimerais|je veux|il me faut|il me faudrait"
    r"|c est pour|j ai besoin|je prefererais)\b"
)
# A plain "au revoir" is the dialogue's own goodbye; after "tant pis" it is giving up.
_COURTESY = re.compile(
    r"(?: (?:merci|alors|hein|madame|monsieur|bon|ben|voila|quand meme|beaucoup|au revoir"
    r"|bonne journee|bonne soiree))+$"
)
# Enough only after a "no" and without a "yes": "oui ça ira", "le premier ça ira" accept.
_ENOUGH = re.compile(r"\b(?:ca ira|ca va aller|ca va ira)\b")
_NO = re.compile(r"\b(?:non|merci)\b")
_YES = re.compile(r"\b(?:oui|ouais|d accord|ok|parfait|tres bien)\b")


def gives_up(text: str) -> bool:
    """Whether ``text`` gives up the request in progress (see the module)."""
    flat = " ".join(flat_text(normalize_transcript(text)).split())
    if not flat or len(flat.split()) > _MAX_WORDS or _INSTEAD.search(flat):
        return False
    if _LEAVING.search(flat):
        return True
    if _YES.search(flat):
        return False
    if _LAST.search(_COURTESY.sub("", flat)):
        return True
    return bool(_ENOUGH.search(flat) and _NO.search(flat))
