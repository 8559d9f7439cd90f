"""A month of a practice's calls with known outcomes, for the statistics tests.

Each seeded call says, in the test's own words, what the statistics must make of it: its outcome
group, who handled it, why it is in the review queue. The expectations are written here by
hand, not computed by the code under test. Times are relative to the ``now`` the test passes,
so the month is always the thirty days ending today.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import transcripts
from agenda.models import Appointment, AppointmentStatus, Patient
from transcripts import MessageKind, MessageStatus, Speaker
from transcripts.models import Call, InboxMessage

PARIS = ZoneInfo("Europe/Paris")
NOT_UNDERSTOOD = "utter_take_message_instead"
SILENCE = "utter_silence_goodbye"
TECHNICAL = "utter_technical_problem"


@dataclass(frozen=True)
class Msg:
    """A message the call left: its kind, state, and how long after arrival it was handled."""

    kind: MessageKind
    status: MessageStatus = MessageStatus.NEW
    handled_after: dt.timedelta | None = None


@dataclass(frozen=True)
class Spec:
    """One kind of call and what the statistics must read in it."""

    answered_by: str
    outcome: str | None
    group: str
    handling: str
    reasons: tuple[str, ...] = ()
    channel: str = "voice"
    ended: bool = True
    keys: tuple[str, ...] = ()
    messages: tuple[Msg, ...] = ()


SPECS: tuple[Spec, ...] = (
    Spec("assistant", "booked", "booked", "assistant"),
    Spec("assistant", "booked", "booked", "assistant"),
    Spec("assistant", "moved", "moved", "assistant"),
    Spec("assistant", "cancelled", "cancelled", "assistant"),
    Spec("assistant", "renewal", "renewal", "assistant",
         messages=(Msg(MessageKind.RENEWAL, MessageStatus.DONE, dt.timedelta(hours=2)),)),
    Spec("assistant", "certificate", "certificate", "assistant",
         messages=(Msg(MessageKind.CERTIFICATE),)),
    Spec("assistant", "sick_leave", "sick_leave", "assistant",
         messages=(Msg(MessageKind.SICK_LEAVE, MessageStatus.DONE, dt.timedelta(minutes=30)),)),
    Spec("message", "message", "message", "outside_hours",
         messages=(Msg(MessageKind.MESSAGE, MessageStatus.DONE, dt.timedelta(hours=26)),)),
    Spec("assistant", "completed", "answered", "assistant"),
    Spec("assistant", "completed", "callback", "assistant", reasons=("gave_up",),
         keys=(SILENCE,), messages=(Msg(MessageKind.CALLBACK, MessageStatus.IN_PROGRESS),)),
    Spec("assistant", "completed", "callback", "assistant", reasons=("technical",),
         keys=(TECHNICAL,), messages=(Msg(MessageKind.CALLBACK),)),
    Spec("assistant", "transferred", "transferred", "transferred"),
    Spec("assistant", "transfer_failed", "transfer_unanswered", "transferred",
         reasons=("transfer_unanswered",), messages=(Msg(MessageKind.MESSAGE),)),
    Spec("transfer", None, "transferred", "outside_hours"),
    Spec("transfer", "no-answer", "transfer_unanswered", "outside_hours",
         reasons=("transfer_unanswered",)),
    Spec("assistant", "failed_booking", "failed_booking", "assistant",
         reasons=("failed_booking",), messages=(Msg(MessageKind.FAILED_BOOKING),)),
    Spec("assistant", "emergency", "emergency", "assistant", reasons=("emergency",),
         messages=(Msg(MessageKind.EMERGENCY, MessageStatus.DONE, dt.timedelta(minutes=5)),)),
    Spec("announcement", "announcement", "announcement", "outside_hours"),
    Spec("assistant", "hangup", "abandoned", "assistant", reasons=("gave_up",)),
    Spec("message", "canceled", "abandoned", "outside_hours", reasons=("gave_up",)),
    Spec("assistant", "dropped", "technical", "assistant", reasons=("technical",),
         messages=(Msg(MessageKind.CALLBACK, MessageStatus.DONE, dt.timedelta(hours=3)),)),
    Spec("assistant", "error", "technical", "assistant", reasons=("technical",)),
    Spec("assistant", "message", "message", "assistant", reasons=("not_understood",),
         keys=(NOT_UNDERSTOOD,), messages=(Msg(MessageKind.MESSAGE),)),
    Spec("assistant", None, "in_progress", "assistant", ended=False),
    Spec("assistant", "sms_stopped", "other", "assistant"),
    Spec("assistant", None, "other", "assistant"),
    Spec("assistant", "booked", "booked", "assistant", channel="chat"),
    Spec("assistant", "hangup", "abandoned", "assistant", reasons=("gave_up",), channel="chat"),
)
COPIES = 2


@dataclass
class Seeded:
    """What was written, to compare the statistics with."""

    now: dt.datetime
    first_day: dt.date
    last_day: dt.date
    calls: list[tuple[int, Spec, dt.datetime]] = field(default_factory=list)
    """(call id, spec, start) of every call."""
    handled_s: list[float] = field(default_factory=list)
    open_too_long: int = 0
    messages_by_kind: Counter[str] = field(default_factory=Counter)

    def of(self, channel: str | None = "voice") -> list[tuple[int, Spec, dt.datetime]]:
        """The calls of one channel (None: all)."""
        return [c for c in self.calls if channel is None or c[1].channel == channel]

    def groups(self, channel: str | None = "voice") -> Counter[str]:
        """Expected calls by outcome group."""
        return Counter(spec.group for _, spec, _ in self.of(channel))

    def handlings(self, channel: str | None = "voice") -> Counter[str]:
        """Expected calls by handling."""
        return Counter(spec.handling for _, spec, _ in self.of(channel))

    def troubled(self, channel: str | None = "voice") -> list[int]:
        """Ids of the calls the review queue must list."""
        return [call_id for call_id, spec, _ in self.of(channel) if spec.reasons]

    @property
    def median_handling_s(self) -> float:
        """Median time to handle, over the handled messages (voice calls' and chat's)."""
        return statistics.median(self.handled_s)


def _moment(now: dt.datetime, index: int) -> dt.datetime:
    """Spread calls over the last 30 days, on working hours, one every few hours."""
    local_now = now.astimezone(PARIS)
    day = local_now.date() - dt.timedelta(days=29 - (index * 7) % 29)
    hour = 8 + (index * 5) % 11
    moment = dt.datetime.combine(day, dt.time(hour, (index * 13) % 60), PARIS)
    moment = min(moment, now - dt.timedelta(hours=1))
    # Keep clear of "24 hours ago": a test's requests come a little after ``now``, and a message
    # must not become "open too long" between the seeding and the page.
    day_ago = now - dt.timedelta(hours=24)
    if abs(moment - day_ago) < dt.timedelta(hours=2):
        moment = day_ago - dt.timedelta(hours=3)
    return moment.astimezone(dt.UTC)


def seed_month(session: Session, now: dt.datetime, prefix: str = "CA") -> Seeded:
    """Write ``COPIES`` × `SPECS` calls over the 30 days ending with ``now``."""
    today = now.astimezone(PARIS).date()
    seeded = Seeded(now=now, first_day=today - dt.timedelta(days=29), last_day=today)
    index = 0
    for copy in range(COPIES):
        for number, spec in enumerate(SPECS):
            started = _moment(now, index)
            sid = (f"chat-{prefix}{copy:02d}{number:03d}" if spec.channel == "chat"
                   else f"{prefix}{copy:02d}{number:03d}{'0' * 20}")
            call = Call(
                call_sid=sid, channel=spec.channel, caller="+33612345678",
                status="completed" if spec.ended else "in-progress",
                answered_by=spec.answered_by, outcome=spec.outcome, started_at=started,
                ended_at=started + dt.timedelta(seconds=95) if spec.ended else None,
                duration_s=95 if spec.ended else None,
            )
            session.add(call)
            session.flush()
            said = started
            for speaker, key, text in _turns(spec):
                transcripts.add_turn(session, call_sid=sid, speaker=speaker, text=text, key=key,
                                     started_at=said)
                said += dt.timedelta(seconds=6)
            for message in spec.messages:
                _leave(session, seeded, call, message)
            seeded.calls.append((call.id, spec, started))
            index += 1
    session.flush()
    return seeded


GREETING = "Bonjour, vous êtes bien au cabinet. Que puis-je faire pour vous ?"
CALLER_WORDS = {
    "booked": "je voudrais un rendez-vous avec le docteur martin",
    "moved": "il faudrait déplacer mon rendez-vous de jeudi",
    "cancelled": "je dois annuler mon rendez-vous",
    "renewal": "c'est pour renouveler mon ordonnance",
    "certificate": "il me faudrait un certificat pour le sport",
    "sick_leave": "j'ai besoin d'un arrêt de travail",
    "message": "euh c'est pour le truc de la dernière fois",
    "emergency": "mon mari a une douleur dans la poitrine",
}
TROUBLE_REPLIES = {
    NOT_UNDERSTOOD: "Je n'ai toujours pas compris, excusez-moi. Je vais prendre un message pour "
                    "le secrétariat.",
    SILENCE: "Je ne vous entends pas. Le secrétariat vous rappellera si besoin. Au revoir.",
    TECHNICAL: "Excusez-moi, je rencontre un problème technique. Votre appel est transmis au "
               "secrétariat, qui vous rappellera. Au revoir.",
}


def _turns(spec: Spec) -> list[tuple[Speaker, str | None, str]]:
    """A short, plausible transcript: the greeting, the caller's request, the trouble replies."""
    turns: list[tuple[Speaker, str | None, str]] = [
        (Speaker.ASSISTANT, "utter_greet", GREETING),
        (Speaker.CALLER, None, CALLER_WORDS.get(spec.group, "bonjour, je voudrais savoir")),
    ]
    for key in spec.keys:
        if key == NOT_UNDERSTOOD:
            turns += [(Speaker.ASSISTANT, "utter_reprompt", "Excusez-moi, je n'ai pas compris."),
                      (Speaker.CALLER, None, "ben le papier pour la mutuelle")]
        elif key == SILENCE:
            turns.append((Speaker.CALLER, "silence", ""))
        turns.append((Speaker.ASSISTANT, key, TROUBLE_REPLIES[key]))
    return turns


def _leave(session: Session, seeded: Seeded, call: Call, spec: Msg) -> None:
    created = call.started_at + dt.timedelta(minutes=1)
    handled = created + spec.handled_after if spec.handled_after is not None else None
    session.add(InboxMessage(
        call_id=call.id, kind=spec.kind.value, status=spec.status.value,
        summary=f"{transcripts.kind_label(spec.kind.value)} — appelant non identifié",
        created_at=created, updated_at=handled or created, handled_at=handled,
    ))
    seeded.messages_by_kind[spec.kind.value] += 1
    if handled is not None:
        seeded.handled_s.append((handled - created).total_seconds())
    elif created < seeded.now - dt.timedelta(hours=24):
        seeded.open_too_long += 1


@dataclass(frozen=True)
class SeededBookings:
    """Appointments written for the month, by what they must count as."""

    booked: dict[str, int]
    moved: dict[str, int]
    cancelled: dict[str, int]
    no_shows: int


def seed_bookings(session: Session, now: dt.datetime, practitioner: str, kind: str) -> (
    SeededBookings
):
    """Phone, web chat and staff bookings, a move, cancellations by each canceller, a no-show;
    and, outside the month, one of each that must not count."""
    patient = Patient(last_name="Test", first_name="Stat", birth_date=dt.date(1970, 1, 1))
    session.add(patient)
    session.flush()
    inside = now - dt.timedelta(days=3)
    before = now - dt.timedelta(days=45)

    def add(created: dt.datetime, source: str, sid: str | None, **extra: object) -> Appointment:
        start = created + dt.timedelta(days=2)
        row = Appointment(
            practitioner_id=practitioner, appointment_type_id=kind, patient_id=patient.id,
            start=start, end=start + dt.timedelta(minutes=20), source=source, call_sid=sid,
            created_at=created, updated_at=created, **extra,
        )
        session.add(row)
        session.flush()
        return row

    for n in range(3):
        add(inside, "phone", f"CA{n:032d}")
    for n in range(2):
        add(inside, "phone", f"chat-{n:024d}")
    staff = [add(inside, "staff", None) for _ in range(2)]
    add(before, "phone", "CA" + "9" * 32)  # made before the month: not counted
    old = add(before, "phone", "CA" + "8" * 32, status=AppointmentStatus.CANCELLED.value,
              cancelled_at=inside, cancelled_by="phone")
    add(inside, "phone", "CA" + "7" * 32, rescheduled_from_id=old.id)  # a move, not a cancel
    for who in ("phone", "sms:SM123", "secretaire"):
        add(before, "staff", None, status=AppointmentStatus.CANCELLED.value,
            cancelled_at=inside, cancelled_by=who)
    staff[0].status = AppointmentStatus.NOSHOW.value
    staff[0].start = now - dt.timedelta(days=1)
    session.flush()
    return SeededBookings(
        booked={"phone": 3, "web_chat": 2, "staff": 2},
        moved={"phone": 1},
        cancelled={"assistant": 1, "sms": 1, "staff": 1},
        no_shows=1,
    )
