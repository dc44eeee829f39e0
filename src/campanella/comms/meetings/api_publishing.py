"""API of publishing meetings, as their pages (comms.meetings.views availability, cancel_slot,
general_days): a teacher publishes a weekly availability (its dated slots over the rest of the
lessons, the closed days skipped) and cancels one of their slots (its bookings with it); the
office or the principal publishes a general meeting day for chosen teachers and classrooms.
Refusals of the input answer 400 with the service's stable code; a slot not the caller's, a
teacher or classroom of another institute, or a caller without the role, 404: nothing written.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from campanella.comms.meetings import rules, services
from campanella.comms.meetings.api import ERRORS, BookingOut, booking_out
from campanella.comms.meetings.models import MeetingAvailability, MeetingDay, MeetingMode
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.api_types import ClockTime, Day, Text
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["colloqui"])
PUBLISHED: dict[int, Any] = {400: ErrorOut, 409: ErrorOut, **ERRORS}


def acting(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class WindowIn(Schema):
    """How the meetings are held and when families may book them (the pages' defaults)."""

    slot_minutes: StrictInt = Field(10, ge=5, le=240, description="durata di ogni colloquio")
    capacity: StrictInt = Field(1, ge=1, le=50, description="famiglie per colloquio")
    mode: MeetingMode = Field(MeetingMode.IN_PERSON, description="presenza o online")
    place: Text = Field("", max_length=200, description="il luogo (in presenza)")
    link: Text = Field("", max_length=500, description="il collegamento https:// (online)")
    opens_days_before: StrictInt = Field(7, ge=0, le=60)
    opens_at: ClockTime = Field(datetime.time(20, 0), description="prenotabile dalle ore")
    closes_hours_before: StrictInt = Field(24, ge=0, le=720)

    def window(self) -> services.Window:
        return services.Window(
            slot_minutes=self.slot_minutes, capacity=self.capacity, mode=self.mode,
            place=self.place, link=self.link, opens_days_before=self.opens_days_before,
            opens_at=self.opens_at, closes_hours_before=self.closes_hours_before,
        )  # fmt: skip


class WindowOut(Schema):
    slot_minutes: int
    capacity: int
    mode: str
    place: str
    link: str


class AvailabilityIn(WindowIn):
    weekday: StrictInt = Field(ge=0, le=5, description="0 = lunedì … 5 = sabato")
    start_time: ClockTime
    end_time: ClockTime
    valid_until: Day | None = Field(None, description="fino al; se manca, fine delle lezioni")


class AvailabilityOut(WindowOut):
    id: int
    weekday: int
    start_time: ClockTime
    end_time: ClockTime
    valid_from: datetime.date
    valid_until: datetime.date
    created_at: datetime.datetime


class PublishedAvailabilityOut(Schema):
    availability: AvailabilityOut
    slots_created: int


def availability_out(found: MeetingAvailability) -> AvailabilityOut:
    return AvailabilityOut(
        id=found.pk, weekday=found.weekday, start_time=found.start_time,
        end_time=found.end_time, valid_from=found.valid_from, valid_until=found.valid_until,
        created_at=found.created_at, slot_minutes=found.slot_minutes, capacity=found.capacity,
        mode=found.mode, place=found.place, link=found.link,
    )  # fmt: skip


def refused(error: services.MeetingError) -> Status[ErrorOut]:
    status = 409 if error.code in {"no_school_year", "slot_cancelled", "slot_past"} else 400
    return Status(status, error_body(error.code, error.message))


@router.get("/meetings/availabilities", response={200: list[AvailabilityOut], **ERRORS},
            summary="Il ricevimento settimanale pubblicato dal docente (il più recente prima)",
            openapi_extra=PAGED)  # fmt: skip
def availability_list(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[AvailabilityOut]:
    teacher = rules.teacher_profile(request.user)
    if teacher is None:
        raise Http404
    rows = MeetingAvailability.objects.filter(teacher=teacher).order_by("-created_at", "-pk")
    return [availability_out(found) for found in page_of(rows, request, paging, response)]


@router.post("/meetings/availabilities", response={201: PublishedAvailabilityOut, **PUBLISHED},
             summary="Il docente pubblica il ricevimento settimanale")  # fmt: skip
def availability_publish(request: HttpRequest, payload: AvailabilityIn) -> Any:
    """400 `invalid_times`, `invalid_period`, `place_missing`, `link_missing`,
    `invalid_window`…; 409 `no_school_year`."""
    draft = services.AvailabilityDraft(
        weekday=payload.weekday, start_time=payload.start_time, end_time=payload.end_time,
        window=payload.window(), valid_until=payload.valid_until,
    )  # fmt: skip
    try:
        found, created = services.availability_publish(user=acting(request), draft=draft)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        return refused(error)
    return Status(201, PublishedAvailabilityOut(
        availability=availability_out(found), slots_created=created
    ))  # fmt: skip


@router.post("/meetings/slots/{slot_id}/cancel", response={200: list[BookingOut], **PUBLISHED},
             summary="Il docente annulla un proprio colloquio (e le sue prenotazioni)")  # fmt: skip
def slot_cancel(request: HttpRequest, slot_id: Id) -> Any:
    """200 the bookings cancelled with it (the families are told). 409 `slot_cancelled`,
    `slot_past`."""
    try:
        affected = services.slot_cancel(user=acting(request), slot_id=slot_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        return refused(error)
    return Status(200, [booking_out(booking) for booking in affected])


class MeetingDayIn(WindowIn):
    title: Text = Field(max_length=200)
    day: Day
    start_time: ClockTime
    end_time: ClockTime
    teacher_ids: list[Id] = Field([], max_length=1000, description="docenti (id del personale)")
    classroom_ids: list[Id] = Field(
        [], max_length=500, description="classi: se ne aggiungono docenti e coordinatori"
    )


class MeetingDayOut(WindowOut):
    id: int
    title: str
    day: datetime.date
    start_time: ClockTime
    end_time: ClockTime
    created_at: datetime.datetime


class PublishedDayOut(Schema):
    meeting_day: MeetingDayOut
    slots_created: int


def meeting_day_out(found: MeetingDay) -> MeetingDayOut:
    return MeetingDayOut(
        id=found.pk, title=found.title, day=found.day, start_time=found.start_time,
        end_time=found.end_time, created_at=found.created_at, slot_minutes=found.slot_minutes,
        capacity=found.capacity, mode=found.mode, place=found.place, link=found.link,
    )  # fmt: skip


@router.get("/meetings/general-days", response={200: list[MeetingDayOut], **ERRORS},
            summary="Le udienze generali dell'istituto (segreteria e dirigente)",
            openapi_extra=PAGED)  # fmt: skip
def meeting_day_list(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[MeetingDayOut]:
    institute_id = rules.managed_institute_id(request.user)
    if institute_id is None:
        raise Http404
    rows = MeetingDay.objects.filter(institute_id=institute_id).order_by("-day", "-pk")
    return [meeting_day_out(found) for found in page_of(rows, request, paging, response)]


@router.post("/meetings/general-days", response={201: PublishedDayOut, **PUBLISHED},
             summary="Pubblica le udienze generali (segreteria e dirigente)")  # fmt: skip
def meeting_day_publish(request: HttpRequest, payload: MeetingDayIn) -> Any:
    """400 `title_missing`, `teachers_missing`, `invalid_times`, `invalid_day`, `closed_day`…
    A teacher or classroom of another institute: 404, nothing written."""
    draft = services.MeetingDayDraft(
        title=payload.title, day=payload.day, start_time=payload.start_time,
        end_time=payload.end_time, window=payload.window(), teacher_ids=payload.teacher_ids,
        classroom_ids=payload.classroom_ids,
    )  # fmt: skip
    try:
        found, created = services.meeting_day_publish(user=acting(request), draft=draft)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        return refused(error)
    return Status(201, PublishedDayOut(meeting_day=meeting_day_out(found), slots_created=created))
