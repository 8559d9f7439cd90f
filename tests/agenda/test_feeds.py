"""Integration faces: the iCalendar feed (parsed back with icalendar) and FHIR R4 Bundles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
from fastapi.testclient import TestClient

from tests.agenda.support import BIRTH, local, next_open_monday
from tests.support import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def book(client: TestClient, start: dt.datetime, practitioner: str = "alpha") -> dict[str, Any]:
    reply = client.post(
        "/agenda/appointments",
        json={
            "practitioner_id": practitioner,
            "appointment_type_id": "consultation",
            "start": start.isoformat(),
            "patient": {
                "last_name": "Durand",
                "first_name": "Léa",
                "birth_date": BIRTH.isoformat(),
            },
        },
        headers=AUTH,
    )
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def feed_path(client: TestClient, practitioner: str) -> str:
    people = client.get("/agenda/practitioners", headers=AUTH).json()
    path: str = next(p["feed_path"] for p in people if p["id"] == practitioner)
    return path


def test_ics_feed_round_trips_with_stable_uids_and_cancellations(
    agenda_client: TestClient,
) -> None:
    monday = next_open_monday()
    kept = book(agenda_client, local(monday, 9))
    dropped = book(agenda_client, local(monday, 10))
    book(agenda_client, local(monday, 9), practitioner="beta")
    agenda_client.post(f"/agenda/appointments/{dropped['id']}/cancel", headers=AUTH)

    path = feed_path(agenda_client, "alpha")
    reply = agenda_client.get(path)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(reply.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 2  # beta's appointment is not in alpha's feed
    by_id = {uid.split("@")[0]: event for uid, event in events.items()}
    live = by_id[f"appointment-{kept['id']}"]
    gone = by_id[f"appointment-{dropped['id']}"]
    assert live.decoded("dtstart") == local(monday, 9)
    assert live.decoded("dtend") == local(monday, 9, 20)
    assert str(live["status"]) == "CONFIRMED"
    assert "DURAND" not in str(live["summary"]).upper()  # initials only, no names off-server
    assert str(live["summary"]).endswith("– D. L.")
    assert str(gone["status"]) == "CANCELLED"
    assert int(gone["sequence"]) > int(live["sequence"])

    again = icalendar.Calendar.from_ical(agenda_client.get(path).content)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)


def test_ics_feed_needs_the_practitioners_own_token(agenda_client: TestClient) -> None:
    alpha_path = feed_path(agenda_client, "alpha")
    beta_token = feed_path(agenda_client, "beta").split("token=")[1]
    assert agenda_client.get(f"/agenda/alpha.ics?token={beta_token}").status_code == 404
    assert agenda_client.get("/agenda/alpha.ics?token=guess").status_code == 404
    assert agenda_client.get("/agenda/nobody.ics?token=guess").status_code == 404
    assert agenda_client.get("/agenda/alpha.ics").status_code == 422
    assert agenda_client.get(alpha_path).status_code == 200


def test_fhir_slot_bundle(agenda_client: TestClient) -> None:
    monday = next_open_monday()
    reply = agenda_client.get(
        "/fhir/Slot",
        params={
            "service-type": "consultation",
            "schedule": "Schedule/alpha",
            "start": [
                f"ge{monday.isoformat()}",
                f"lt{(monday + dt.timedelta(days=1)).isoformat()}",
            ],
            "_count": 2,
        },
        headers=AUTH,
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/fhir+json")
    bundle = reply.json()
    assert (bundle["resourceType"], bundle["type"], bundle["total"]) == ("Bundle", "searchset", 2)
    slot = bundle["entry"][0]["resource"]
    assert set(slot) == {"resourceType", "id", "schedule", "serviceType", "status", "start", "end"}
    assert (slot["resourceType"], slot["status"]) == ("Slot", "free")
    assert slot["schedule"]["reference"] == "Schedule/alpha"
    assert slot["serviceType"][0]["coding"][0]["code"] == "consultation"
    assert dt.datetime.fromisoformat(slot["start"]) == local(monday, 8)
    assert bundle["entry"][0]["fullUrl"].endswith(f"/fhir/Slot/{slot['id']}")
    assert bundle["entry"][0]["search"] == {"mode": "match"}


def test_fhir_appointment_bundle(agenda_client: TestClient) -> None:
    monday = next_open_monday()
    booked = book(agenda_client, local(monday, 9))
    book(agenda_client, local(monday + dt.timedelta(days=1), 9))
    reply = agenda_client.get(
        "/fhir/Appointment",
        params={"date": monday.isoformat(), "practitioner": "Practitioner/alpha"},
        headers=AUTH,
    )
    assert reply.status_code == 200
    bundle = reply.json()
    assert bundle["total"] == 1
    resource = bundle["entry"][0]["resource"]
    assert resource["resourceType"] == "Appointment"
    assert resource["id"] == str(booked["id"])
    assert resource["status"] == "booked"
    assert resource["minutesDuration"] == 20
    assert dt.datetime.fromisoformat(resource["start"]) == local(monday, 9)
    actors = [p["actor"]["reference"] for p in resource["participant"]]
    assert actors == ["Practitioner/alpha", f"Patient/{booked['patient']['id']}"]
    assert {p["status"] for p in resource["participant"]} == {"accepted"}

    by_patient = agenda_client.get(
        "/fhir/Appointment",
        params={"patient": f"Patient/{booked['patient']['id']}", "status": "booked"},
        headers=AUTH,
    ).json()
    assert by_patient["total"] == 2


def test_fhir_bad_parameters_get_an_operation_outcome(agenda_client: TestClient) -> None:
    bad_date = agenda_client.get("/fhir/Appointment", params={"date": "ge-soon"}, headers=AUTH)
    assert bad_date.status_code == 400
    assert bad_date.json()["resourceType"] == "OperationOutcome"
    unknown = agenda_client.get("/fhir/Slot", params={"service-type": "nope"}, headers=AUTH)
    assert (unknown.status_code, unknown.json()["resourceType"]) == (404, "OperationOutcome")
