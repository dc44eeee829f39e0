"""The demo's messages: a teacher's thread answered by the family, and the family's thread with
the office, each unread for the other side; a second run writes none."""

from __future__ import annotations

import pytest

from campanella.comms.messages.models import Message, Side, Thread
from campanella.comms.messages.selectors import unread_count
from campanella.demo.generator import generate
from campanella.demo.messages import generate_messages
from campanella.people.models import Staff
from campanella.school.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_the_demo_writes_two_threads() -> None:
    counts = generate(students=30, schools=1, seed=2, history_days=2, grades_per_subject=1)
    teacher_thread = Thread.objects.get(teacher__isnull=False)
    office_thread = Thread.objects.get(with_office=True)
    assert [m.author_side for m in Message.objects.filter(thread=teacher_thread)] == [
        Side.TEACHER, Side.FAMILY
    ]  # fmt: skip
    assert teacher_thread.teacher is not None and teacher_thread.teacher.user is not None
    assert unread_count(teacher_thread.teacher.user) == 1
    office = Staff.objects.filter(is_office=True, institute_id=counts.institute_id).first()
    assert office is not None and unread_count(office.user) == 1
    assert office_thread.student_id == teacher_thread.student_id
    year = SchoolYear.objects.get(institute_id=counts.institute_id)
    again = generate_messages(institute_id=counts.institute_id, year=year, today=year.start_date)
    assert again == 0 and Thread.objects.count() == 2
