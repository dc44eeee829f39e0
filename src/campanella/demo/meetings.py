"""The demo's meetings: every teacher publishes, through the same service a school uses, an
hour of weekly meetings (ten minutes each, in person) over the next four weeks, so a demo
family finds slots to book with each of its child's teachers."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campanella.comms.meetings.models import MeetingAvailability
from campanella.comms.meetings.services import (
    AvailabilityDraft,
    MeetingError,
    Window,
    availability_publish,
)
from campanella.people.models import Staff

WEEKS = 4


def generate_meetings(*, institute_id: int, today: datetime.date) -> int:
    """Slots created (none if the institute's teachers have published already)."""
    teachers = list(
        Staff.objects.select_related("user")
        .filter(institute_id=institute_id, is_teacher=True, active=True, user__isnull=False)
        .order_by("pk")
    )
    if MeetingAvailability.objects.filter(teacher__institute_id=institute_id).exists():
        return 0
    start = max(today, timezone.localdate())
    window = Window(
        slot_minutes=10, capacity=1, place="Aula colloqui, piano terra", opens_days_before=7,
        opens_at=datetime.time(20, 0), closes_hours_before=24,
    )  # fmt: skip
    created = 0
    for number, teacher in enumerate(teachers):
        hour = datetime.time(9 + number % 4, 0)
        draft = AvailabilityDraft(
            weekday=number % 5, start_time=hour, end_time=datetime.time(hour.hour + 1, 0),
            window=window, valid_from=start,
            valid_until=start + datetime.timedelta(weeks=WEEKS),
        )  # fmt: skip
        try:
            _availability, count = availability_publish(user=teacher.user, draft=draft)  # type: ignore[arg-type]
        except MeetingError:  # no school year in course, or the period is over
            return created
        created += count
    return created
