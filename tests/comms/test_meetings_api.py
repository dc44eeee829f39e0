"""API of meetings: slots (paged), book, refusals with stable codes, cancel, the caller's
bookings (paged), the teacher's day; outsiders get 404 and nothing is written."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.comms.meetings.models import MeetingBooking, MeetingSlot
from campanella.comms.meetings.services import booking_create
from campanella.people.models import Staff, User
from tests.comms.meetings_support import booked, in_days, open_slot, publish_on
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_slots_are_paged_for_a_child_and_queries_do_not_grow(cast: Cast) -> None:
    teacher = Staff.objects.get(user=cast.teacher)
    client = api(cast.guardian)
    url = f"/api/v1/meetings/slots?teacher_id={teacher.pk}&student_id={cast.child.pk}"
    publish_on(cast, in_days(2))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    publish_on(cast, in_days(3), capacity=2)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{url}&limit=2&offset=1").json()
    assert len(few) == len(many)
    assert body["count"] == 6 and body["limit"] == 2 and len(body["items"]) == 2
    first = body["items"][0]
    assert first["mode"] == "presenza" and first["place"] == "Aula colloqui"
    assert first["free_places"] == 1 and first["bookable_now"] is True
    assert client.get(f"{url}&limit=1000").status_code == 422
    # Another family, for the same child: nothing. The teacher: their own slots.
    other = f"/api/v1/meetings/slots?teacher_id={teacher.pk}&student_id={cast.child.pk}"
    assert api(cast.other_guardian).get(other).json()["count"] == 0
    own = api(cast.teacher).get(f"/api/v1/meetings/slots?teacher_id={teacher.pk}").json()
    assert own["count"] == 6
    assert api(cast.other_teacher).get(f"/api/v1/meetings/slots?teacher_id={teacher.pk}").json()[
        "count"
    ] == 0  # fmt: skip


def test_book_then_full_then_cancel(cast: Cast) -> None:
    slot = open_slot(cast)
    url = f"/api/v1/meetings/slots/{slot.pk}/bookings"
    response = api(cast.guardian).post(url, {"student_id": cast.child.pk},
                                       content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["student_id"] == cast.child.pk and booking["slot"]["free_places"] == 0
    full = api(cast.other_guardian).post(url, {"student_id": cast.other_child.pk},
                                         content_type="application/json")  # fmt: skip
    assert full.status_code == 409 and full.json()["code"] == "slot_full"
    assert "al completo" in full.json()["message"]
    mine = api(cast.guardian).get("/api/v1/meetings/bookings").json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]] and mine["count"] == 1
    assert api(cast.other_guardian).get("/api/v1/meetings/bookings").json()["count"] == 0
    cancel = f"/api/v1/meetings/bookings/{booking['id']}/cancel"
    assert api(cast.other_guardian).post(cancel).status_code == 404
    response = api(cast.guardian).post(cancel)
    assert response.status_code == 200 and response.json()["cancelled_at"] is not None
    again = api(cast.guardian).post(cancel)
    assert again.status_code == 409 and again.json()["code"] == "already_cancelled"


def test_a_closed_window_answers_409_and_writes_nothing(cast: Cast) -> None:
    slot = open_slot(cast)
    MeetingSlot.objects.filter(pk=slot.pk).update(closes_at=timezone.now())
    response = api(cast.guardian).post(
        f"/api/v1/meetings/slots/{slot.pk}/bookings", {"student_id": cast.child.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "window_closed"
    assert not MeetingBooking.objects.exists()


def test_booking_for_a_child_not_theirs_is_404(cast: Cast) -> None:
    slot = open_slot(cast)
    for user, student in ((cast.other_guardian, cast.child), (cast.guardian, cast.other_child)):
        response = api(user).post(
            f"/api/v1/meetings/slots/{slot.pk}/bookings", {"student_id": student.pk},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 404
    assert api(cast.guardian).post(
        "/api/v1/meetings/slots/999999/bookings", {"student_id": cast.child.pk},
        content_type="application/json",
    ).status_code == 404  # fmt: skip
    assert not MeetingBooking.objects.exists()


def test_the_teachers_day(cast: Cast) -> None:
    booking = booked(cast)
    url = f"/api/v1/meetings/day?day={in_days(2).isoformat()}"
    rows = api(cast.teacher).get(url).json()
    assert [(r["id"], r["student"], r["slot"]["place"]) for r in rows] == [
        (booking.pk, cast.child.full_name, "Aula colloqui")
    ]
    for outsider in (cast.other_teacher, cast.guardian, cast.office):
        assert api(outsider).get(url).json() == []
    assert api(cast.teacher).get("/api/v1/meetings/day?day=ieri").status_code == 422


def test_bookings_and_day_queries_do_not_grow(cast: Cast) -> None:
    family, teacher = api(cast.guardian), api(cast.teacher)
    day = f"/api/v1/meetings/day?day={in_days(2).isoformat()}"
    slots = publish_on(cast, in_days(2), capacity=3)

    def costs() -> list[int]:
        counts = []
        for client, url in ((family, "/api/v1/meetings/bookings"), (teacher, day)):
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    booking_create(user=cast.guardian, slot_id=slots[0].pk, student_id=cast.child.pk)
    few = costs()
    booking_create(user=cast.other_guardian, slot_id=slots[0].pk, student_id=cast.other_child.pk)
    sibling_slot = open_slot(cast, teacher=cast.other_teacher)
    booking_create(user=cast.guardian, slot_id=sibling_slot.pk, student_id=cast.sibling.pk)
    assert costs() == few
    assert family.get("/api/v1/meetings/bookings").json()["count"] == 2
    assert len(teacher.get(day).json()) == 2
