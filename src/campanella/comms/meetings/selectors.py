"""Reads of meetings, scoped by `rules` (N+1-free: each list is one query with its joins)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.comms.meetings import rules
from campanella.comms.meetings.models import MeetingBooking, MeetingMode, MeetingSlot
from campanella.comms.meetings.services import aware
from campanella.lib.calendar_events import CalendarEvent


def upcoming_slots(teacher_id: int) -> QuerySet[MeetingSlot]:
    """A teacher's slots not yet started and not cancelled, soonest first."""
    return MeetingSlot.objects.filter(
        teacher_id=teacher_id, cancelled_at__isnull=True, starts_at__gt=timezone.now()
    ).order_by("starts_at", "pk")


def slots_for_family(user: Any, teacher_id: int, student_id: int) -> QuerySet[MeetingSlot]:
    """The slots a family may book for a child with a teacher (none when not theirs)."""
    if not rules.may_book_with(user, student_id, teacher_id):
        return MeetingSlot.objects.none()
    return upcoming_slots(teacher_id)


def own_upcoming_slots(user: Any) -> QuerySet[MeetingSlot]:
    staff = rules.teacher_profile(user)
    if staff is None:
        return MeetingSlot.objects.none()
    return upcoming_slots(staff.pk)


def bookings_of_family(user: Any, *, past: bool = False) -> QuerySet[MeetingBooking]:
    """The children's bookings, active first by time (or the past and cancelled ones)."""
    rows = rules.family_bookings(user).select_related("slot__teacher", "student", "booked_by")
    now = timezone.now()
    if past:
        return rows.filter(Q(slot__ends_at__lte=now) | Q(cancelled_at__isnull=False)).order_by(
            "-slot__starts_at", "-pk"
        )
    return rows.filter(cancelled_at__isnull=True, slot__ends_at__gt=now).order_by(
        "slot__starts_at", "pk"
    )


def teacher_day(user: Any, day: datetime.date) -> QuerySet[MeetingBooking]:
    """The teacher's active bookings of a day: who, for which student, when, how."""
    start = aware(day, datetime.time(0, 0))
    return (
        rules.teacher_bookings(user)
        .filter(
            cancelled_at__isnull=True,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + datetime.timedelta(days=1),
        )
        .select_related("slot", "student", "booked_by")
        .order_by("slot__starts_at", "student__surname", "student__name")
    )


def teacher_day_slots(user: Any, day: datetime.date) -> QuerySet[MeetingSlot]:
    """The teacher's slots of a day (to cancel one), whether booked or not."""
    start = aware(day, datetime.time(0, 0))
    staff = rules.teacher_profile(user)
    if staff is None:
        return MeetingSlot.objects.none()
    return MeetingSlot.objects.filter(
        teacher_id=staff.pk,
        cancelled_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=start + datetime.timedelta(days=1),
    ).order_by("starts_at")


@dataclass(frozen=True)
class CalendarBooking:
    """A booked meeting as a calendar feed shows it."""

    booking_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    teacher: str
    student: str
    mode: str
    place: str
    link: str


def bookings_for_calendar(
    user: Any, start: datetime.datetime, end: datetime.datetime
) -> list[CalendarBooking]:
    """The active bookings a login should see in [start, end): its children's (a family) and
    those of its own slots (a teacher), in one query."""
    scope = Q(student_id__in=rules.family_student_ids(user))
    staff = rules.teacher_profile(user)
    if staff is not None:
        scope |= Q(slot__teacher_id=staff.pk)
    rows = (
        MeetingBooking.objects.filter(
            scope,
            cancelled_at__isnull=True,
            slot__cancelled_at__isnull=True,
            slot__starts_at__lt=end,
            slot__ends_at__gt=start,
        )
        .select_related("slot__teacher", "student")
        .order_by("slot__starts_at", "pk")
    )
    return [
        CalendarBooking(
            booking_id=row.pk,
            starts_at=row.slot.starts_at,
            ends_at=row.slot.ends_at,
            teacher=row.slot.teacher.full_name,
            student=row.student.full_name,
            mode=row.slot.mode,
            place=row.slot.place,
            link=row.slot.link,
        )
        for row in rows
    ]


def meeting_events(user: Any, first: datetime.date, last: datetime.date) -> list[CalendarEvent]:
    """The meetings booked, as events of the login's private calendar feed (one query): a
    family sees its children's, a teacher those of its slots; a cancelled one leaves the feed."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    events = []
    for booking in bookings_for_calendar(user, start, end):
        where = booking.link if booking.mode == MeetingMode.ONLINE else booking.place
        events.append(
            CalendarEvent(
                uid=f"meeting-booking-{booking.booking_id}@campanella",
                summary=_("Colloquio con %(teacher)s per %(student)s")
                % {"teacher": booking.teacher, "student": booking.student},
                start=booking.starts_at,
                end=booking.ends_at,
                description=_("Online: %(link)s") % {"link": booking.link}
                if booking.mode == MeetingMode.ONLINE
                else "",
                location=where,
                path=reverse("comms:meeting_index"),
            )
        )
    return events
