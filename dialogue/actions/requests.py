"""Requests for the doctor that become inbox messages: renewal, certificate, sick leave, message.

Each has a form (what to ask), its validation action (how to read the answers) and a submit
action that writes the message through `transcripts`' public face.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import transcripts
from dialogue import catalogue, understood
from dialogue.actions.common import (
    activating,
    answer_for,
    answered,
    conversation_id,
    identity_from_slots,
    latest_intent,
    opening_words,
    previous_bot_key,
    said_text,
    said_to,
    tidy,
)
from dialogue.actions.identity import IdentityFormValidation
from dialogue.actions.medicines import (
    clean_medicines,
    is_prescribed_item,
    medicine_entities,
    prescribed_item,
    with_dose,
)
from dialogue.actions.runtime import in_db
from dialogue.french.normalize import flat_text, normalize_transcript

CERTIFICATE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "sport": ("sport", "foot", "tennis", "piscine", "natation", "judo", "rugby", "basket",
              "course", "marathon", "licence", "club", "danse", "gym", "vélo", "randonnée",
              "ski", "hand", "karaté", "boxe", "plongée", "athlétisme"),
    "school": ("école", "crèche", "collège", "lycée", "cantine", "colonie", "scolaire",
               "nounou", "centre aéré", "université", "fac"),
    "work": ("travail", "employeur", "boulot", "entreprise", "patron", "reprise", "médecine du"),
}
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "results": ("résultat", "analyse", "prise de sang", "radio", "scanner", "irm",
                "compte rendu", "examen", "laboratoire", "échographie", "biologie"),
    "billing": ("facture", "factur", "rembours", "carte vitale", "mutuelle", "tiers payant",
                "feuille de soins", "payé", "paiement", "chèque", "honoraires"),
    "administrative": ("dossier", "courrier", "attestation", "adresse", "document",
                       "formulaire", "lettre", "papier"),
}


def classify(text: str, keywords: dict[str, tuple[str, ...]], default: str) -> str:
    """The first category whose keywords appear in ``text``."""
    lowered = text.lower()
    for category, words in keywords.items():
        if any(word in lowered for word in words):
            return category
    return default


class ValidateRenewalForm(IdentityFormValidation):
    """Which medicines, then who."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_renewal_form"

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Très bien, un renouvellement d'ordonnance pour Levothyrox 75."."""
        medicine = tracker.get_slot("medicine")
        details = (
            " " + catalogue.response("utter_fragment_medicine", medicine=medicine).text
            if medicine else ""
        )
        dispatcher.utter_message(response="utter_understood_renewal", understood_details=details)

    async def extract_medicine(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Quel médicament faut-il renouveler ?"; or, before it is
        asked, what the prescription is for when it is no medicine ("pour le kiné")."""
        answer = answered(tracker, "medicine")
        if answer or tracker.get_slot("medicine"):
            return answer
        item = prescribed_item(str(tracker.latest_message.get("text") or ""))
        return {"medicine": item} if item else {}

    def validate_medicine(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Medicine names and doses, tidied.

        A name taken from the first sentence's entity keeps the dose said right after it
        ("mon levothyrox 75"), whether or not the dose entity was recognised.
        """
        name = str(value or "")
        if is_prescribed_item(name):
            return {"medicine": name}
        said = str(tracker.latest_message.get("text") or "").lower()
        named = medicine_entities(tracker)
        if name.lower() in (n.lower() for n in named) and len(named) > 1:
            # The slot takes one entity; "mon levothyrox 75 et mon kardegic" names two.
            return {"medicine": " et ".join(clean_medicines(with_dose(n, said)) for n in named)}
        dosed = with_dose(name, said) if name else name
        dose = tracker.get_slot("dose")
        if dosed == name and dose and str(dose) not in name:
            dosed = f"{name} {dose}"
        medicines = clean_medicines(dosed)
        return {"medicine": medicines or None}


class ValidateCertificateForm(IdentityFormValidation):
    """What the certificate is for, then who."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_certificate_form"

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Très bien, un certificat médical pour le sport."."""
        key = _CERTIFICATE_FRAGMENTS.get(str(tracker.get_slot("certificate_kind")))
        details = f" {catalogue.response(key).text}" if key else ""
        dispatcher.utter_message(
            response="utter_understood_certificate", understood_details=details
        )

    async def extract_certificate_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "C'est un certificat pour quoi ?", or the purpose said with
        the request ("un certificat pour le foot de mon fils"). A purpose named in the answer
        is the answer, even when the NLU hears another request in it ("c'est pour le judo de
        mon fils" is no booking)."""
        named = said_to(tracker, "certificate_kind")
        kind = classify(named, CERTIFICATE_KEYWORDS, "other") if named else "other"
        if kind != "other":
            return {"certificate_kind": kind}
        text = answer_for(tracker, "certificate_kind")
        if text is not None:
            return {"certificate_kind": text}
        said = said_text(tracker)
        if tracker.get_slot("certificate_kind") or said is None:
            return {}
        kind = classify(said, CERTIFICATE_KEYWORDS, "other")
        return {"certificate_kind": kind} if kind != "other" else {}

    def validate_certificate_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One of sport, school, work, other (the entity's synonyms give these already)."""
        text = str(value or "")
        if text in ("sport", "school", "work", "other"):
            return {"certificate_kind": text}
        return {"certificate_kind": classify(text, CERTIFICATE_KEYWORDS, "other")}


class ValidateSickLeaveForm(IdentityFormValidation):
    """Who: the doctor decides the rest."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_sick_leave_form"

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Très bien, une demande d'arrêt de travail."."""
        dispatcher.utter_message(response="utter_understood_sick_leave")


class ValidateMessageForm(IdentityFormValidation):
    """The message in the caller's words, then who."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_message_form"

    async def acknowledge(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Très bien, je prends un message …", unless the assistant just said it would."""
        if previous_bot_key(tracker) not in _MESSAGE_ANNOUNCED:
            dispatcher.utter_message(response="utter_understood_message")

    async def extract_message_text(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The caller's answer to "Quel message souhaitez-vous laisser ?", or the message
        itself said with the request ("je voulais savoir si le compte rendu de mon scanner
        est arrivé")."""
        text = answer_for(tracker, "message_text")
        if text is not None:
            return {"message_text": text}
        said = said_text(tracker)
        asked_before = not activating(tracker, "message_form")
        if asked_before or tracker.get_slot("message_text") or said is None:
            return {}
        # Words not understood that led to the message are no message (`_is_a_message`).
        asked = latest_intent(tracker) == "leave_message"
        return {"message_text": said} if _is_a_message(said, asked=asked) else {}

    def validate_message_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Any words; the topic is guessed from them when the caller did not give one."""
        text = tidy(str(value or ""))
        if not text:
            return {"message_text": None}
        topic = tracker.get_slot("message_topic")
        if topic not in TOPIC_KEYWORDS:
            # The entity gives a known topic, or words the keywords still recognise.
            topic = classify(f"{topic or ''} {text}", TOPIC_KEYWORDS, "other")
        if _after_medical_question(tracker):
            topic = "medical_question"
        return {"message_text": text, "message_topic": topic}


_CERTIFICATE_FRAGMENTS = {
    "sport": "utter_fragment_certificate_sport",
    "school": "utter_fragment_certificate_school",
    "work": "utter_fragment_certificate_work",
}
# The assistant said it would take a message: no need to say it was understood.
_MESSAGE_ANNOUNCED = frozenset(
    {"utter_take_message_instead", "utter_nobody_available", "utter_offer_message_doctor"}
)


def _is_a_message(said: str, *, asked: bool) -> bool:
    """Whether the request already holds the message: it names a topic the secretariat knows
    (results, billing, papers), or, ``asked`` for a message in so many words, says more than
    "je voudrais laisser un message pour le docteur Martin" ("… c'est au sujet de mon
    traitement": asked "quel message ?", the caller would give their name and the subject
    would be lost)."""
    if classify(said, TOPIC_KEYWORDS, "other") != "other":
        return True
    if not asked:
        return False
    return _says_more(said, _REQUEST_WORDS)


def _says_more(said: str, request_words: frozenset[str]) -> bool:
    """Whether ``said`` holds at least `_MESSAGE_WORDS` words beyond the request's."""
    words = flat_text(normalize_transcript(said)).split()
    return sum(1 for w in words if w not in request_words and len(w) > 2) >= _MESSAGE_WORDS


# The words of asking to leave a message, to whom, and what fills a sentence: the rest is the
# message itself. Two words of it are a subject ("mon traitement", "rappeler demain").
_REQUEST_WORDING = """
    oui allo bonjour bonsoir madame monsieur euh alors voila bien merci vous plait
    voudrais voulais souhaite souhaiterais veux voulait aimerais pourrais peux peut puis
    laisser transmettre dire passer message petit docteur docteure medecin secretaire
    secretariat cabinet pour est que qui des les une son sur avec sans mais donc car
    appelle appelais suis etais rendez vous mon mes nom moi lui elle part aussi tres
"""
_REQUEST_WORDS = frozenset(_REQUEST_WORDING.split())
_SICK_LEAVE_WORDING = "arret arrets travail travailler maladie faudrait faut besoin avoir demande"
_SICK_LEAVE_WORDS = _REQUEST_WORDS | frozenset(_SICK_LEAVE_WORDING.split())
_MESSAGE_WORDS = 2


def _after_medical_question(tracker: Tracker) -> bool:
    """Whether the message form was opened by the offer that follows a medical question."""
    activated = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "message_form":
            activated = True
        elif activated and event.get("event") == "bot":
            key = ((event.get("data") or {}).get("custom") or {}).get("key")
            return bool(key == "utter_offer_message_doctor")
    return False


class _SubmitRequest(Action):
    """Write the inbox message of a completed form, confirm it, and clear its slots."""

    kind: ClassVar[transcripts.MessageKind]
    response: ClassVar[str]
    request_slots: ClassVar[tuple[str, ...]]

    def details(self, tracker: Tracker) -> dict[str, Any]:
        """What the form understood beyond `understood.details` (its slots, who the patient is
        to the caller), for the summary."""
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Leave the message; the identity slots stay for a second request in the same call."""
        identity = identity_from_slots(tracker)
        details = understood.details(self.kind, tracker.slots) | self.details(tracker)
        sender = conversation_id(tracker)
        kind = self.kind

        def write(session: Any) -> None:
            transcripts.leave_message(
                session, call_sid=sender, kind=kind, identity=identity, details=details,
                same_request=True,  # taken up again after being set aside: one message
            )
            transcripts.set_outcome(session, call_sid=sender, outcome=kind.value)

        await in_db(write)
        dispatcher.utter_message(response=self.response, **self.values(tracker))
        dispatcher.utter_message(response="utter_we_will_call_back")
        return [SlotSet(slot, None) for slot in self.request_slots]

    def values(self, tracker: Tracker) -> dict[str, Any]:
        """Values the confirmation's wording uses."""
        return {}


class SubmitRenewal(_SubmitRequest):
    """action_submit_renewal."""

    kind = transcripts.MessageKind.RENEWAL
    response = "utter_renewal_noted"
    request_slots = ("medicine", "dose")

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_renewal"

    def values(self, tracker: Tracker) -> dict[str, Any]:
        """The medicines, read back."""
        return {"medicine": tracker.get_slot("medicine")}


class SubmitCertificate(_SubmitRequest):
    """action_submit_certificate."""

    kind = transcripts.MessageKind.CERTIFICATE
    response = "utter_certificate_noted"
    request_slots = ("certificate_kind",)

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_certificate"


class SubmitSickLeave(_SubmitRequest):
    """action_submit_sick_leave."""

    kind = transcripts.MessageKind.SICK_LEAVE
    response = "utter_sick_leave_noted"
    request_slots = ()

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_sick_leave"

    def details(self, tracker: Tracker) -> dict[str, Any]:
        """The caller's own words when they said why or since when ("j'ai la grippe depuis
        lundi"): the doctor reads them before calling back."""
        said = opening_words(tracker, "sick_leave_form")
        return {"text": said} if said and _says_more(said, _SICK_LEAVE_WORDS) else {}


class SubmitMessage(_SubmitRequest):
    """action_submit_message."""

    kind = transcripts.MessageKind.MESSAGE
    response = "utter_message_noted"
    request_slots = ("message_text", "message_topic")

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_message"
