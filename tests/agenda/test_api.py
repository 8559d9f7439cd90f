"""The staff API: 401 without credentials, and the day's work with them."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

import agenda
from tests.agenda.support import BIRTH, local, next_open_monday
from tests.support import API_TOKEN

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/agenda/practitioners"),
        ("GET", "/agenda/appointments?day=2027-03-01"),
        ("POST", "/agenda/appointments"),
        ("POST", "/agenda/appointments/1/cancel"),
        ("POST", "/agenda/appointments/1/move"),
        ("GET", "/agenda/patients/to-verify"),
        ("POST", "/agenda/patients/1/verify"),
        ("GET", "/agenda/slots?appointment_type=consultation"),
        ("GET", "/fhir/Slot?service-type=consultation"),
        ("GET", "/fhir/Appointment"),
    ],
)
def test_staff_routes_refuse_without_credentials(
    agenda_client: TestClient, method: str, path: str
) -> None:
    reply = agenda_client.request(method, path)
    assert reply.status_code == 401
    wrong = agenda_client.request(method, path, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def create(client: TestClient, start: dt.datetime, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "practitioner_id": "alpha",
        "appointment_type_id": "consultation",
        "start": start.isoformat(),
        "patient": {
            "last_name": "Durand",
            "first_name": "Léa",
            "birth_date": BIRTH.isoformat(),
            "phone": "06 12 34 56 78",
        },
    }
    body.update(extra)
    reply = client.post("/agenda/appointments", json=body, headers=AUTH)
    assert reply.status_code == 201, reply.text
    result: dict[str, object] = reply.json()
    return result


def test_create_list_move_cancel(agenda_client: TestClient) -> None:
    monday = next_open_monday()
    booked = create(agenda_client, local(monday, 9))
    assert booked["status"] == "booked"
    assert booked["patient"]["phone"] == "+33612345678"  # type: ignore[index]
    assert booked["patient"]["to_verify"] is False  # type: ignore[index]

    day = agenda_client.get(
        "/agenda/appointments",
        params={"day": monday.isoformat(), "practitioner": "alpha"},
        headers=AUTH,
    )
    assert day.status_code == 200
    assert [a["id"] for a in day.json()] == [booked["id"]]

    taken = agenda_client.post(
        "/agenda/appointments",
        json={
            "practitioner_id": "alpha",
            "appointment_type_id": "consultation",
            "start": local(monday, 9, 10).isoformat(),
            "patient_id": booked["patient"]["id"],  # type: ignore[index]
        },
        headers=AUTH,
    )
    assert taken.status_code == 409
    assert taken.json()["detail"]["code"] == "slot-unavailable"

    moved = agenda_client.post(
        f"/agenda/appointments/{booked['id']}/move",
        json={"start": local(monday, 10).isoformat()},
        headers=AUTH,
    )
    assert moved.status_code == 200
    assert moved.json()["rescheduled_from_id"] == booked["id"]
    assert dt.datetime.fromisoformat(moved.json()["start"]) == local(monday, 10)

    cancelled = agenda_client.post(
        f"/agenda/appointments/{moved.json()['id']}/cancel", headers=AUTH
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancelled_by"]) == (
        "cancelled",
        "api-token",
    )
    again = agenda_client.post(f"/agenda/appointments/{moved.json()['id']}/cancel", headers=AUTH)
    assert (again.status_code, again.json()["detail"]["code"]) == (409, "wrong-state")

    statuses = agenda_client.get(
        "/agenda/appointments", params={"day": monday.isoformat()}, headers=AUTH
    ).json()
    assert sorted(a["status"] for a in statuses) == ["cancelled", "cancelled"]


def test_bad_requests_get_clear_answers(agenda_client: TestClient) -> None:
    monday = next_open_monday()
    off_grid = agenda_client.post(
        "/agenda/appointments",
        json={
            "practitioner_id": "alpha",
            "appointment_type_id": "consultation",
            "start": local(monday, 9, 3).isoformat(),
            "patient": {"last_name": "A", "first_name": "B", "birth_date": "1990-01-01"},
        },
        headers=AUTH,
    )
    assert (off_grid.status_code, off_grid.json()["detail"]["code"]) == (422, "invalid-slot")
    naive = agenda_client.post(
        "/agenda/appointments",
        json={
            "practitioner_id": "alpha",
            "appointment_type_id": "consultation",
            "start": "2030-01-07T09:00:00",
            "patient_id": 1,
        },
        headers=AUTH,
    )
    assert naive.status_code == 422
    unknown = agenda_client.post("/agenda/appointments/999/cancel", headers=AUTH)
    assert (unknown.status_code, unknown.json()["detail"]["code"]) == (404, "not-found")


def test_free_slots_and_practitioners(agenda_client: TestClient) -> None:
    monday = next_open_monday()
    slots = agenda_client.get(
        "/agenda/slots",
        params={
            "appointment_type": "chirurgie",
            "earliest": monday.isoformat(),
            "latest": monday.isoformat(),
            "limit": 3,
        },
        headers=AUTH,
    )
    assert slots.status_code == 200
    assert [dt.datetime.fromisoformat(s["start"]) for s in slots.json()] == [
        local(monday, 9, m) for m in (0, 5, 10)
    ]
    afternoon = agenda_client.get(
        "/agenda/slots",
        params={
            "appointment_type": "consultation",
            "earliest": monday.isoformat(),
            "part_of_day": "apres-midi",
            "weekday": [0],
            "spread": True,
        },
        headers=AUTH,
    ).json()
    assert {dt.datetime.fromisoformat(s["start"]).weekday() for s in afternoon} == {0}
    assert all(dt.datetime.fromisoformat(s["start"]).hour >= 14 for s in afternoon)
    people = agenda_client.get("/agenda/practitioners", headers=AUTH).json()
    assert [p["id"] for p in people] == ["alpha", "beta"]
    assert people[0]["feed_path"].startswith("/agenda/alpha.ics?token=")


def test_patients_to_verify(agenda_client: TestClient) -> None:
    assert agenda_client.get("/agenda/patients/to-verify", headers=AUTH).json() == []
    context = agenda_client.app.state.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        caller = agenda.register_patient(
            session, last_name="Appelant", first_name="Zoé", birth_date=BIRTH, phone="0699999999"
        )
    listed = agenda_client.get("/agenda/patients/to-verify", headers=AUTH).json()
    assert [(p["id"], p["source"]) for p in listed] == [(caller.id, "phone")]
    checked = agenda_client.post(
        f"/agenda/patients/{caller.id}/verify", json={"last_name": "Appellant"}, headers=AUTH
    )
    assert checked.status_code == 200
    assert (checked.json()["to_verify"], checked.json()["last_name"]) == (False, "Appellant")
    assert agenda_client.get("/agenda/patients/to-verify", headers=AUTH).json() == []


def test_openapi_documents_the_agenda(agenda_client: TestClient) -> None:
    assert agenda_client.get("/openapi.json").status_code == 401  # staff only
    schema = agenda_client.get("/openapi.json", headers=AUTH).json()
    paths = schema["paths"]
    for path in (
        "/agenda/appointments",
        "/agenda/appointments/{appointment_id}/cancel",
        "/agenda/appointments/{appointment_id}/move",
        "/agenda/patients/to-verify",
        "/agenda/slots",
        "/agenda/{practitioner_id}.ics",
        "/fhir/Slot",
        "/fhir/Appointment",
    ):
        assert path in paths, path
    assert "AgendaAppointment" in schema["components"]["schemas"]
