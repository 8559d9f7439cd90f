"""Every French word the secretariat reads in the inbox: labels and summary templates.

Summaries are one line, built from what the dialogue understood, e.g.
``Renouvellement d'ordonnance — DUPONT Marie, né(e) le 12/03/1954 — Levothyrox 75 —
rappeler au 06 •• •• •• 12``.
"""

from __future__ import annotations

from transcripts.models import MessageKind, MessageStatus, Urgency

KIND_LABELS: dict[MessageKind, str] = {
    MessageKind.RENEWAL: "Renouvellement d'ordonnance",
    MessageKind.CERTIFICATE: "Certificat médical",
    MessageKind.SICK_LEAVE: "Arrêt de travail",
    MessageKind.MESSAGE: "Message",
    MessageKind.CALLBACK: "Rappel",
    MessageKind.EMERGENCY: "Urgence",
    MessageKind.FAILED_BOOKING: "Rendez-vous non abouti",
    MessageKind.SMS: "SMS reçu",
    MessageKind.APPOINTMENT_HANDLED: "Rendez-vous traité par l'assistant",
}

URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.URGENT: "urgent",
    Urgency.HIGH: "prioritaire",
    Urgency.NORMAL: "normal",
}

STATUS_LABELS: dict[MessageStatus, str] = {
    MessageStatus.NEW: "nouveau",
    MessageStatus.IN_PROGRESS: "en cours",
    MessageStatus.DONE: "traité",
}

CERTIFICATE_LABELS: dict[str, str] = {
    "sport": "sport",
    "school": "école ou crèche",
    "work": "travail",
    "other": "autre",
}

TOPIC_LABELS: dict[str, str] = {
    "results": "résultats",
    "billing": "facturation",
    "administrative": "administratif",
    "medical_question": "question médicale",
    "other": "autre",
}

CALLBACK_REASONS: dict[str, str] = {
    "not_understood": "demande non comprise",
    "silence": "appelant silencieux",
    "dropped": "appel interrompu",
    "technical": "incident technique",
    "no_stream": "appel resté sans réponse (incident technique)",
    "transfer_failed": "transfert au secrétariat sans réponse",
}

EMERGENCY_CATEGORIES: dict[str, str] = {
    "unconscious": "personne inconsciente",
    "breathing": "détresse respiratoire",
    "chest_pain": "douleur thoracique",
    "stroke": "signes d'AVC",
    "bleeding": "saignement important",
    "pregnancy": "grossesse (perte des eaux, contractions, saignement)",
    "infant": "nourrisson en danger",
    "seizure": "convulsions",
    "allergy": "réaction allergique grave",
    "poisoning": "intoxication",
    "suicidal": "propos suicidaires",
    "burns": "brûlure grave",
    "fall_injury": "chute ou traumatisme",
    "severe_pain": "douleur intense ou brutale",
    "general": "détresse signalée",
}

BOOKING_REQUESTS: dict[str, str] = {
    "book": "prendre rendez-vous",
    "move": "déplacer un rendez-vous",
    "cancel": "annuler un rendez-vous",
    "check": "connaître la date de son rendez-vous",
}

BOOKING_DONE: dict[str, str] = {
    "book": "Rendez-vous pris pendant l'appel",
    "move": "Rendez-vous déplacé pendant l'appel",
    "cancel": "Rendez-vous annulé pendant l'appel",
    "check": "Date de rendez-vous donnée pendant l'appel",
}
DONE_BY_ASSISTANT = "demande reprise après une autre et faite par l'assistant, rien à faire"

SEPARATOR = " — "
UNKNOWN_CALLER = "appelant non identifié"
BIRTH = "né(e) le {date}"
CALL_BACK = "rappeler au {number}"
NO_NUMBER = "numéro inconnu"
INTERRUPTED = "appel interrompu"
ON_BEHALF = "appel d'un proche (lien : {relation})"
ON_BEHALF_UNSAID = "appel d'un tiers"
SET_ASIDE = "laissée pour une autre demande en cours d'appel"
TRANSFER_FAILED = "transfert au secrétariat sans réponse"
SAID = "« {text} »"
BOOKING_WISH = "souhaitait {request}"
BOOKING_WISH_DETAIL = "souhaitait {request} : {wish}"
EMERGENCY_DETAIL = "{category}, orienté vers le 15 / 112"
EMERGENCY_DETAIL_SUICIDAL = "{category}, orienté vers le 3114 / 15"
EMERGENCY_UNKNOWN = "urgence signalée"
EMERGENCY_DOUBT = "doute : {category} évoqué(e), l'appelant a dit que ce n'était pas une urgence"
EMERGENCY_UNANSWERED = "question « est-ce une urgence ? » restée sans réponse"


def kind_label(kind: str) -> str:
    """The French label of a message kind (the raw value when unknown)."""
    try:
        return KIND_LABELS[MessageKind(kind)]
    except ValueError:
        return kind


def status_label(status: str) -> str:
    """The French label of a message status."""
    try:
        return STATUS_LABELS[MessageStatus(status)]
    except ValueError:
        return status


def urgency_label(urgency: str) -> str:
    """The French label of an urgency."""
    try:
        return URGENCY_LABELS[Urgency(urgency)]
    except ValueError:
        return urgency
