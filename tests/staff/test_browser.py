"""The staff pages in a real browser (Debian's Chromium, driven by Playwright) against the
gateway served by uvicorn on a real port, with the real Rasa server for the conversation.

Screenshots land in a temporary folder, so a test run leaves the checkout as it found it;
`make screenshots` runs this module with ``STANDARDISTE_SCREENSHOTS=docs/screenshots`` to
refresh the pictures of the README and docs/staff-web.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy import select

import agenda
import staff
import transcripts
from tests.conftest import LiveGateway
from tests.staff.support import PASSWORD, add_user
from tests.support import PUBLIC_BASE, call_params, sign
from tests.transcripts.stats_month import seed_bookings, seed_month
from transcripts.models import Call, InboxMessage

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(
    os.environ.get("STANDARDISTE_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / "standardiste-screenshots"
)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# What the caller says, by the key of the assistant's question (a renewal request).
CALLER_SCRIPT = {
    "utter_how_can_i_help": "je voudrais renouveler mon ordonnance",
    "utter_listening": "je voudrais renouveler mon ordonnance",
    "utter_ask_medicine": "levothyrox soixante quinze",
    "utter_ask_full_name": "marie dupont",
    "utter_invalid_name": "marie dupont",
    "utter_ask_patient_confirmed": "oui",
    "utter_ask_birth_date": "le douze mars mille neuf cent cinquante quatre",
    "utter_invalid_birth_date": "le douze mars mille neuf cent cinquante quatre",
    "utter_ask_phone_confirmed": "oui",
    "utter_yes_or_no": "oui",
    "utter_ask_callback_number": "zéro six douze trente quatre cinquante six soixante dix huit",
    "utter_anything_else": "non merci",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Browser, live_gateway: LiveGateway) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_gateway.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000, path


def _login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _account(gateway: LiveGateway, username: str, role: staff.Role, name: str) -> None:
    with gateway.context.db.session() as session:
        known = {u.username for u in staff.list_accounts(session)}
    if username not in known:
        add_user(gateway.context, username, role, display_name=name)


def test_wrong_password_is_refused_then_the_right_one_lets_in(
    tab: BrowserContext, live_gateway: LiveGateway
) -> None:
    _account(live_gateway, "sophie", staff.Role.SECRETARY, "Sophie Leroy")
    page = tab.new_page()
    page.goto("/inbox")
    expect(page).to_have_url(f"{live_gateway.url}/login?next=/inbox")
    page.get_by_label("Identifiant").fill("sophie")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    _shot(page, "login")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-error")).to_be_visible()
    assert not [c for c in tab.cookies() if c["name"] == "standardiste_session"]
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_gateway.url}/inbox")
    [cookie] = [c for c in tab.cookies() if c["name"] == "standardiste_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Keyboard: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()


def test_requests_without_the_csrf_token_are_refused(
    tab: BrowserContext, live_gateway: LiveGateway
) -> None:
    _account(live_gateway, "claire", staff.Role.PRACTITIONER, "Dr Claire Martin")
    page = tab.new_page()
    _login(page, "claire")
    page.goto("/settings")
    version = live_gateway.context.practice_store.version
    # A form whose token was stripped (what a forged cross-site form would send).
    page.locator("#booking input[name=csrf_token]").evaluate("field => field.remove()")
    with page.expect_response(lambda r: r.url.endswith("/settings/booking")) as answer:
        page.get_by_role("button", name="Enregistrer les types de rendez-vous").click()
    assert answer.value.status == 403
    # The chat API called with the session cookie but without the header.
    refused = tab.request.post(f"{live_gateway.url}/api/chat", data={})
    assert refused.status == 403
    assert live_gateway.context.practice_store.version == version


@pytest.mark.rasa
def test_a_chat_conversation_lands_in_the_inbox_and_gets_handled(
    tab: BrowserContext, live_gateway: LiveGateway, rasa_server: str
) -> None:
    _account(live_gateway, "sophie", staff.Role.SECRETARY, "Sophie Leroy")
    inbox = tab.new_page()
    _login(inbox, "sophie", PASSWORD)
    inbox.goto("/inbox")
    before = inbox.locator("tr[data-kind=renewal]").count()

    phone = tab.new_page()
    phone.goto("/try")
    phone.get_by_label("Numéro de l'appelant (facultatif)").fill("06 12 34 56 78")
    phone.get_by_role("button", name="Appeler").click()
    softphone = phone.locator("#softphone")
    expect(phone.locator("#conversation li.assistant").first).to_be_visible()
    heard: list[str] = []
    for _ in range(20):
        expect(phone.get_by_role("button", name="Envoyer")).to_be_enabled(timeout=30_000)
        keys = phone.locator("#conversation li.assistant").evaluate_all(
            "items => items.map(i => i.dataset.key)"
        )
        heard = keys
        answer = next((CALLER_SCRIPT[k] for k in reversed(keys) if k in CALLER_SCRIPT), None)
        assert answer is not None, f"no scripted answer after {keys}"
        phone.get_by_label("Vous dites").fill(answer)
        phone.get_by_label("Vous dites").press("Enter")
        phone.wait_for_function(
            "n => document.querySelectorAll('#conversation li').length > n",
            arg=len(keys) + 1,
        )
        if "utter_renewal_noted" in phone.locator("#conversation li.assistant").evaluate_all(
            "items => items.map(i => i.dataset.key)"
        ) and answer == CALLER_SCRIPT["utter_anything_else"]:
            break
    expect(softphone).to_have_attribute("data-state", "ended", timeout=30_000)
    _shot(phone, "try-the-assistant")
    assert "utter_ask_medicine" in heard

    # The inbox page, left open, shows the new message without being reloaded.
    new_row = inbox.locator("tr[data-kind=renewal]")
    expect(new_row).to_have_count(before + 1, timeout=20_000)
    _shot(inbox, "inbox")
    row = new_row.first
    expect(row).to_contain_text("Levothyrox")
    row.get_by_role("link").first.click()
    transcript = inbox.locator("#transcript li")
    expect(transcript.first).to_be_visible()
    expect(inbox.locator("#transcript")).to_contain_text("levothyrox")
    assert transcript.count() >= 8
    expect(inbox.locator("#callback")).to_have_attribute("href", "tel:+33612345678")
    _shot(inbox, "message-detail")
    message_id = int(inbox.url.rsplit("/", 1)[1])
    inbox.get_by_role("button", name="Marquer comme traité").click()
    expect(inbox).to_have_url(f"{live_gateway.url}/inbox")
    expect(inbox.locator(f"tr[data-message-id='{message_id}']")).to_have_count(0)
    with live_gateway.context.db.session() as session:
        done = [m for m in transcripts.list_messages(session) if m.id == message_id]
        assert done and done[0].status == "done" and done[0].kind == "renewal"


def _incoming_call_mode(gateway: LiveGateway, call_sid: str) -> str | None:
    params = call_params(call_sid)
    reply = httpx.post(
        f"{gateway.url}/twilio/voice", data=params, timeout=10,
        headers={"X-Twilio-Signature": sign(f"{PUBLIC_BASE}/twilio/voice", params)},
    )
    assert reply.status_code == 200, reply.text
    stream = ET.fromstring(reply.text).find("Connect/Stream")
    assert stream is not None
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}["mode"]


def test_closing_the_office_hours_makes_twilio_calls_out_of_hours(
    tab: BrowserContext, live_gateway: LiveGateway
) -> None:
    store = live_gateway.context.practice_store
    original = store.current()
    _account(live_gateway, "claire", staff.Role.PRACTITIONER, "Dr Claire Martin")
    try:
        page = tab.new_page()
        _login(page, "claire")
        page.goto("/settings")
        page.get_by_label("24 h/24, 7 j/7").check()
        page.get_by_role("button", name="Enregistrer la réponse").click()
        expect(page.locator("#notice")).to_be_visible()
        assert _incoming_call_mode(live_gateway, "CA" + "a" * 32) == "assistant"

        page.get_by_label("Heures d'ouverture du secrétariat").check()
        page.get_by_role("button", name="Enregistrer la réponse").click()
        expect(page.locator("#notice")).to_be_visible()
        page.get_by_label("Heures du secrétariat propres").check()
        for field in page.locator("input[name^=office_]").all():
            if field.get_attribute("type") != "checkbox":
                field.fill("")
        _shot(page, "settings")
        page.get_by_role("button", name="Enregistrer les horaires").click()
        expect(page.locator("#notice")).to_be_visible()
        assert _incoming_call_mode(live_gateway, "CA" + "b" * 32) == "message"

        page.goto("/settings/audit")
        expect(page.locator(".audit-entry").first).to_contain_text("claire")
        _shot(page, "settings-audit")
    finally:
        store.current()
        store.save(original, actor="tests", expected_version=store.version)


def test_a_practitioner_turns_on_texts_to_patients(
    tab: BrowserContext, live_gateway: LiveGateway
) -> None:
    store = live_gateway.context.practice_store
    original = store.current()
    _account(live_gateway, "claire", staff.Role.PRACTITIONER, "Dr Claire Martin")
    try:
        page = tab.new_page()
        _login(page, "claire")
        page.goto("/settings#sms")
        section = page.locator("#sms")
        section.get_by_label("Confirmation d'un rendez-vous").check()
        section.get_by_label("Rappel avant chaque rendez-vous").check()
        section.get_by_label("Délais des rappels").fill("48, 2")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(SCREENSHOTS / "settings-sms.png"))
        assert (SCREENSHOTS / "settings-sms.png").stat().st_size > 1000
        section.get_by_role("button", name="Enregistrer les SMS").click()
        expect(page.locator("#notice")).to_be_visible()
        sms = store.current().sms
        assert (sms.confirmations, sms.reminders, sms.reminder_hours, sms.ready) == (
            True, True, [48, 2], False)
    finally:
        store.current()
        store.save(original, actor="tests", expected_version=store.version)


def _seed_statistics(gateway: LiveGateway) -> None:
    """Three months' worth of calls squeezed into the last thirty days, their messages handled
    (so that the inbox of the other tests stays as they expect it), and some bookings."""
    now = dt.datetime.now(dt.UTC)
    context = gateway.context
    with context.db.session() as session:
        if session.scalar(select(Call.id).where(Call.call_sid.startswith("BR"))) is not None:
            return
        for n in range(3):
            seed_month(session, now, prefix=f"BR{n}")
        session.flush()
        seeded = select(InboxMessage).join(Call).where(Call.call_sid.startswith("BR"))
        for message in session.scalars(seeded):
            if message.status != "done":
                message.status = "done"
                message.handled_at = message.created_at + dt.timedelta(hours=5)
        agenda.sync_from_config(session, context.practice)
    kind = context.practice.appointment_types[0]
    with context.db.session() as session:
        seed_bookings(session, now, kind.practitioners[0], kind.id)


def test_the_statistics_page_charts_the_month_and_the_review_queue_marks_calls(
    tab: BrowserContext, live_gateway: LiveGateway
) -> None:
    _seed_statistics(live_gateway)
    _account(live_gateway, "claire", staff.Role.PRACTITIONER, "Dr Claire Martin")
    page = tab.new_page()
    _login(page, "claire")
    page.get_by_role("link", name="Statistiques").click()
    expect(page).to_have_url(f"{live_gateway.url}/stats")
    expect(page.locator("[data-figure=calls] dd").first).not_to_have_text("0")
    expect(page.locator("#calls-chart rect.bar").first).to_be_visible()
    assert page.locator("#calls-table tbody tr").count() == 30
    assert page.locator("#heat-chart g.cell").count() == 7 * 24
    _shot(page, "stats")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("appel;début;fin;")
    assert len(exported.splitlines()) > 100

    page.get_by_label("Cette semaine").check()
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"period=week"))
    assert 1 <= page.locator("#calls-table tbody tr").count() <= 7

    page.get_by_role("link", name="Appels à revoir").first.click()
    rows = page.locator("#review-rows tbody tr[data-call-id]")
    expect(rows.first).to_be_visible()
    call_id = rows.first.get_attribute("data-call-id")
    rows.first.get_by_role("link").click()
    expect(page.locator("#transcript li").first).to_be_visible()
    expect(page.locator("#reasons .badge").first).to_be_visible()
    _shot(page, "review-call")
    page.get_by_role("button", name="Marquer comme revu").click()
    expect(page).to_have_url(f"{live_gateway.url}/review")
    expect(page.locator(f"tr[data-call-id='{call_id}']")).to_have_count(0)
    page.get_by_label("Période").select_option("week")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/review\?.*period=week"))
    _shot(page, "review")
