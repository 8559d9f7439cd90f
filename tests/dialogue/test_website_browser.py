"""The website chat in a real browser (Debian's Chromium, driven by Playwright): a practice page
served on another origin embeds the widget with its one tag; a patient books through it with the
keyboard alone, and the booking is in the agenda and on the secretary's « Aujourd'hui » page; on
a phone's screen, with the text at 200 %, an emergency phrase gets the emergency answer; axe-core
finds no serious or critical violation; an undeclared site gets no widget. The gateway and the
Rasa server are real (`live_gateway`, `rasa_server`).

Screenshots go to the temporary folder (`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

import agenda
import staff
from core import AnsweringMode
from tests.conftest import LiveGateway
from tests.staff.support import PASSWORD, add_user
from tests.staff.test_browser import CHROMIUM_ARGS, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

KEY = "cabinet-medical-des-tilleuls"
LAST_NAME = "lefebvre"
BORN = "le 4 septembre 1975"
# What the patient types, by the key of the assistant's last question.
PATIENT = {
    "utter_how_can_i_help": "je voudrais prendre rendez-vous pour un vaccin",
    "utter_ask_practitioner": "peu importe",
    "utter_ask_time_preference": "le plus tôt possible",
    "utter_ask_chosen_slot": "le 1er",
    "utter_which_slot": "le premier",
    "utter_ask_last_name": LAST_NAME,
    "utter_ask_first_name": "claire",
    "utter_ask_full_name": f"claire {LAST_NAME}",
    "utter_invalid_name": LAST_NAME,
    "utter_ask_birth_date": BORN,
    "utter_ask_callback_number": "06 12 34 56 78",
    "utter_ask_booking_confirmed": "oui",
    "utter_yes_or_no": "oui",
    "utter_anything_else": "non merci, au revoir",
}


class _Site:
    """A practice's own website: one page with the tag, on its own origin."""

    def __init__(self, gateway: str) -> None:
        page = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Cabinet médical des Tilleuls</title></head><body>"
            "<header><h1>Cabinet médical des Tilleuls</h1></header>"
            '<main><p>Médecine générale, sur rendez-vous.</p><p><a href="#plan">Plan d\'accès'
            "</a></p></main>"
            f'<script src="{gateway}/widget.js" data-practice="{KEY}" defer></script>'
            "</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(live_gateway: LiveGateway, rasa_server: str) -> Iterator[_Site]:
    """The practice's site, declared in its settings; the assistant answers at any hour, so
    that the test does not depend on when it runs (restored afterwards)."""
    served = _Site(live_gateway.url)
    store = live_gateway.context.practice_store
    original = store.current()
    website = original.website.model_copy(update={"origins": [served.url]})
    answering = original.answering.model_copy(update={"mode": AnsweringMode.ALWAYS})
    store.save(
        original.model_copy(update={"website": website, "answering": answering}),
        actor="tests", expected_version=store.version,
    )
    try:
        yield served
    finally:
        store.current()
        store.save(original, actor="tests", expected_version=store.version)
        served.close()


def _tab(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="fr-FR", **options)
    context.set_default_timeout(15_000)
    return context


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 1000, path


def _serious(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page (its shadow roots included)."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def _focused(page: Page) -> str | None:
    result: str | None = page.evaluate(
        "() => { const r = document.getElementById('standardiste-chat');"
        " const a = r && r.shadowRoot.activeElement; return a ? (a.id || a.className) : null; }"
    )
    return result


def _replies(page: Page) -> Locator:
    return page.locator("#standardiste-chat li.sd-assistant")


def _converse(page: Page) -> list[str]:
    """Answer each question from the script, typing and pressing Enter, until the end."""
    field = page.get_by_label("Votre message")
    panel = page.locator("#sd-panel")
    for _ in range(20):
        if panel.get_attribute("data-state") == "ended":
            break
        keys = _replies(page).evaluate_all("items => items.map(i => i.dataset.key)")
        answer = next((PATIENT[k] for k in reversed(keys) if k in PATIENT), None)
        assert answer is not None, f"no scripted answer after {keys}"
        field.press_sequentially(answer)
        field.press("Enter")
        expect(page.locator("#standardiste-chat .sd-status")).to_have_text("", timeout=60_000)
        expect(_replies(page)).not_to_have_count(len(keys))
    expect(panel).to_have_attribute("data-state", "ended")
    keys: list[str] = _replies(page).evaluate_all("items => items.map(i => i.dataset.key)")
    return keys


def test_a_patient_books_through_the_widget_with_the_keyboard_alone(
    browser: Browser, site: _Site, live_gateway: LiveGateway
) -> None:
    tab = _tab(browser, viewport={"width": 1280, "height": 900})
    page = tab.new_page()
    page.goto(site.url)
    launcher = page.get_by_role("button", name="Écrire au cabinet")
    expect(launcher).to_have_css("position", "fixed")
    assert _serious(page) == []
    # Keyboard only: the page's link, then the widget's button; Enter opens it on the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page) == "sd-launcher"
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(_replies(page).first).to_be_visible()
    assert _focused(page) == "sd-input"
    notice = page.locator("#standardiste-chat .sd-notice")
    expect(notice).to_contain_text("assistant automatisé")
    expect(notice).to_contain_text("avis médical")
    for number in ("15", "112", "114 par SMS", "3114"):
        expect(notice).to_contain_text(number)
    expect(page.locator("#standardiste-chat [role=log]")).to_have_attribute("aria-live", "polite")

    keys = _converse(page)
    assert "utter_booked" in keys and keys[-1] == "utter_goodbye"
    said = " ".join(_replies(page).all_inner_texts()).lower()
    assert "claire" in said and LAST_NAME in said  # the read-back names the patient
    # The date of birth is never said back (the appointment's own date may be any day).
    assert "1975" not in said and "04/09" not in said, said
    assert _serious(page) == []
    _shot(page, "widget")
    # Escape closes the window and gives the focus back to its button.
    page.get_by_role("button", name="Nouvelle conversation").focus()
    page.keyboard.press("Escape")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert _focused(page) == "sd-launcher"

    booked = _booked(live_gateway)
    assert booked.source == "web" and booked.patient.to_verify
    _secretary_sees(tab, live_gateway, booked)
    tab.close()


def _booked(gateway: LiveGateway) -> agenda.AppointmentInfo:
    practice = gateway.context.practice
    now = dt.datetime.now(dt.UTC)
    with gateway.context.db.session() as session:
        found = agenda.appointments_between(
            session, practice, now, now + dt.timedelta(days=practice.booking.horizon_days + 1)
        )
    [booked] = [
        a for a in found
        if a.patient.last_name.lower() == LAST_NAME and (a.call_sid or "").startswith("web-")
    ]
    return booked


def _secretary_sees(tab: BrowserContext, gateway: LiveGateway, booked: Any) -> None:
    with gateway.context.db.session() as session:
        known = {u.username for u in staff.list_accounts(session)}
    if "sophie" not in known:
        add_user(gateway.context, "sophie", staff.Role.SECRETARY, display_name="Sophie Leroy")
    page = tab.new_page()
    page.goto(f"{gateway.url}/login")
    page.get_by_label("Identifiant").fill("sophie")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{gateway.url}/inbox")
    day = booked.created_at.astimezone(gateway.context.practice.tz).date()
    page.goto(f"{gateway.url}/today?day={day.isoformat()}")
    row = page.locator(f"#bookings tr[data-appointment-id='{booked.id}']")
    expect(row).to_have_attribute("data-source", "web")
    expect(row).to_contain_text(LAST_NAME.upper())
    expect(row).to_contain_text("chat du site")
    expect(row).to_contain_text("à vérifier")


def test_on_a_phone_with_large_text_an_emergency_gets_the_emergency_answer(
    browser: Browser, site: _Site
) -> None:
    tab = _tab(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2,
        is_mobile=True, has_touch=True,
    )
    page = tab.new_page()
    page.goto(site.url)
    launcher = page.get_by_role("button", name="Écrire au cabinet")
    expect(launcher).to_have_css("position", "fixed")
    launcher.tap()
    expect(_replies(page).first).to_be_visible()
    panel = page.locator("#sd-panel")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    field = page.get_by_label("Votre message")
    field.fill("Mon mari ne respire plus !")
    page.get_by_role("button", name="Envoyer").tap()
    urgent = page.locator("#standardiste-chat li.sd-urgent")
    expect(urgent.first).to_contain_text("15")
    expect(urgent.first).to_contain_text("112")
    expect(urgent.nth(1)).to_contain_text("114")
    expect(panel).to_have_attribute("data-state", "ended")
    restart = page.get_by_role("button", name="Nouvelle conversation")
    expect(restart).to_be_focused()
    assert _serious(page) == []
    _shot(page, "widget-phone")
    # The reader's text at 200 %: nothing wider than the screen, everything still reachable.
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    assert page.evaluate(
        "() => { const p = document.getElementById('standardiste-chat').shadowRoot"
        ".getElementById('sd-panel'); return p.scrollWidth <= p.clientWidth; }"
    )
    assert _serious(page) == []
    restart.tap()
    expect(page.get_by_label("Votre message")).to_be_editable()
    expect(_replies(page).first).to_be_visible()
    page.get_by_role("button", name="Fermer la discussion").tap()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    tab.close()


def test_a_site_the_practice_did_not_declare_gets_no_widget(
    browser: Browser, site: _Site, live_gateway: LiveGateway
) -> None:
    other = _Site(live_gateway.url)
    tab = _tab(browser)
    page = tab.new_page()
    try:
        # The gateway refuses the page's origin (403, no CORS header): the browser hides the
        # answer from the script, which draws nothing and says so in the console.
        with page.expect_console_message(lambda m: "standardiste" in m.text) as said:
            page.goto(other.url)
        assert said.value.type == "warning"
        assert page.locator("#standardiste-chat").count() == 0
    finally:
        tab.close()
        other.close()


class _Patient:
    """A patient typing in the widget, through its API (what the script sends)."""

    def __init__(self, gateway: LiveGateway, origin: str) -> None:
        self.http = httpx.Client(base_url=gateway.url, headers={"Origin": origin}, timeout=60)
        opened = self.http.post("/public/chat", json={"practice": KEY})
        assert opened.status_code == 201, opened.text
        self.url = f"/public/chat/{opened.json()['conversation_id']}"
        self.last: dict[str, Any] = opened.json()

    def say(self, text: str) -> list[str | None]:
        reply = self.http.post(self.url, json={"text": text})
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return [r["key"] for r in self.last["replies"]]

    def text(self) -> str:
        return " ".join(r["text"] for r in self.last["replies"])


def test_a_wrong_identity_gets_the_same_answer_as_an_unknown_one(
    site: _Site, live_gateway: LiveGateway
) -> None:
    context = live_gateway.context
    practice = context.practice
    with context.db.session() as session:
        patient = agenda.register_patient(
            session, last_name="Garnier", first_name="Louise", birth_date=dt.date(1961, 5, 20),
            source=agenda.Source.STAFF,
        )
        [slot] = agenda.search_slots(session, practice, "consultation", limit=1)
        agenda.book_appointment(
            session, practice, practitioner_id=slot.practitioner_id,
            appointment_type_id="consultation", start=slot.start, patient_id=patient.id,
        )
    answers = []
    for last, first, born in (
        ("garnier", "louise", "le 21 mai 1961"),  # the right name, a wrong date of birth
        ("nobody", "jean", "le 1er janvier 1948"),  # nobody on file
        ("garnier", "louise", "le 20 mai 1961"),  # the right identity
    ):
        patient_typing = _Patient(live_gateway, site.url)
        assert patient_typing.say("je voudrais annuler mon rendez-vous") == [
            "utter_understood_cancel", "utter_ask_full_name"
        ]
        assert patient_typing.say(f"{first} {last}") == ["utter_ask_birth_date"]
        answers.append((patient_typing.say(born), patient_typing.text()))
    assert answers[0] == answers[1]
    assert answers[0][0] == ["utter_no_appointment_found", "utter_anything_else"]
    assert answers[2][0] == ["utter_ask_appointment_confirmed"]
    assert "1961" not in answers[2][1]  # the appointment is read back, the birth date never

    # "Parler au secrétariat" cannot be put through in writing: the number, then a message.
    asking = _Patient(live_gateway, site.url)
    keys = asking.say("je voudrais parler à la secrétaire")
    assert keys[0] == "utter_web_no_transfer" and practice.practice.phone in asking.text()
    assert asking.last["ended"] is False
