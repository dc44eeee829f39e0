"""API of meetings under /api/v1/meetings (authorized like the pages, by `rules`): a teacher's
slots for a child (paged), book, cancel, the caller's bookings (paged), a teacher's day.
Refusals answer 409 with a stable code (slot_full, window_closed, window_not_open,
slot_cancelled, already_booked, already_cancelled); a slot or booking the caller may not use
answers 404 like a missing one, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from campanella.comms.meetings import rules, selectors, services
from campanella.comms.meetings.models import MeetingBooking, MeetingSlot
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["colloqui"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 100


class SlotOut(Schema):
    id: int
    teacher_id: int
    teacher: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str = Field(description="presenza | online")
    place: str
    link: str
    capacity: int
    free_places: int
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    bookable_now: bool


class SlotPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SlotOut]


class BookingOut(Schema):
    id: int
    slot: SlotOut
    student_id: int
    student: str
    booked_by: str
    created_at: datetime.datetime
    cancelled_at: datetime.datetime | None


class BookingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BookingOut]


class SlotQuery(Schema):
    teacher_id: Id | None = Field(None, description="il docente (per le famiglie)")
    student_id: Id | None = Field(None, description="il figlio (per le famiglie)")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class DayQuery(Schema):
    day: datetime.date | None = Field(None, description="il giorno (AAAA-MM-GG); oggi se manca")


class BookIn(Schema):
    student_id: Id


def slot_out(slot: MeetingSlot) -> SlotOut:
    return SlotOut(
        id=slot.pk, teacher_id=slot.teacher_id, teacher=slot.teacher.full_name,
        starts_at=slot.starts_at, ends_at=slot.ends_at, mode=slot.mode, place=slot.place,
        link=slot.link, capacity=slot.capacity, free_places=slot.free_places,
        opens_at=slot.opens_at, closes_at=slot.closes_at,
        bookable_now=slot.window_open() and slot.free_places > 0,
    )  # fmt: skip


def booking_out(booking: MeetingBooking) -> BookingOut:
    return BookingOut(
        id=booking.pk, slot=slot_out(booking.slot), student_id=booking.student_id,
        student=booking.student.full_name, booked_by=booking.booked_by.get_full_name(),
        created_at=booking.created_at, cancelled_at=booking.cancelled_at,
    )  # fmt: skip


@router.get("/meetings/slots", response={200: SlotPage, **ERRORS},
            summary="Colloqui di un docente (per un figlio, o i propri), a pagine")  # fmt: skip
def slots_list(request: HttpRequest, query: Query[SlotQuery]) -> SlotPage:
    """A family names the teacher and the child; a teacher without them gets their own
    slots. Anyone else gets an empty page."""
    staff = rules.teacher_profile(request.user)
    if query.student_id is not None and query.teacher_id is not None:
        rows = selectors.slots_for_family(request.user, query.teacher_id, query.student_id)
    elif staff is not None and query.teacher_id in (None, staff.pk) and query.student_id is None:
        rows = selectors.own_upcoming_slots(request.user)
    else:
        rows = MeetingSlot.objects.none()
    rows = rows.select_related("teacher")
    page = list(rows[query.offset : query.offset + query.limit])
    return SlotPage(
        count=rows.count(), limit=query.limit, offset=query.offset,
        items=[slot_out(slot) for slot in page],
    )  # fmt: skip


BOOKED: dict[int, Any] = {201: BookingOut, 400: ErrorOut, 409: ErrorOut, **ERRORS}


@router.post("/meetings/slots/{slot_id}/bookings", response=BOOKED,
             summary="Prenota un colloquio per un figlio")  # fmt: skip
def slot_book(request: HttpRequest, slot_id: Id, payload: BookIn) -> Any:
    """201 the booking. 409 `slot_full`, `window_not_open`, `window_closed`, `slot_cancelled`,
    `already_booked`: nothing written. A child not the caller's, or a teacher not of the
    child's classroom: 404."""
    assert isinstance(request.user, User)
    try:
        booking = services.booking_create(
            user=request.user, slot_id=slot_id, student_id=payload.student_id
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        return Status(409, error_body(error.code, error.message))
    found = MeetingBooking.objects.select_related("slot__teacher", "student", "booked_by")
    return Status(201, booking_out(found.get(pk=booking.pk)))


@router.post("/meetings/bookings/{booking_id}/cancel", response={200: BookingOut, 409: ErrorOut,
             **ERRORS}, summary="Annulla una prenotazione (finché è aperta)")  # fmt: skip
def booking_cancel(request: HttpRequest, booking_id: Id) -> Any:
    """200 the cancelled booking. 409 `window_closed` (too late), `already_cancelled`."""
    assert isinstance(request.user, User)
    try:
        booking = services.booking_cancel(user=request.user, booking_id=booking_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        return Status(409, error_body(error.code, error.message))
    found = MeetingBooking.objects.select_related("slot__teacher", "student", "booked_by")
    return Status(200, booking_out(found.get(pk=booking.pk)))


@router.get("/meetings/bookings", response={200: BookingPage, **ERRORS},
            summary="Le prenotazioni dei propri figli (prossime), a pagine")  # fmt: skip
def bookings_list(request: HttpRequest, query: Query[PageQuery]) -> BookingPage:
    rows = selectors.bookings_of_family(request.user)
    page = list(rows[query.offset : query.offset + query.limit])
    return BookingPage(
        count=rows.count(), limit=query.limit, offset=query.offset,
        items=[booking_out(b) for b in page],
    )  # fmt: skip


@router.get("/meetings/day", response={200: list[BookingOut], **ERRORS},
            summary="I colloqui prenotati del docente in un giorno",
            openapi_extra=PAGED)  # fmt: skip
def teacher_day(
    request: HttpRequest, response: HttpResponse, query: Query[DayQuery], paging: Query[Paging]
) -> list[BookingOut]:
    """The caller's own slots' bookings (empty for anyone who does not teach)."""
    rows = selectors.teacher_day(request.user, query.day or timezone.localdate())
    found = list(rows.select_related("slot__teacher"))
    return [booking_out(b) for b in page_of(found, request, paging, response)]
