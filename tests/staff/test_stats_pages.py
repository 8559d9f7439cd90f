"""The statistics page, its CSV export, ``/api/stats`` and the review queue over a seeded month
(real app, real SQLite); every figure checked against what was written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

import agenda
import staff
from core import PROJECT_ROOT, AppContext
from staff import stats_figures
from staff.stats_pages import _cell
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.staff.html_tables import key_figures, keyed, table
from tests.staff.support import add_user, login, session_csrf
from tests.support import API_TOKEN, make_settings
from tests.transcripts.stats_month import PARIS, Seeded, SeededBookings, seed_bookings, seed_month
from transcripts.models import Call
from transcripts.recordings import recording_path

RESOLVED = {"booked", "moved", "cancelled", "answered"}
REQUESTS = {"renewal", "certificate", "sick_leave", "message"}
HANDLINGS = ("assistant", "transferred", "outside_hours")


@dataclass(frozen=True)
class Month:
    context: AppContext
    app: FastAPI
    calls: Seeded
    bookings: SeededBookings

    @property
    def query(self) -> str:
        return f"period=custom&from={self.calls.first_day}&to={self.calls.last_day}"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    """One seeded month and one app for the module; the tests read it, and put back what they
    change (a review mark)."""
    settings = make_settings(tmp_path_factory.mktemp("stats"))
    upgrade(settings.database_url)
    context = build_context(settings)
    now = dt.datetime.now(dt.UTC)
    with context.db.session() as session:
        calls = seed_month(session, now)
        agenda.sync_from_config(session, context.practice)
    kind = context.practice.appointment_types[0]
    with context.db.session() as session:
        bookings = seed_bookings(session, now, kind.practitioners[0], kind.id)
    for username, role in ROLES.items():
        add_user(context, username, role)
    yield Month(context, create_app(context=context), calls, bookings)
    context.db.dispose()


ROLES = {"claire": staff.Role.PRACTITIONER, "sophie": staff.Role.SECRETARY,
         "admin": staff.Role.ADMIN}


def _browser(month: Month, username: str) -> tuple[TestClient, str]:
    client = TestClient(month.app, base_url="http://localhost")
    assert login(client, username).status_code == 303
    return client, session_csrf(client)


@pytest.fixture
def web(month: Month) -> TestClient:
    return TestClient(month.app, base_url="http://localhost")


@pytest.fixture
def practitioner(month: Month) -> TestClient:
    return _browser(month, "claire")[0]


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %"


def test_the_page_shows_every_figure_of_the_month(practitioner: TestClient, month: Month) -> None:
    page = practitioner.get(f"/stats?{month.query}")
    assert page.status_code == 200, page.text
    html = page.text
    seeded = month.calls
    groups = seeded.groups("voice")
    total = sum(groups.values())
    resolved = sum(groups[g] for g in RESOLVED)
    taken = resolved + sum(groups[g] for g in REQUESTS)
    figures = key_figures(html)
    assert figures["calls"] == str(total)
    for handling in HANDLINGS:
        assert figures[handling] == str(seeded.handlings("voice")[handling])
    assert figures["resolved"] == _percent(resolved, total)
    assert figures["time_saved"] == f"{taken * 4 // 60} h {taken * 4 % 60:02d}"
    assert figures["transfers_unanswered"] == str(groups["transfer_unanswered"])
    assert figures["open_too_long"] == str(seeded.open_too_long)
    assert figures["median_handling"] == f"{seeded.median_handling_s / 3600:.0f} h 00"
    assert figures["to_review"] == str(len(seeded.troubled("voice")))

    outcomes = keyed(html, "outcomes-table", "data-group")
    assert {k: int(v[0]) for k, v in outcomes.items()} == dict(groups)
    assert outcomes["booked"][1] == _percent(groups["booked"], total)

    by_day: Counter[tuple[str, str]] = Counter(
        (start.astimezone(PARIS).date().isoformat(), spec.handling)
        for _, spec, start in seeded.of("voice")
    )
    days = keyed(html, "calls-table", "data-day")
    assert len(days) == 30
    for day, cells in days.items():
        assert [int(c) for c in cells] == [by_day[day, h] for h in HANDLINGS] + [
            sum(by_day[day, h] for h in HANDLINGS)
        ]
    heat = [cells for _, cells in table(html, "heat-table")[1:]]
    expected_heat: Counter[tuple[int, int]] = Counter(
        (start.astimezone(PARIS).weekday(), start.astimezone(PARIS).hour)
        for _, _, start in seeded.of("voice")
    )
    assert [[int(c) for c in row[1:]] for row in heat] == [
        [expected_heat[day, hour] for day in range(7)] for hour in range(24)
    ]

    bookings = keyed(html, "bookings-table", "data-channel")
    assert {k: int(v[0]) for k, v in bookings.items() if int(v[0])} == month.bookings.booked
    assert {k: int(v[1]) for k, v in bookings.items() if int(v[1])} == month.bookings.moved
    cancels = keyed(html, "cancellations-table", "data-canceller")
    assert int(cancels.pop("no_show")[0]) == month.bookings.no_shows
    assert {k: int(v[0]) for k, v in cancels.items()} == month.bookings.cancelled
    messages = keyed(html, "messages-table", "data-kind")
    assert {k: int(v[0]) for k, v in messages.items()} == dict(seeded.messages_by_kind)
    # Counts only: no caller's number on the page.
    assert "+336" not in html and "06 12" not in html
    assert 'id="sms-table"' not in html


def test_charts_are_svg_readable_without_colour(practitioner: TestClient, month: Month) -> None:
    html = practitioner.get(f"/stats?{month.query}").text
    for chart in ("calls-chart", "heat-chart", "outcomes-chart", "bookings-chart"):
        assert f'<svg id="{chart}"' in html
    # The three series of the calls chart differ by pattern; every bar says what it is.
    for pattern in ("solid", "hatch", "dots"):
        assert f'data-pattern="{pattern}"' in html
    bars = len(re.findall(r'<rect class="bar"', html))
    assert bars > 30
    assert len(re.findall(r'<rect class="bar"[^>]*><title>[^<]+</title>', html)) == bars
    # The heat map writes its numbers in the cells.
    assert re.search(r'<text [^>]*font-size="10"[^>]*>\d+</text>', html)
    assert "<script" not in html.split("</head>", 1)[1]


def test_a_long_period_is_charted_by_week_and_a_bad_one_explained(
    practitioner: TestClient, month: Month
) -> None:
    first = month.calls.last_day - dt.timedelta(days=120)
    page = practitioner.get(f"/stats?period=custom&from={first}&to={month.calls.last_day}")
    assert page.status_code == 200
    weeks = keyed(page.text, "calls-table", "data-day")
    assert 17 <= len(weeks) <= 19
    assert sum(int(cells[-1]) for cells in weeks.values()) == len(month.calls.of("voice"))
    assert 'id="retention-note"' in page.text  # calls older than 90 days are purged

    wrong = practitioner.get("/stats?period=custom&from=2027-02-01&to=2027-01-01")
    assert wrong.status_code == 422
    assert "la date de fin précède la date de début" in wrong.text
    missing = practitioner.get("/stats?period=custom&from=&to=")
    assert missing.status_code == 422 and "indiquez la date de début" in missing.text
    ancient = practitioner.get("/stats?period=custom&from=0001-01-01&to=0001-01-02")
    assert ancient.status_code == 422 and "des dates entre 2000 et 2999" in ancient.text


def _csv(reply_text: str) -> list[dict[str, str]]:
    assert reply_text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(reply_text[1:]), delimiter=";"))


def test_the_csv_export_matches_the_database(practitioner: TestClient, month: Month) -> None:
    reply = practitioner.get(f"/stats/export.csv?{month.query}&channel=all")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = _csv(reply.text)
    with month.context.db.session() as session:
        calls = {c.id: c for c in session.scalars(select(Call))}
    assert sorted(int(r["appel"]) for r in rows) == sorted(calls)
    specs = {call_id: spec for call_id, spec, _ in month.calls.calls}
    for row in rows:
        call = calls[int(row["appel"])]
        started = call.started_at.replace(tzinfo=dt.UTC).astimezone(PARIS)
        assert row["début"] == started.strftime("%Y-%m-%d %H:%M:%S")
        assert row["canal"] == call.channel and row["issue"] == (call.outcome or "")
        assert row["pris par"] == call.answered_by
        spec = specs[call.id]
        assert row["catégorie"] == spec.group and row["traitement"] == spec.handling
        assert row["revu"] == "non"
        assert bool(row["à revoir"]) == bool(spec.reasons)
    assert "transcription" not in rows[0]
    assert "+336" not in reply.text
    # The transcripts' text: admins only.
    refused = practitioner.get(f"/stats/export.csv?{month.query}&transcripts=1")
    assert refused.status_code == 403
    admin, _ = _browser(month, "admin")
    full = _csv(admin.get(f"/stats/export.csv?{month.query}&transcripts=1").text)
    assert len(full) == len(month.calls.of("voice"))
    assert all(r["transcription"].startswith("Assistant : Bonjour") for r in full)
    texts = {r["catégorie"]: r["transcription"] for r in full}
    assert "Appelant : je voudrais un rendez-vous" in texts["booked"]
    assert "Appelant : (silence)" in texts["callback"] or "problème technique" in texts["callback"]


def test_a_spreadsheet_never_runs_an_exported_cell() -> None:
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("+33 6") == "'+33 6" and _cell("Appelant : oui") == "Appelant : oui"


def test_the_json_api_gives_the_same_figures(web: TestClient, month: Month) -> None:
    seeded = month.calls
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    reply = web.get(f"/api/stats?from={seeded.first_day}&to={seeded.last_day}", headers=auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    groups = seeded.groups("voice")
    assert body["calls"]["total"] == sum(groups.values())
    assert body["calls"]["by_outcome_group"] == dict(groups)
    assert {h: body["calls"][h] for h in HANDLINGS} == {
        h: seeded.handlings("voice")[h] for h in HANDLINGS
    }
    assert sum(d["total"] for d in body["calls"]["by_day"]) == sum(groups.values())
    assert sum(map(sum, body["calls"]["by_weekday_hour"])) == sum(groups.values())
    assert body["bookings"]["booked"] == month.bookings.booked
    assert body["bookings"]["cancelled"] == month.bookings.cancelled
    assert body["messages"]["by_kind"] == dict(seeded.messages_by_kind)
    assert body["messages"]["open_after_24h"] == seeded.open_too_long
    assert body["sms"] is None
    everything = web.get(
        f"/api/stats?from={seeded.first_day}&to={seeded.last_day}&channel=all", headers=auth
    ).json()
    assert everything["calls"]["total"] == len(seeded.calls)
    assert web.get("/api/stats?from=2027-02-01&to=2027-01-01", headers=auth).status_code == 422
    assert web.get("/api/stats?from=9999-12-30&to=9999-12-31", headers=auth).status_code == 422
    spec = web.get("/openapi.json", headers=auth).json()
    assert "/api/stats" in spec["paths"]


def test_a_secretary_reviews_calls_but_sees_no_statistics(month: Month) -> None:
    web, csrf = _browser(month, "sophie")
    assert web.get("/stats").status_code == 403
    assert web.get("/stats/export.csv").status_code == 403
    assert web.get(f"/api/stats?from={month.calls.first_day}&to={month.calls.last_day}"
                   ).status_code == 403
    listed = web.get(f"/review?{month.query}")
    assert listed.status_code == 200
    ids = [int(a.get("data-call-id", 0)) for a, _ in table(listed.text, "review-rows")
           if "data-call-id" in a]
    assert sorted(ids) == sorted(month.calls.troubled("voice"))
    call_id = ids[0]
    detail = web.get(f"/review/{call_id}")
    assert detail.status_code == 200 and 'id="transcript"' in detail.text
    assert web.post(f"/review/{call_id}/reviewed", data={"reviewed": "1"}).status_code == 403
    marked = web.post(f"/review/{call_id}/reviewed", data={"reviewed": "1", "csrf_token": csrf},
                      follow_redirects=False)
    assert marked.status_code == 303
    after = web.get(f"/review?{month.query}").text
    assert f'data-call-id="{call_id}"' not in after
    done = web.get(f"/review?{month.query}&state=done").text
    assert f'data-call-id="{call_id}"' in done and "revu par sophie" in done
    assert web.get("/review/999999").status_code == 404
    assert web.post("/review/999999/reviewed", data={"csrf_token": csrf}).status_code == 404
    back = web.post(f"/review/{call_id}/reviewed", data={"reviewed": "0", "csrf_token": csrf},
                    follow_redirects=False)
    assert back.status_code == 303
    assert f'data-call-id="{call_id}"' in web.get(f"/review?{month.query}").text


def test_sms_figures_show_when_the_text_messages_report_them(
    practitioner: TestClient, month: Month
) -> None:
    def texts(session: object, start: dt.datetime, end: dt.datetime) -> staff.SmsFigures:
        return staff.SmsFigures(confirmations_sent=7, confirmations_delivered=6, reminders_sent=9)

    staff.register_sms_figures(texts)
    try:
        html = practitioner.get(f"/stats?{month.query}").text
    finally:
        stats_figures._SMS_SOURCES.remove(texts)
    rows = [cells for _, cells in table(html, "sms-table")]
    assert [int(cells[1]) for cells in rows] == [7, 6, 9]
    assert keyed(html, "cancellations-table", "data-canceller")["sms"] == ["1"]


def test_chat_conversations_are_named_as_the_statistics_expect(
    web: TestClient, month: Month
) -> None:
    reply = web.post("/api/chat", json={}, headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert reply.status_code == 201
    session_id = reply.json()["session_id"]
    with month.context.db.session() as session:  # the month's figures stay as seeded
        session.execute(delete(Call).where(Call.call_sid == session_id))
    assert session_id.startswith(stats_figures.WEB_CHAT_PREFIX)


def test_the_trouble_replies_are_replies_the_assistant_has() -> None:
    path = PROJECT_ROOT / "dialogue" / "rasa" / "domain" / "responses.yml"
    responses = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    assert set(stats_figures.TROUBLE_KEYS) <= set(responses)


def test_dates_changed_in_the_form_are_the_period_shown(
    practitioner: TestClient, month: Month
) -> None:
    first, last = month.calls.first_day, month.calls.last_day
    shown = f"{first}/{last}"
    # The "30 days" button still selected, but the dates were edited: the dates win.
    edited = practitioner.get(
        f"/stats?period=30d&from={last - dt.timedelta(days=6)}&to={last}&shown={shown}"
    )
    assert len(keyed(edited.text, "calls-table", "data-day")) == 7
    # Another button chosen with the dates untouched: the button wins.
    week = practitioner.get(f"/stats?period=week&from={first}&to={last}&shown={shown}")
    assert len(keyed(week.text, "calls-table", "data-day")) == last.weekday() + 1


def test_a_recorded_call_to_review_plays_its_recording(month: Month) -> None:
    web, _ = _browser(month, "sophie")
    call_id = month.calls.troubled("voice")[0]
    with month.context.db.session() as session:
        call = session.get(Call, call_id)
        assert call is not None
        call_sid = call.call_sid
    path = recording_path(month.context.settings.standardiste_var_dir, call_sid)
    assert web.get(f"/review/{call_id}/recording").status_code == 404
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    try:
        assert f'src="/review/{call_id}/recording"' in web.get(f"/review/{call_id}").text
        audio = web.get(f"/review/{call_id}/recording")
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    finally:
        path.unlink()
