"""Routes of meetings (/comunicazioni/colloqui/ and /api/v1/meetings): what an outsider gets,
and every write with a valid body on a real object (tests/routes.py explains the tables). The
slots are the maths teacher's of 1ª A; the booking is the child's family's."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingSlot,
)
from campanella.people.models import Staff
from tests.comms.meetings_support import booked, in_days, open_slot, weekday_in
from tests.conftest import Cast
from tests.routes import ApiTable, ApiWriteTable, PageTable, Write, WriteTable, posted

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}


def child_and_teacher(c: Cast) -> dict[str, int]:
    return {"student_id": c.child.pk, "teacher_id": Staff.objects.get(user=c.teacher).pk}


def book_write(c: Cast) -> Write:
    slot = open_slot(c)
    other_class_slot = open_slot(c, teacher=c.other_teacher)  # teaches 2ª B only
    url = reverse("comms:meeting_book", args=[slot.pk])
    return Write(
        url, {"alunno": c.child.pk}, c.guardian,
        (c.other_guardian, c.child_user, c.adult_user, c.teacher, c.other_teacher, c.office,
         c.foreign_office),
        (MeetingBooking, MeetingSlot),
        crossed=(
            # The family names another family's child, or a teacher not of the child's class.
            (c.guardian, url, {"alunno": c.other_child.pk}, 404),
            (c.guardian, reverse("comms:meeting_book", args=[other_class_slot.pk]),
             {"alunno": c.child.pk}, 404),
        ),
    )  # fmt: skip


def booking_cancel_write(c: Cast) -> Write:
    booking = booked(c)
    return Write(
        reverse("comms:meeting_booking_cancel", args=[booking.pk]), {}, c.guardian,
        (c.other_guardian, c.child_user, c.teacher, c.other_teacher, c.office, c.foreign_office),
        (MeetingBooking, MeetingSlot),
    )  # fmt: skip


def slot_cancel_write(c: Cast) -> Write:
    booking = booked(c)
    return Write(
        reverse("comms:meeting_slot_cancel", args=[booking.slot_id]), {}, c.teacher,
        (c.other_teacher, c.coordinator, c.guardian, c.child_user, c.office, c.foreign_office),
        (MeetingBooking, MeetingSlot),
    )  # fmt: skip


WINDOW = {
    "durata": "10", "posti": "1", "modalita": "presenza", "luogo": "Aula 3",
    "apertura_giorni": "7", "apertura_ora": "20:00", "chiusura_ore": "24",
}  # fmt: skip


def availability_write(c: Cast) -> Write:
    """A teacher's own availability: whoever does not teach is refused."""
    day = weekday_in(3)
    body = {**WINDOW, "giorno": day.weekday(), "dalle": "15:00", "alle": "16:00",
            "fino_al": day.isoformat()}  # fmt: skip
    return Write(
        reverse("comms:meeting_availability"), body, c.teacher,
        (c.guardian, c.child_user, c.adult_user, c.office, c.foreign_office),
        (MeetingAvailability, MeetingSlot),
    )  # fmt: skip


def general_day_write(c: Cast) -> Write:
    """The office's general day for 1ª A; another institute's office naming 1ª A is refused."""
    body = {**WINDOW, "titolo": "Udienze generali", "giorno": in_days(5).isoformat(),
            "dalle": "15:00", "alle": "16:00", "classe": [c.classroom_1a.pk]}  # fmt: skip
    return Write(
        reverse("comms:meeting_general_days"), body, c.office,
        (c.teacher, c.coordinator, c.guardian, c.child_user, c.foreign_office),
        (MeetingDay, MeetingSlot),
    )  # fmt: skip


PAGES.update({
    "comms:meeting_index": (lambda c: {}, 200, 302),  # every login: its own (here: nothing)
    "comms:meeting_slots": (child_and_teacher, 404, 302),
    "comms:meeting_book": (posted, 404, 302),
    "comms:meeting_slot_cancel": (posted, 404, 302),
    "comms:meeting_booking_cancel": (posted, 404, 302),
    "comms:meeting_availability": (lambda c: {}, 404, 302),
    "comms:meeting_day": (lambda c: {}, 404, 302),
    "comms:meeting_general_days": (lambda c: {}, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "comms:meeting_book": book_write,
    "comms:meeting_booking_cancel": booking_cancel_write,
    "comms:meeting_slot_cancel": slot_cancel_write,
    "comms:meeting_availability": availability_write,
    "comms:meeting_general_days": general_day_write,
})  # fmt: skip


def api_book_write(c: Cast) -> Write:
    page = book_write(c)
    slot_id = page.url.strip("/").split("/")[-2]
    url = f"/api/v1/meetings/slots/{slot_id}/bookings"
    return Write(
        url, {"student_id": c.child.pk}, page.rightful, page.outsiders, page.watch,
        crossed=((c.guardian, url, {"student_id": c.other_child.pk}, 404),),
    )  # fmt: skip


def api_booking_cancel_write(c: Cast) -> Write:
    page = booking_cancel_write(c)
    booking_id = page.url.strip("/").split("/")[-2]
    return Write(
        f"/api/v1/meetings/bookings/{booking_id}/cancel", {}, page.rightful, page.outsiders,
        page.watch,
    )  # fmt: skip


API.update({
    ("get", "/api/v1/meetings/slots"): 200,  # the caller's own: an outsider gets none
    ("get", "/api/v1/meetings/bookings"): 200,
    ("get", "/api/v1/meetings/day"): 200,
    ("post", "/api/v1/meetings/slots/{slot_id}/bookings"): 404,
    ("post", "/api/v1/meetings/bookings/{booking_id}/cancel"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", "/api/v1/meetings/slots/{slot_id}/bookings"): api_book_write,
    ("post", "/api/v1/meetings/bookings/{booking_id}/cancel"): api_booking_cancel_write,
})  # fmt: skip


def api_slot_cancel_write(c: Cast) -> Write:
    page = slot_cancel_write(c)
    slot_id = page.url.strip("/").split("/")[-2]
    return Write(
        f"/api/v1/meetings/slots/{slot_id}/cancel", {}, page.rightful, page.outsiders, page.watch
    )


API_WINDOW = {"slot_minutes": 10, "capacity": 1, "mode": "presenza", "place": "Aula 3"}


def api_availability_write(c: Cast) -> Write:
    page = availability_write(c)
    body = {**API_WINDOW, "weekday": page.body["giorno"], "start_time": "15:00",
            "end_time": "16:00", "valid_until": page.body["fino_al"]}  # fmt: skip
    return Write("/api/v1/meetings/availabilities", body, page.rightful, page.outsiders, page.watch)


def api_general_day_write(c: Cast) -> Write:
    page = general_day_write(c)
    body = {**API_WINDOW, "title": "Udienze generali", "day": page.body["giorno"],
            "start_time": "15:00", "end_time": "16:00",
            "classroom_ids": [c.classroom_1a.pk]}  # fmt: skip
    return Write("/api/v1/meetings/general-days", body, page.rightful, page.outsiders, page.watch)


API.update({
    ("get", "/api/v1/meetings/availabilities"): 404,  # a teacher's own
    ("post", "/api/v1/meetings/availabilities"): 404,
    ("post", "/api/v1/meetings/slots/{slot_id}/cancel"): 404,
    ("get", "/api/v1/meetings/general-days"): 404,  # the office's and the principal's
    ("post", "/api/v1/meetings/general-days"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", "/api/v1/meetings/availabilities"): api_availability_write,
    ("post", "/api/v1/meetings/slots/{slot_id}/cancel"): api_slot_cancel_write,
    ("post", "/api/v1/meetings/general-days"): api_general_day_write,
})  # fmt: skip

# Closed days (tests/test_closed_days_refuse_writes.py): meetings feed no term-end session.
UNGUARDED: dict[Any, str] = {
    "comms:meeting_book": "a family's meeting booking, not a register record",
    "comms:meeting_booking_cancel": "a family's meeting booking cancelled",
    "comms:meeting_slot_cancel": "a teacher's meeting slot cancelled",
    "comms:meeting_availability": "a teacher's weekly meeting hours",
    "comms:meeting_general_days": "the school's general meeting days",
    ("post", "/api/v1/meetings/slots/{slot_id}/bookings"): "a meeting booking, as its page",
    ("post", "/api/v1/meetings/bookings/{booking_id}/cancel"): "a booking cancelled, as its page",
    ("post", "/api/v1/meetings/availabilities"): "a teacher's meeting hours, as its page",
    ("post", "/api/v1/meetings/slots/{slot_id}/cancel"): "a meeting slot cancelled, as its page",
    ("post", "/api/v1/meetings/general-days"): "the general meeting days, as its page",
}
