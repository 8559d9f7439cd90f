"""French words of the inbox pages produced from Python (kind, status and urgency labels come
from `transcripts.labels_fr`; the rest of the wording is in the templates)."""

from __future__ import annotations

SPEAKER_LABELS: dict[str, str] = {"caller": "Appelant", "assistant": "Assistant"}

STATUS_FILTERS: dict[str, str] = {
    "open": "À traiter (nouveaux et en cours)",
    "new": "Nouveaux",
    "in_progress": "En cours",
    "done": "Traités",
    "all": "Tous",
}

CHANNEL_LABELS: dict[str, str] = {"voice": "appel téléphonique", "chat": "essai écrit"}

APPOINTMENT_STATUS_LABELS: dict[str, str] = {
    "booked": "confirmé",
    "cancelled": "annulé",
    "noshow": "patient absent",
    "fulfilled": "honoré",
    "entered-in-error": "saisi par erreur",
}

MESSAGE_MISSING = "Ce message n'existe plus (traité et purgé, ou adresse erronée)."
PATIENT_VERIFIED = "Fiche patient confirmée."
PATIENT_MISSING = "Cette fiche patient n'existe plus."
BAD_BIRTH_DATE = "Date de naissance invalide : la fiche n'a pas été modifiée."
BAD_PHONE = "Numéro de téléphone illisible : la fiche n'a pas été modifiée."

DETAIL_LABELS: dict[str, str] = {
    "medicines": "Médicaments",
    "certificate_kind": "Certificat",
    "topic": "Sujet",
    "text": "Ses mots",
    "reason": "Motif",
    "category": "Catégorie",
    "wish": "Souhait",
    "interrupted": "Appel interrompu",
}
