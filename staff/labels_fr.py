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
    "sms": "SMS aux patients",
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

CHANNEL_LABELS: dict[str, str] = {
    "voice": "appel téléphonique",
    "chat": "essai écrit",
    "web": "chat du site",
}

# Who booked an appointment in « Aujourd'hui »: the assistant on the phone or on the website.
BOOKING_SOURCE_LABELS: dict[str, str] = {"phone": "téléphone", "web": "chat du site"}

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
    "set_aside": "Laissée pour une autre demande",
}

MESSAGE_MISSING = "Ce message n'existe plus (traité et purgé, ou adresse erronée)."
PATIENT_VERIFIED = "Fiche patient confirmée."
PATIENT_MISSING = "Cette fiche patient n'existe plus."
PATIENT_BAD_BIRTH_DATE = "Date de naissance invalide : la fiche n'a pas été modifiée."
PATIENT_BAD_PHONE = "Numéro de téléphone illisible : la fiche n'a pas été modifiée."

# Errors and notices.
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
LOGIN_LIMITED = (
    "Trop de tentatives de connexion depuis ce poste. Patientez {seconds} seconde(s) avant de "
    "réessayer, ou demandez à l'administrateur de vérifier votre compte."
)
LOGIN_FORM_EXPIRED = "Le formulaire a expiré. Rechargez la page et recommencez."
CSRF_REFUSED = "Requête refusée : jeton de sécurité (CSRF) manquant ou invalide."
ROLE_REFUSED = "Cette page est réservée aux praticiens et à l'administration."
ADMIN_REFUSED = "Cette page est réservée à l'administration."

# Administration: accounts and patients' rights.
ACCOUNT_DISABLED = "Le compte {username} est désactivé : ses sessions sont fermées."
ACCOUNT_ENABLED = "Le compte {username} est réactivé."
ACCOUNT_ROLE = "Le compte {username} a maintenant le rôle « {role} »."
ACCOUNT_PASSWORD = (
    "Mot de passe provisoire de {username} : {password} — transmettez-le en main propre ; "  # noqa: S105
    "il ne sera plus affiché."
)
ACCOUNT_REFUSED = "Changement refusé : {reason}."
LAST_ADMIN = "il doit rester au moins un administrateur actif"
UNKNOWN_ACCOUNT = "ce compte n'existe pas"
PATIENT_NOT_FOUND = "Aucune donnée n'est conservée sous ce numéro et cette date de naissance."
PATIENT_BAD_REQUEST = "Numéro de téléphone ou date de naissance illisible."
PATIENT_CONFIRM = "Cochez la case de confirmation pour effacer ces données."
PATIENT_ERASED = "Données effacées : {counts}. L'effacement est inscrit au journal."
ERASED_KINDS: dict[str, str] = {
    "patients": "fiche(s) patient",
    "appointments": "rendez-vous",
    "holds": "créneau(x) réservé(s)",
    "calls": "appel(s)",
    "turns": "tour(s) de parole",
    "messages": "message(s)",
    "recordings": "enregistrement(s)",
    "pending_writes": "écriture(s) en attente",
    "dialogue_events": "événement(s) de dialogue",
}
AUDIT_ACTIONS: dict[str, str] = {
    "account.disable": "Compte désactivé",
    "account.enable": "Compte réactivé",
    "account.role": "Rôle changé",
    "account.password": "Mot de passe réinitialisé",
    "patient.export": "Données d'un patient exportées",
    "patient.erase": "Données d'un patient effacées",
}
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

# The statistics page and the review queue (issue 17).
PERIOD_LABELS: dict[str, str] = {
    "week": "Cette semaine",
    "30d": "30 derniers jours",
    "custom": "Période choisie",
}
STATS_CHANNEL_LABELS: dict[str, str] = {
    "voice": "Appels téléphoniques",
    "chat": "Conversations écrites (chat)",
    "all": "Tous les canaux",
}
HANDLING_LABELS: dict[str, str] = {
    "assistant": "Pris par l'assistant",
    "transferred": "Transférés au secrétariat",
    "outside_hours": "Hors horaires (message, annonce ou renvoi)",
}
ANSWERED_BY_LABELS: dict[str, str] = {
    "assistant": "pris par l'assistant",
    "message": "prise de message hors horaires",
    "announcement": "annonce hors horaires",
    "transfer": "renvoi hors horaires",
}
OUTCOME_GROUP_LABELS: dict[str, str] = {
    "booked": "Rendez-vous pris",
    "moved": "Rendez-vous déplacé",
    "cancelled": "Rendez-vous annulé",
    "renewal": "Renouvellement d'ordonnance",
    "certificate": "Certificat médical",
    "sick_leave": "Arrêt de travail",
    "message": "Message laissé",
    "answered": "Renseigné, rien à faire",
    "callback": "Rappel demandé",
    "transferred": "Transféré au secrétariat",
    "transfer_unanswered": "Transfert sans réponse",
    "failed_booking": "Rendez-vous non abouti",
    "emergency": "Urgence (orienté vers le 15 / 112)",
    "announcement": "Annonce hors horaires",
    "abandoned": "Raccroché avant la fin",
    "technical": "Incident technique",
    "in_progress": "En cours",
    "other": "Autre issue",
}
REVIEW_REASON_LABELS: dict[str, str] = {
    "not_understood": "Pas compris deux fois",
    "gave_up": "Appelant parti ou silencieux",
    "failed_booking": "Rendez-vous non abouti",
    "transfer_unanswered": "Transfert sans réponse",
    "emergency": "Urgence",
    "technical": "Incident technique",
}
REVIEW_FILTERS: dict[str, str] = {
    "todo": "À revoir",
    "done": "Déjà revus",
    "all": "Tous",
}
BOOKING_CHANNEL_LABELS: dict[str, str] = {
    "phone": "Téléphone (assistant)",
    "web_chat": "Chat en ligne (assistant)",
    "staff": "Cabinet (secrétariat, praticiens)",
}
CANCELLER_LABELS: dict[str, str] = {
    "assistant": "Par l'assistant",
    "sms": "Par SMS",
    "staff": "Par le cabinet",
}
WEEKDAY_SHORT: tuple[str, ...] = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
PERIOD_NEEDS_DATES = "Période choisie : indiquez la date de début et la date de fin."
PERIOD_ORDER = "Période choisie : la date de fin précède la date de début."
PERIOD_TOO_LONG = "Période choisie : {days} jours au plus."
PERIOD_OUT_OF_RANGE = "Période choisie : des dates entre {first} et {last}."
TRANSCRIPTS_ADMIN_ONLY = "L'export des transcriptions est réservé à l'administration."
REVIEW_MISSING = (
    "Cet appel n'existe plus (effacé après la durée de conservation, ou adresse erronée)."
)
CSV_HEADERS: tuple[str, ...] = (
    "appel", "début", "fin", "durée (s)", "canal", "pris par", "traitement", "issue",
    "catégorie", "catégorie (libellé)", "messages", "à revoir", "revu",
)
CSV_TRANSCRIPT_HEADER = "transcription"
CSV_YES = "oui"
CSV_NO = "non"
