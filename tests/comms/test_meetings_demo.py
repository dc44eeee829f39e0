"""The demo's meetings: each teacher's weekly hour, so a demo family can book; a second run
writes none."""

from __future__ import annotations

import datetime

import pytest

from campanella.comms.meetings import rules
from campanella.comms.meetings.models import MeetingAvailability, MeetingSlot
from campanella.demo.generator import generate
from campanella.demo.meetings import generate_meetings
from campanella.people.models import Guardianship

pytestmark = pytest.mark.django_db


def test_the_demo_teachers_publish_weekly_meetings() -> None:
    counts = generate(students=30, schools=1, seed=2, history_days=2, grades_per_subject=1)
    teachers = MeetingAvailability.objects.values("teacher").distinct().count()
    assert teachers > 0 and MeetingSlot.objects.count() >= teachers * 6 * 2  # holidays apart
    link = Guardianship.objects.select_related("guardian__user").filter(
        guardian__user__isnull=False
    ).first()  # fmt: skip
    assert link is not None
    child_teachers = rules.teachers_of_student(link.student_id)
    assert MeetingSlot.objects.filter(teacher__in=child_teachers).exists()
    slots = MeetingSlot.objects.count()
    assert generate_meetings(institute_id=counts.institute_id, today=datetime.date.today()) == 0
    assert MeetingSlot.objects.count() == slots
