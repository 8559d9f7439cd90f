"""The safety net in every conversation mode, through the text channel (real app, real SQLite;
no Rasa: after a "no" the assistant's dialogue is reached, and here answers that Rasa is down).

Two levels: a certain sign gets the emergency answer at once; a possible one gets "Est-ce une
urgence, en ce moment ?", then yes, silence, an unsure answer or a hang-up → the emergency
answer; words on another subject → the question once more; no → the conversation goes on and
the doubt is noted for the secretary.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import dialogue
import transcripts
from core import AppContext
from dialogue.session import DialogueSession
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.support import API_TOKEN, CALLER, make_settings

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
EMERGENCY = ["utter_emergency", "utter_emergency_deaf", "utter_emergency_noted"]
QUESTION = ["utter_emergency_check"]
MODES = ["assistant", "message", "announcement"]
CERTAIN = "allô mon mari est tombé il ne respire plus"
POSSIBLE = "je suis essoufflé"


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """One migrated database for the module: each test works on its own conversations."""
    settings = make_settings(tmp_path_factory.mktemp("safety-modes"))
    upgrade(settings.database_url)
    ctx = build_context(settings)
    yield ctx
    ctx.db.dispose()


@pytest.fixture(scope="module")
def client(context: AppContext) -> Iterator[TestClient]:
    """The whole app over the module's database (as the `client` fixture, built once)."""
    with TestClient(create_app(context=context), base_url="http://testserver") as test_client:
        yield test_client


class Chat:
    """One conversation through ``/api/chat`` in a mode."""

    def __init__(self, client: TestClient, mode: str) -> None:
        self.client = client
        reply = client.post("/api/chat", json={"caller": CALLER, "mode": mode}, headers=AUTH)
        assert reply.status_code == 201, reply.text
        self.last: dict[str, Any] = reply.json()
        self.session_id: str = self.last["session_id"]

    def send(self, **body: Any) -> list[str | None]:
        reply = self.client.post(f"/api/chat/{self.session_id}", json=body, headers=AUTH)
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return [r["key"] for r in self.last["replies"]]

    def say(self, text: str) -> list[str | None]:
        return self.send(text=text)

    def messages(self, context: AppContext) -> list[transcripts.InboxMessage]:
        with context.db.session() as session:
            return transcripts.messages_for_call(session, self.session_id)

    def outcome(self, context: AppContext) -> str | None:
        with context.db.session() as session:
            call = transcripts.get_call(session, self.session_id)
            assert call is not None
            return call.outcome


def _emergency_note(chat: Chat, context: AppContext) -> transcripts.InboxMessage:
    [note] = [m for m in chat.messages(context) if m.kind == "emergency"]
    return note


@pytest.mark.parametrize("mode", MODES)
def test_a_certain_sign_gets_the_emergency_answer_in_every_mode(
    client: TestClient, context: AppContext, mode: str
) -> None:
    chat = Chat(client, mode)
    assert chat.say(CERTAIN) == EMERGENCY
    assert all(r["interruptible"] is False for r in chat.last["replies"])
    assert "15" in chat.last["replies"][0]["text"] and "112" in chat.last["replies"][0]["text"]
    assert chat.last["ended"] is True
    note = _emergency_note(chat, context)
    assert note.urgency == "urgent" and note.details["level"] == "certain"
    assert "détresse respiratoire" in note.summary
    assert [m.kind for m in chat.messages(context)] == ["emergency"]  # no message, no callback
    assert chat.outcome(context) == "emergency"
    after = client.post(f"/api/chat/{chat.session_id}", json={"text": "allo"}, headers=AUTH)
    assert after.status_code == 409  # ended: nothing more, nothing booked


@pytest.mark.parametrize(
    ("mode", "answer", "confirmation"),
    [("assistant", {"text": "oui oui c'est urgent"}, "yes"),
     ("assistant", {"silence": True}, "silence"),
     ("message", {"text": "je sais pas"}, "unclear"),
     ("message", {"digits": "1"}, "yes"),
     ("announcement", {"silence": True}, "silence"),
     ("announcement", {"text": "oui"}, "yes")],
)
def test_a_possible_sign_is_asked_about_then_answered(
    client: TestClient, context: AppContext, mode: str, answer: dict[str, Any],
    confirmation: str,
) -> None:
    chat = Chat(client, mode)
    assert chat.say(POSSIBLE) == QUESTION
    assert chat.last["replies"][0]["text"] == "Est-ce une urgence, en ce moment ?"
    assert chat.last["replies"][0]["interruptible"] is False
    assert chat.last["expecting"] == "confirmation" and chat.last["ended"] is False
    assert chat.send(**answer) == EMERGENCY
    assert chat.last["ended"] is True
    note = _emergency_note(chat, context)
    assert note.urgency == "urgent" and note.details["confirmation"] == confirmation
    assert chat.outcome(context) == "emergency"


@pytest.mark.parametrize("mode", MODES)
def test_words_on_another_subject_get_the_question_once_more(
    client: TestClient, context: AppContext, mode: str
) -> None:
    # The caller still answers what was asked before ("le docteur Durand"): no answer yet.
    chat = Chat(client, mode)
    assert chat.say(POSSIBLE) == QUESTION
    assert chat.say("le docteur durand") == ["utter_emergency_check_again"]
    assert chat.last["replies"][0]["interruptible"] is False and chat.last["ended"] is False
    assert "oui ou par non" in chat.last["replies"][0]["text"]
    assert chat.say("mardi après-midi") == EMERGENCY  # still no "no": the emergency answer
    assert _emergency_note(chat, context).details["confirmation"] == "unclear"
    assert chat.outcome(context) == "emergency"


def test_a_no_to_the_question_asked_again_goes_on_with_the_first_words(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "message")
    words = "c'est pour ma mère elle est essoufflée rappelez-moi"
    assert chat.say(words) == QUESTION
    assert chat.say("le docteur durand") == ["utter_emergency_check_again"]
    assert chat.say("non") == ["utter_message_go_on"]
    assert chat.send(digits="#") == ["utter_message_recorded", "utter_message_taken"]
    message = next(m for m in chat.messages(context) if m.kind == "message")
    assert words in message.details["text"]
    assert _emergency_note(chat, context).urgency == "high"


def test_no_after_the_question_lets_the_assistant_go_on_with_the_words(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "assistant")
    assert chat.say("je suis essoufflé je voudrais un rendez-vous") == QUESTION
    # Rasa is down here: the words reached the dialogue, which answers the technical problem.
    assert chat.say("non non ça va c'est pas urgent") == ["utter_technical_problem"]
    kinds = {m.kind: m for m in chat.messages(context)}
    doubt = kinds["emergency"]
    assert doubt.urgency == "high" and doubt.details["denied"] is True
    assert "l'appelant a dit que ce n'était pas une urgence" in doubt.summary
    assert kinds["callback"].details["reason"] == "technical"
    assert chat.outcome(context) != "emergency"


def test_no_after_the_question_takes_the_words_as_the_message(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "message")
    words = "c'est pour ma mère elle est essoufflée rappelez-moi"
    assert chat.say(words) == QUESTION
    assert chat.send(digits="2") == ["utter_message_go_on"]  # the message goes on
    assert chat.send(digits="#") == ["utter_message_recorded", "utter_message_taken"]
    message = next(m for m in chat.messages(context) if m.kind == "message")
    assert message.details["text"] == words
    assert _emergency_note(chat, context).urgency == "high"


def test_a_routine_request_after_the_question_is_a_no(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "message")
    assert chat.say("j'ai des palpitations") == QUESTION
    assert chat.say("euh c'est juste pour un rendez-vous") == ["utter_message_go_on"]
    assert chat.send(digits="#") == ["utter_message_recorded", "utter_message_taken"]
    assert _emergency_note(chat, context).urgency == "high"
    message = next(m for m in chat.messages(context) if m.kind == "message")
    assert "rendez-vous" in message.details["text"]


def test_no_after_the_question_ends_the_announcement(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "announcement")
    assert chat.last["replies"][0]["key"] == "utter_outside_hours_announcement"
    assert chat.say(POSSIBLE) == QUESTION
    assert chat.say("non") == []
    assert chat.last["ended"] is True
    assert _emergency_note(chat, context).urgency == "high"


@pytest.mark.parametrize("mode", MODES)
def test_hanging_up_on_the_question_leaves_an_urgent_note(
    client: TestClient, context: AppContext, mode: str
) -> None:
    chat = Chat(client, mode)
    assert chat.say("j'ai un peu de mal à respirer") == QUESTION
    assert client.delete(f"/api/chat/{chat.session_id}", headers=AUTH).status_code == 204
    note = _emergency_note(chat, context)
    assert note.urgency == "urgent" and note.details["confirmation"] == "hangup"
    assert "restée sans réponse" in note.summary
    assert chat.outcome(context) == "emergency"


def test_a_certain_sign_after_the_question_is_answered_and_upgrades_the_note(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "message")
    assert chat.say(POSSIBLE) == QUESTION
    assert chat.say("non mais là il ne respire plus du tout") == EMERGENCY
    note = _emergency_note(chat, context)
    assert note.urgency == "urgent" and note.details["category"] == "breathing"


def test_suicidal_words_get_the_3114_in_message_mode(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "message")
    assert chat.say("je veux en finir avec la vie")[0] == "utter_emergency_suicide"
    assert "3114" in chat.last["replies"][0]["text"]
    assert "propos suicidaires" in _emergency_note(chat, context).summary


def test_a_turn_the_database_cannot_take_still_gets_the_emergency_answer(
    client: TestClient, context: AppContext
) -> None:
    chat = Chat(client, "assistant")
    result = asyncio.run(DialogueSession.unreachable_turn(
        context, chat.session_id, "mon bébé est tout mou et il ne réagit plus"
    ))
    assert [r.key for r in result.replies] == EMERGENCY and result.ended
    assert [m.kind for m in chat.messages(context)] == ["emergency"]
    assert chat.outcome(context) == "emergency"


@pytest.mark.parametrize("how", ["resumed", "fallback"])
def test_resumed_calls_and_the_fallback_run_the_net(context: AppContext, how: str) -> None:
    """A call resumed after its server died, and the message taker used when the assistant
    cannot be opened: the same two levels."""

    async def call(sid: str) -> list[list[str | None]]:
        if how == "resumed":
            conversation = await dialogue.open_conversation(
                context, dialogue.ConversationMode.RESUMED, conversation_id=sid, caller=CALLER
            )
        else:
            await dialogue.open_conversation(
                context, dialogue.ConversationMode.MESSAGE, conversation_id=sid, caller=CALLER
            )
            conversation = dialogue.fallback_conversation(
                context, conversation_id=sid, caller=CALLER
            )
        said = [[r.key for r in (await conversation.start()).replies]]
        said.append([r.key for r in (await conversation.handle_text(POSSIBLE)).replies])
        said.append([r.key for r in (await conversation.handle_silence()).replies])
        await conversation.close("completed")
        return said

    sid = f"CA{how}{id(context)}"
    opening, asked, answered = asyncio.run(call(sid))
    assert opening[0] in ("utter_dropped_message", "utter_outside_hours_message")
    assert asked == QUESTION and answered == EMERGENCY
    with context.db.session() as session:
        [note] = transcripts.messages_for_call(session, sid)
        call_record = transcripts.get_call(session, sid)
    assert note.kind == "emergency" and note.urgency == "urgent"
    assert call_record is not None and call_record.outcome == "emergency"


@pytest.mark.parametrize(
    ("said", "first", "last", "callback"),
    [
        (["bonjour je suis nicole leroy je voulais savoir si mes résultats sont arrivés",
          "rappelez-moi au zéro six douze trente quatre cinquante six soixante dix huit"],
         "nicole", "leroy", "+33612345678"),
        (["c'est madame leroy pour mes résultats d'analyse", "leroy nicole"],
         "nicole", "leroy", CALLER),
        # No name said, and no other number: the calling number.
        (["c'est pour mes résultats de prise de sang"], None, None, CALLER),
        # Numbers that are not the caller's own keep the calling number.
        (["mon numéro de sécurité sociale c'est un quatre vingt cinq zéro cinq soixante dix huit "
          "zéro zéro six zéro quatre vingt quatre",
          "et la pharmacie c'est le zéro quatre soixante dix huit douze trente quatre "
          "cinquante six"],
         None, None, CALLER),
        (["marc dubois joignable au zéro six douze trente quatre cinquante six soixante dix huit"],
         None, None, "+33612345678"),
    ],
)
def test_a_message_keeps_the_name_and_number_the_caller_gave(
    client: TestClient, context: AppContext, said: list[str], first: str | None,
    last: str | None, callback: str,
) -> None:
    chat = Chat(client, "message")
    for words in said:
        assert chat.say(words) == []  # the message goes on: nothing said, still listening
    assert chat.send(digits="#") == ["utter_message_recorded", "utter_message_taken"]
    [message] = [m for m in chat.messages(context) if m.kind == "message"]
    assert (message.first_name, message.last_name) == (first, last)
    assert message.callback_number == callback
