"""Every French word the agenda shows staff or calendar applications, in one place."""

from __future__ import annotations

# Staff API error messages, by `AgendaError.code`.
ERROR_MESSAGES: dict[str, str] = {
    "not-found": "Élément introuvable (praticien, type de rendez-vous, patient ou rendez-vous).",
    "not-offered": "Ce type de rendez-vous n'est pas proposé ainsi (praticien ou téléphone).",
    "invalid-slot": "Créneau invalide : il doit commencer sur une grille de 5 minutes "
    "et respecter les horaires, le délai minimal et l'horizon de réservation.",
    "slot-unavailable": "Ce créneau vient d'être pris "
    "ou est réservé provisoirement par un appelant.",
    "hold-not-found": "La réservation provisoire a expiré ou n'existe plus.",
    "wrong-state": "Ce rendez-vous n'est plus dans un état qui permet cette opération.",
    "identity-not-confirmed": "Identité non confirmée : la date de naissance ne correspond pas.",
    "agenda-error": "Opération impossible sur l'agenda.",
}

# The name of a practitioner's calendar in calendar applications.
FEED_NAME = "Rendez-vous – {practitioner}"
# An event's title: appointment type and patient.
# Initials only: a subscribed calendar often syncs through a cloud service, and patient names
# must not leave the practice's server that way.
EVENT_SUMMARY = "{label} – {initials}"
EVENT_SUMMARY_CANCELLED = "Annulé : {label} – {initials}"


def patient_display(last_name: str, first_name: str) -> str:
    """How a patient is named on screens and in FHIR ``display``: ``DUPONT Jeanne``."""
    return f"{last_name.upper()} {first_name}".strip()
