"""French words of the staff pages about texts to patients (settings, « Aujourd'hui », inbox)."""

from __future__ import annotations

TEXT_KIND_LABELS: dict[str, str] = {
    "booked": "Confirmation",
    "moved": "Déplacement",
    "cancelled": "Annulation",
    "reminder": "Rappel",
    "ready": "Document disponible",
}
TEXT_STATE_LABELS: dict[str, str] = {
    "planned": "prévu",
    "pending": "en attente",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "failed": "échec",
    "skipped": "non envoyé",
}
DELIVERY_LABELS: dict[str, str] = {
    "accepted": "accepté par Twilio",
    "queued": "en file chez Twilio",
    "sending": "en cours d'envoi",
    "sent": "parti vers l'opérateur",
    "delivered": "reçu par le patient",
    "read": "lu",
    "undelivered": "non remis",
    "failed": "non remis",
    "canceled": "annulé",
}
# Why a text was not sent (our codes, then Twilio's error codes).
REASON_LABELS: dict[str, str] = {
    "opted-out": "le patient a répondu STOP",
    "refused": "le patient ne veut pas de SMS",
    "landline": "numéro fixe",
    "invalid-number": "numéro invalide",
    "no-number": "pas de numéro",
    "disabled": "désactivé dans les réglages",
    "expired": "trop tard pour ce rappel",
    "past": "rendez-vous passé",
    "moved": "rendez-vous déplacé",
    "appointment-cancelled": "rendez-vous annulé",
    "appointment-status": "rendez-vous clos",
    "appointment-missing": "rendez-vous introuvable",
    "message-missing": "message introuvable",
    "21211": "numéro invalide (Twilio)",
    "21610": "numéro désinscrit (STOP)",
    "21614": "pas un mobile (Twilio)",
    "21408": "pays non autorisé sur le compte Twilio",
    "21612": "numéro injoignable par SMS",
    "20003": "identifiants Twilio refusés",
    "20429": "Twilio saturé, nouvel essai",
    "30003": "téléphone éteint ou injoignable",
    "30005": "numéro inconnu de l'opérateur",
    "30006": "numéro fixe",
    "30007": "filtré par l'opérateur",
}
LEAD_LABEL = "{hours} h avant"
NO_TEXTS = "aucun"

READY_OUTCOMES: dict[str, str] = {
    "queued": "SMS « document disponible » programmé : il part dans quelques secondes.",
    "already": "Ce SMS a déjà été demandé pour ce message.",
    "disabled": "Les SMS « document disponible » sont désactivés dans les réglages.",
    "not-a-document": "Ce message n'attend pas de document.",
    "missing": "Ce message n'existe plus.",
    "no-number": "Pas de numéro pour ce patient : prévenez-le par téléphone.",
    "invalid-number": "Le numéro du patient est invalide : prévenez-le par téléphone.",
    "landline": "Le numéro du patient est un fixe : prévenez-le par téléphone.",
    "opted-out": "Ce patient a refusé les SMS (STOP) : prévenez-le par téléphone.",
}
READY_BUTTONS: dict[str, str] = {
    "prescription": "Envoyer « votre ordonnance est disponible »",
    "certificate": "Envoyer « votre certificat est disponible »",
    "document": "Envoyer « votre document est disponible »",
}

SMS_NOT_CONFIGURED = (
    "Twilio Messaging n'est pas configuré sur ce serveur (TWILIO_ACCOUNT_SID, "
    "TWILIO_MESSAGING_FROM, voir le README) : les SMS attendront qu'il le soit."
)
WHERE_LEAD_TIMES = "Délais des rappels"
BAD_LEAD_TIMES = (
    "{where} : « {value} » n'est pas une liste d'heures (exemple : 48, 2), de 1 à 336, "
    "quatre au plus."
)
