"""Every French word the staff pages produce from Python (the rest is in the templates)."""

from __future__ import annotations

ROLE_LABELS: dict[str, str] = {
    "secretary": "Secrétariat",
    "practitioner": "Praticien·ne",
    "admin": "Administration",
}

ANSWERING_MODE_LABELS: dict[str, str] = {
    "office": "Heures d'ouverture du secrétariat",
    "extended": "Horaires étendus",
    "always": "24 h/24, 7 j/7",
}

OUTSIDE_ACTION_LABELS: dict[str, str] = {
    "message": "L'assistant prend un message",
    "announcement": "Une annonce, puis fin de l'appel",
    "transfer": "Transfert vers un numéro",
}

WEEKDAY_LABELS: dict[str, str] = {
    "monday": "Lundi",
    "tuesday": "Mardi",
    "wednesday": "Mercredi",
    "thursday": "Jeudi",
    "friday": "Vendredi",
    "saturday": "Samedi",
    "sunday": "Dimanche",
}

SECTION_LABELS: dict[str, str] = {
    "answering": "Réponse de l'assistant",
    "practitioners": "Horaires des praticiens",
    "closures": "Fermetures",
    "appointment_types": "Types de rendez-vous",
    "practice": "Cabinet",
    "retention": "Conservation des données",
    "recording": "Enregistrement",
    "booking": "Prise de rendez-vous",
    "emergency": "Numéros d'urgence",
}

# The inbox and « Aujourd'hui » pages (the kind, status and urgency labels of messages are
# the transcripts component's: `transcripts.kind_label`, `status_label`, `urgency_label`).
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

MESSAGE_MISSING = "Ce message n'existe plus (traité et purgé, ou adresse erronée)."
PATIENT_VERIFIED = "Fiche patient confirmée."
PATIENT_MISSING = "Cette fiche patient n'existe plus."
PATIENT_BAD_BIRTH_DATE = "Date de naissance invalide : la fiche n'a pas été modifiée."
PATIENT_BAD_PHONE = "Numéro de téléphone illisible : la fiche n'a pas été modifiée."

# Errors and notices.
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
LOGIN_LIMITED = (
    "Trop de tentatives de connexion. Patientez un quart d'heure avant de réessayer, "
    "ou demandez à l'administrateur de vérifier votre compte."
)
LOGIN_FORM_EXPIRED = "Le formulaire a expiré. Rechargez la page et recommencez."
CSRF_REFUSED = "Requête refusée : jeton de sécurité (CSRF) manquant ou invalide."
ROLE_REFUSED = "Cette page est réservée aux praticiens et à l'administration."
SETTINGS_SAVED = "Réglages enregistrés. Ils s'appliquent dès le prochain appel."
SETTINGS_UNCHANGED = "Aucun changement à enregistrer."
SETTINGS_STALE = (
    "Les réglages ont été modifiés entre-temps par quelqu'un d'autre. "
    "La page a été rechargée avec leur version : refaites votre changement."
)
SETTINGS_INVALID = "Les réglages n'ont pas été enregistrés :"

# Settings form problems ({…} are filled in by the form parser).
BAD_RANGES = (
    "{where} : « {value} » n'est pas une plage horaire (exemple : 08:30-12:00, 14:00-19:00)."
)
BAD_RANGE_ORDER = "{where} : la fin {end} précède ou égale le début {start}."
OVERLAPPING_RANGES = "{where} : des plages se chevauchent."
EXTENDED_NEEDS_HOURS = "Les horaires étendus doivent comporter au moins une plage."
BAD_PHONE = "{where} : « {value} » n'est pas un numéro de téléphone."
TRANSFER_NEEDS_NUMBER = "Le transfert hors horaires demande un numéro de transfert."
BAD_DATE = "{where} : date manquante ou invalide."
CLOSURE_ORDER = "Fermeture : la date de fin précède la date de début."
UNKNOWN_MODE = "Mode de réponse inconnu."
TOO_LONG = "{where} : texte trop long ({limit} caractères au plus)."
ANNOUNCEMENT_NEEDS_NUMBERS = (
    "{where} : elle doit indiquer les numéros d'urgence {numbers}, que les appelants doivent "
    "entendre en dehors des heures d'ouverture. Par exemple : « En cas d'urgence, appelez le "
    "{samu} ou le {european}. »"
)

WHERE_OFFICE = "Heures du secrétariat, {day}"
WHERE_EXTENDED = "Horaires étendus, {day}"
WHERE_PRACTITIONER = "{name}, {day}"
WHERE_TRANSFER = "Numéro de transfert"
WHERE_OUTSIDE_TRANSFER = "Numéro de transfert hors horaires"
WHERE_CLOSURE_START = "Fermeture, début"
WHERE_CLOSURE_END = "Fermeture, fin"
WHERE_GREETING = "Message d'accueil"
WHERE_ANNOUNCEMENT = "Annonce hors horaires"
