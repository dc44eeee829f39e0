"""Meetings of the cast (tests.conftest): a teacher's slots open for booking now, and a
booking of the child's family."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from campanella.comms.meetings.models import MeetingBooking, MeetingSlot
from campanella.comms.meetings.services import (
    AvailabilityDraft,
    Window,
    availability_publish,
    booking_create,
)
from campanella.people.models import User
from tests.conftest import Cast


def window(**changes: Any) -> Window:
    """Open from a week before at midnight, closed an hour before: bookable now for slots in
    the next days."""
    values: dict[str, Any] = {
        "slot_minutes": 10, "capacity": 1, "place": "Aula colloqui",
        "opens_days_before": 7, "opens_at": datetime.time(0, 0), "closes_hours_before": 1,
    }  # fmt: skip
    values.update(changes)
    return Window(**values)


def publish_on(
    c: Cast,
    day: datetime.date,
    teacher: User | None = None,
    start: datetime.time = datetime.time(15, 0),
    end: datetime.time = datetime.time(15, 30),
    **changes: Any,
) -> list[MeetingSlot]:
    """A teacher's availability on `day` only (the maths teacher of 1ª A by default)."""
    availability, _created = availability_publish(
        user=teacher or c.teacher,
        draft=AvailabilityDraft(
            weekday=day.weekday(), start_time=start, end_time=end, window=window(**changes),
            valid_from=day, valid_until=day,
        ),
    )  # fmt: skip
    return list(availability.slots.order_by("starts_at"))


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def open_slot(c: Cast, teacher: User | None = None, **changes: Any) -> MeetingSlot:
    """The first slot, the day after tomorrow at 15:00, bookable now."""
    return publish_on(c, in_days(2), teacher, **changes)[0]


def booked(c: Cast, **changes: Any) -> MeetingBooking:
    """The child's family booked the maths teacher's slot."""
    slot = open_slot(c, **changes)
    return booking_create(user=c.guardian, slot_id=slot.pk, student_id=c.child.pk)


def weekday_in(n: int) -> datetime.date:
    """The first Monday-to-Friday day at least `n` days from today."""
    day = in_days(n)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    return day
