"""Inbox messages, their summaries, and call turns, on a real SQLite database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

import transcripts
from core import AppContext


@pytest.fixture
def db(context: AppContext) -> Iterator[Session]:
    with context.db.session() as session:
        transcripts.open_call(
            session,
            call_sid="CA-inbox",
            caller="+33612345612",
            called=None,
            answered_by="assistant",
        )
        yield session


def test_summary_reads_kind_identity_detail_and_masked_callback() -> None:
    identity = transcripts.CallerIdentity("dupont", "marie", dt.date(1954, 3, 12), "+33612345612")
    summary = transcripts.build_summary(
        transcripts.MessageKind.RENEWAL, identity, {"medicines": "Levothyrox 75"}
    )
    assert summary == (
        "Renouvellement d'ordonnance — DUPONT Marie, né(e) le 12/03/1954 — Levothyrox 75 — "
        "rappeler au 06 •• •• •• 12"
    )


def test_summary_says_when_a_relative_called_for_the_patient() -> None:
    identity = transcripts.CallerIdentity("bernard", "léa", dt.date(2016, 5, 3), "+33612345612")
    for_her = transcripts.build_summary(
        transcripts.MessageKind.CERTIFICATE, identity,
        {"certificate_kind": "sport", "on_behalf": "fille"},
    )
    assert "— sport — appel d'un proche (lien : fille) — rappeler au" in for_her
    unsaid = transcripts.build_summary(
        transcripts.MessageKind.RENEWAL, identity, {"medicines": "Ventoline", "on_behalf": True}
    )
    assert "— Ventoline — appel d'un tiers — rappeler au" in unsaid


def test_summary_of_an_unidentified_caller_without_number() -> None:
    summary = transcripts.build_summary(
        transcripts.MessageKind.MESSAGE,
        transcripts.CallerIdentity(),
        {"topic": "results", "text": "mes résultats sont-ils arrivés"},
    )
    assert summary.startswith("Message — appelant non identifié — résultats : « mes résultats")
    assert summary.endswith("numéro inconnu")


def test_summary_of_an_interrupted_request_and_an_emergency() -> None:
    who = transcripts.CallerIdentity(last_name="martin", callback_number="+33478000000")
    interrupted = transcripts.build_summary(
        transcripts.MessageKind.CERTIFICATE, who, {"certificate_kind": "sport", "interrupted": True}
    )
    assert "— sport — appel interrompu —" in interrupted
    set_aside = transcripts.build_summary(
        transcripts.MessageKind.RENEWAL, who, {"medicines": "Ventoline", "set_aside": True}
    )
    assert "— Ventoline — laissée pour une autre demande en cours d'appel —" in set_aside
    assert "interrompu" not in set_aside
    emergency = transcripts.build_summary(
        transcripts.MessageKind.EMERGENCY, who, {"category": "suicidal"}
    )
    assert "propos suicidaires, orienté vers le 3114" in emergency


def test_masked_number_keeps_only_the_ends() -> None:
    assert transcripts.masked_number("+33612345678") == "06 •• •• •• 78"
    assert transcripts.masked_number("+4915112345678").endswith("78")
    assert "1234" not in transcripts.masked_number("+4915112345678")


def test_messages_sorted_by_urgency_then_newest(db: Session) -> None:
    who = transcripts.CallerIdentity(last_name="x")
    first = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.MESSAGE, identity=who
    )
    urgent = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.EMERGENCY, identity=who
    )
    second = transcripts.leave_message(
        db, call_sid=None, kind=transcripts.MessageKind.CERTIFICATE, identity=who
    )
    listed = transcripts.list_messages(db)
    assert [m.id for m in listed] == [urgent.id, second.id, first.id]
    assert urgent.urgency == "urgent"
    only = transcripts.list_messages(db, kind=transcripts.MessageKind.MESSAGE)
    assert [m.id for m in only] == [first.id]


def test_once_per_call_returns_the_existing_message(db: Session) -> None:
    who = transcripts.CallerIdentity()
    a = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.CALLBACK, identity=who,
        details={"reason": "silence"}, once_per_call=True,
    )
    b = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.CALLBACK, identity=who,
        details={"reason": "dropped"}, once_per_call=True,
    )
    assert a.id == b.id
    assert [m.id for m in transcripts.messages_for_call(db, "CA-inbox")] == [a.id]


def test_a_confirmed_emergency_upgrades_the_calls_doubt_note(db: Session) -> None:
    who = transcripts.CallerIdentity(callback_number="+33612345612")
    doubt = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.EMERGENCY, identity=who,
        details={"category": "chest_pain", "denied": True}, urgency=transcripts.Urgency.HIGH,
        once_per_call=True,
    )
    assert doubt.urgency == "high" and doubt.summary.startswith("Urgence — ")
    assert "doute : douleur thoracique évoqué(e)" in doubt.summary
    transcripts.set_message_status(db, doubt.id, transcripts.MessageStatus.DONE)
    urgent = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.EMERGENCY, identity=who,
        details={"category": "breathing"}, urgency=transcripts.Urgency.URGENT,
        once_per_call=True,
    )
    assert urgent.id == doubt.id  # one note per call, now urgent and to be handled again
    assert (urgent.urgency, urgent.status) == ("urgent", "new")
    assert "détresse respiratoire, orienté vers le 15 / 112" in urgent.summary
    again = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.EMERGENCY, identity=who,
        details={"category": "chest_pain", "denied": True}, urgency=transcripts.Urgency.HIGH,
        once_per_call=True,
    )
    assert again.urgency == "urgent" and again.details == {"category": "breathing"}


def test_a_request_set_aside_then_completed_is_one_message(db: Session) -> None:
    renewal, failed = transcripts.MessageKind.RENEWAL, transcripts.MessageKind.FAILED_BOOKING
    anonymous = transcripts.CallerIdentity(callback_number="+33612345612")
    known = transcripts.CallerIdentity("dupont", "marie", dt.date(1954, 3, 12), "+33612345612")

    def leave(
        kind: transcripts.MessageKind, who: transcripts.CallerIdentity, details: dict[str, object]
    ) -> transcripts.InboxMessage:
        return transcripts.leave_message(
            db, call_sid="CA-inbox", kind=kind, identity=who, details=details, same_request=True)

    left = leave(renewal, anonymous, {"medicines": "Levothyrox 75", "set_aside": True})
    assert "laissée pour une autre demande" in left.summary
    # Left a second time (renewal, booking, renewal, message…): still the one message.
    assert leave(renewal, anonymous, {"medicines": "Levothyrox 75", "set_aside": True}) is left
    booking = leave(failed, anonymous, {"request": "book", "wish": "jeudi", "set_aside": True})
    done = leave(renewal, known, {"medicines": "Levothyrox 75 et Kardegic"})
    assert done.id == left.id and done.last_name == "dupont"
    assert "laissée" not in done.summary and "Levothyrox 75 et Kardegic" in done.summary
    # Another renewal in the same call is another request; a cancellation is not the booking.
    other = leave(renewal, known, {"medicines": "Doliprane"})
    cancel = leave(failed, known, {"request": "cancel"})
    assert len({left.id, booking.id, other.id, cancel.id}) == 4
    assert [m.id for m in transcripts.messages_for_call(db, "CA-inbox")] == [
        left.id, booking.id, other.id, cancel.id]
    assert "laissée pour une autre demande" in booking.summary  # never taken up again


def test_a_hang_up_leaves_one_message_per_request_in_progress(db: Session) -> None:
    renewal, failed = transcripts.MessageKind.RENEWAL, transcripts.MessageKind.FAILED_BOOKING
    who = transcripts.CallerIdentity("petit", "jean", None, "+33612345612")

    def hang_up(
        kind: transcripts.MessageKind, details: dict[str, object]
    ) -> transcripts.InboxMessage:
        return transcripts.leave_message(
            db, call_sid="CA-inbox", kind=kind, identity=who,
            details={**details, "interrupted": True}, once_per_call=True, same_request=True)

    booking = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=failed, identity=who, same_request=True,
        details={"request": "book", "wish": "jeudi", "set_aside": True})
    cancel = hang_up(failed, {"request": "cancel"})
    assert cancel.id != booking.id and "souhaitait annuler" in cancel.summary
    assert hang_up(failed, {"request": "cancel"}) is cancel  # the call closed twice
    # A renewal completed earlier in the call is not the one in progress.
    done = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=renewal, identity=who, details={"medicines": "Doliprane"})
    second = hang_up(renewal, {"medicines": "Kardegic"})
    assert second.id != done.id and "Doliprane" in done.summary and "Kardegic" in second.summary
    assert [m.id for m in transcripts.messages_for_call(db, "CA-inbox")] == [
        booking.id, cancel.id, done.id, second.id]
    # Taken up again, then the hang-up: the set-aside message says what was understood last.
    moved = hang_up(failed, {"request": "book", "wish": "jeudi, le premier"})
    assert moved.id == booking.id and "set_aside" not in moved.details
    assert "jeudi, le premier" in moved.summary and "appel interrompu" in moved.summary


def test_a_request_set_aside_then_done_by_the_assistant_is_closed(db: Session) -> None:
    failed = transcripts.MessageKind.FAILED_BOOKING
    known = transcripts.CallerIdentity("dupont", "marie", dt.date(1954, 3, 12), "+33612345612")

    def close(request: str) -> transcripts.InboxMessage | None:
        return transcripts.close_set_aside(
            db, call_sid="CA-inbox", kind=failed, request=request, identity=known,
            done="consultation avec Docteure Claire Martin, jeudi 7 janvier à 8 heures 30",
            appointment_id=41)

    assert close("book") is None  # nothing set aside: nothing to close
    left = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=failed, identity=transcripts.CallerIdentity(),
        details={"request": "book", "wish": "jeudi matin", "set_aside": True}, same_request=True)
    assert close("cancel") is None  # another request
    done = close("book")
    assert done is left and done.status == "done" and done.handled_at is not None
    assert done.appointment_id == 41 and done.last_name == "dupont"
    assert done.kind == "appointment_handled"  # not a failed booking in the inbox nor the stats
    assert transcripts.kind_label(done.kind) == "Rendez-vous traité par l'assistant"
    assert done.summary == (
        "Rendez-vous pris pendant l'appel — DUPONT Marie, né(e) le 12/03/1954 — consultation "
        "avec Docteure Claire Martin, jeudi 7 janvier à 8 heures 30 — demande reprise après une "
        "autre et faite par l'assistant, rien à faire"
    )
    assert done.details["wish"] == "jeudi matin" and "set_aside" not in done.details
    assert left.id not in {m.id for m in transcripts.find_messages(
        db, statuses=transcripts.OPEN_STATUSES)}
    assert close("book") is None  # closed once
    # A second booking set aside later in the call is its own message, still to do.
    again = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=failed, identity=known, same_request=True,
        details={"request": "book", "wish": "samedi", "set_aside": True})
    assert again.id != left.id and again.status == "new"


def test_status_moves_along(db: Session) -> None:
    message = transcripts.leave_message(
        db, call_sid="CA-inbox", kind=transcripts.MessageKind.SICK_LEAVE,
        identity=transcripts.CallerIdentity(),
    )
    assert message.urgency == "high"
    done = transcripts.set_message_status(
        db, message.id, transcripts.MessageStatus.DONE, assigned_to="sec"
    )
    assert done is not None and done.status == "done" and done.assigned_to == "sec"
    assert transcripts.status_label(done.status) == "traité"
    assert transcripts.set_message_status(db, 99999, transcripts.MessageStatus.DONE) is None


def test_turns_are_numbered_in_order_and_unknown_calls_refused(db: Session) -> None:
    transcripts.add_turn(db, call_sid="CA-inbox", speaker=transcripts.Speaker.ASSISTANT,
                         text="Bonjour", key="utter_greet")
    transcripts.add_turn(db, call_sid="CA-inbox", speaker=transcripts.Speaker.CALLER, text="oui")
    turns = transcripts.list_turns(db, "CA-inbox")
    assert [(t.seq, t.speaker, t.key) for t in turns] == [
        (1, "assistant", "utter_greet"),
        (2, "caller", None),
    ]
    assert transcripts.add_turn(
        db, call_sid="CA-nope", speaker=transcripts.Speaker.CALLER, text="x"
    ) is None


def test_conversation_clock_follows_a_simulated_start(db: Session) -> None:
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    call = transcripts.open_call(
        db, call_sid="CA-clock", caller=None, called=None, answered_by="assistant",
        channel="chat", simulated_start=start,
    )
    later = call.started_at + dt.timedelta(minutes=3)
    assert transcripts.conversation_clock(call, later) == start + dt.timedelta(minutes=3)
