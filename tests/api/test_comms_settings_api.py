"""The communications' operations that were pages only (issue 16, item 3): message hours, a
teacher's inbox, the office's letters to classrooms, sharing materials, a teacher's weekly
meeting hours and slot cancellation, the general meeting days. Each calls its page's service;
the outsiders' refusals, with nothing written, are in tests/comms/routes_*.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.comms.materials.models import Material
from campanella.comms.meetings.models import MeetingBooking, MeetingDay, MeetingSlot
from campanella.comms.messages.models import Broadcast, MessageHours, TeacherInbox, Thread
from tests.comms.meetings_support import booked, in_days, weekday_in
from tests.comms.support_materials import a_file, add
from tests.conftest import Cast, _teaches

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, body, content_type="application/json")


def test_the_office_sets_the_message_hours_and_a_teacher_closes_the_inbox(cast: Cast) -> None:
    office, teacher = api(cast.office), api(cast.teacher)
    assert teacher.get("/api/v1/message-hours").json()["weekdays"] == [0, 1, 2, 3, 4]
    reversed_hours = {"weekdays": [0], "opens_at": "13:00", "closes_at": "09:00"}
    refused = send(office, "put", "/api/v1/message-hours", reversed_hours)
    assert refused.status_code == 400 and refused.json()["code"] == "orario_non_valido"
    assert not MessageHours.objects.exists()
    body = {"weekdays": [0, 2], "opens_at": "09:00", "closes_at": "13:00"}
    saved = send(office, "put", "/api/v1/message-hours", body)
    assert saved.status_code == 200, saved.content
    assert saved.json()["described"] == "il lunedì, mercoledì, dalle 09:00 alle 13:00"
    # A teacher reads them but may not set them: 404, as the page.
    assert send(teacher, "put", "/api/v1/message-hours", body).status_code == 404
    closed = send(teacher, "put", "/api/v1/message-inbox", {"closed_off_hours": True})
    assert closed.status_code == 200 and closed.json() == {"closed_off_hours": True}
    assert TeacherInbox.objects.get(user=cast.teacher).closed_off_hours
    read = teacher.get("/api/v1/message-hours").json()
    assert read["closed_off_hours"] and read["opens_at"] == "09:00:00"
    assert api(cast.guardian).get("/api/v1/message-hours").status_code == 404


def test_the_office_writes_to_the_families_of_a_classroom(cast: Cast) -> None:
    url = "/api/v1/message-broadcasts"
    body = {"classroom_ids": [cast.classroom_1a.pk], "subject": "Sciopero", "body": "Venerdì."}
    empty = send(api(cast.office), "post", url, {**body, "body": "  "})
    assert empty.status_code == 400 and empty.json()["code"] == "testo_mancante"
    sent = send(api(cast.office), "post", url, body)
    assert sent.status_code == 201, sent.content
    # 1ª A's students with a family: the child and the other family's child.
    assert sent.json()["thread_count"] == 2 == Thread.objects.count()
    assert Broadcast.objects.get().pk == sent.json()["id"]


def test_a_teacher_shares_a_file_with_another_classroom_of_the_subject(cast: Cast) -> None:
    _teaches(cast.teacher, cast.classroom_2b, cast.maths)
    item = a_file(cast)
    client = api(cast.teacher)
    targets = client.get(f"/api/v1/materials/{item.pk}/share-targets")
    assert targets.status_code == 200 and targets["X-Total-Count"] == "1"
    assert targets.json() == [{"classroom_id": cast.classroom_2b.pk, "name": "2ª B"}]
    folder = add(cast)
    refused = send(client, "post", f"/api/v1/materials/{folder.pk}/shares",
                   {"classroom_ids": [cast.classroom_2b.pk]})  # fmt: skip
    assert refused.status_code == 400 and refused.json()["code"] == "cartella_non_condivisibile"
    shared = send(client, "post", f"/api/v1/materials/{item.pk}/shares",
                  {"classroom_ids": [cast.classroom_2b.pk]})  # fmt: skip
    assert shared.status_code == 201, shared.content
    (copy,) = shared.json()
    assert copy["classroom_id"] == cast.classroom_2b.pk and copy["title"] == item.title
    assert Material.objects.get(pk=copy["id"]).shared_from == item


def test_a_teacher_publishes_weekly_meetings_and_cancels_a_booked_slot(cast: Cast) -> None:
    client = api(cast.teacher)
    day = weekday_in(3)
    body = {"weekday": day.weekday(), "start_time": "15:00", "end_time": "15:30",
            "valid_until": day.isoformat(), "place": "Aula 3"}  # fmt: skip
    reversed_times = {**body, "end_time": "14:00"}
    refused = send(client, "post", "/api/v1/meetings/availabilities", reversed_times)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_times"
    published = send(client, "post", "/api/v1/meetings/availabilities", body)
    assert published.status_code == 201, published.content
    assert published.json()["slots_created"] == 3  # 10 minutes each
    listed = client.get("/api/v1/meetings/availabilities")
    assert listed["X-Total-Count"] == "1"
    assert listed.json()[0]["id"] == published.json()["availability"]["id"]
    booking = booked(cast)
    cancelled = send(client, "post", f"/api/v1/meetings/slots/{booking.slot_id}/cancel", {})
    assert cancelled.status_code == 200 and [b["id"] for b in cancelled.json()] == [booking.pk]
    assert MeetingSlot.objects.get(pk=booking.slot_id).cancelled_at is not None
    assert MeetingBooking.objects.get(pk=booking.pk).cancelled_at is not None
    again = send(client, "post", f"/api/v1/meetings/slots/{booking.slot_id}/cancel", {})
    assert again.status_code == 409 and again.json()["code"] == "slot_cancelled"


def test_the_office_publishes_a_general_meeting_day(cast: Cast) -> None:
    client = api(cast.office)
    body = {"title": "Udienze di dicembre", "day": in_days(5).isoformat(), "start_time": "15:00",
            "end_time": "15:20", "place": "Aula magna",
            "classroom_ids": [cast.classroom_1a.pk]}  # fmt: skip
    untitled = send(client, "post", "/api/v1/meetings/general-days", {**body, "title": " "})
    assert untitled.status_code == 400 and untitled.json()["code"] == "title_missing"
    published = send(client, "post", "/api/v1/meetings/general-days", body)
    assert published.status_code == 201, published.content
    # 1ª A's teachers (maths) and coordinator (Italian): two 10-minute slots each.
    assert published.json()["slots_created"] == 4
    day = MeetingDay.objects.get()
    assert client.get("/api/v1/meetings/general-days").json()[0]["id"] == day.pk
    assert api(cast.teacher).get("/api/v1/meetings/general-days").status_code == 404
