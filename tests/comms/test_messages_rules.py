"""Who may write to whom and who reads a thread (comms/messages/rules.py)."""

from __future__ import annotations

import pytest

from campanella.comms.messages import rules
from campanella.comms.messages.models import Side
from campanella.comms.messages.services import thread_start
from campanella.people.models import Staff
from tests import factories as f
from tests.comms.routes_messages import teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_sides_of_a_teachers_thread(cast: Cast) -> None:
    thread = teacher_thread(cast)
    sides = {
        user.username: (access.side if (access := rules.thread_access(user, thread.pk)) else None)
        for user in (
            cast.guardian, cast.teacher, cast.other_guardian, cast.child_user, cast.coordinator,
            cast.other_teacher, cast.office, cast.principal, cast.foreign_office, cast.outsider,
        )
    }  # fmt: skip
    assert sides == {
        "guardian": Side.FAMILY, "teacher": Side.TEACHER, "other_guardian": None, "child": None,
        "coordinator": None, "other_teacher": None, "office": None, "principal": None,
        "foreign_office": None, "outsider": None,
    }  # fmt: skip


def test_the_office_reads_its_institutes_office_threads(cast: Cast) -> None:
    message = thread_start(
        user=cast.guardian, student_id=cast.child.pk, to_office=True, subject="A", body="B"
    )
    assert rules.thread_access(cast.office, message.thread_id) is not None
    assert rules.thread_access(cast.foreign_office, message.thread_id) is None
    assert rules.thread_access(cast.teacher, message.thread_id) is None
    assert list(rules.visible_threads(cast.office)) == [message.thread]
    assert list(rules.visible_threads(cast.teacher)) == []


def test_a_familys_teachers_come_from_the_teaching_assignments(cast: Cast) -> None:
    teachers = set(rules.child_teachers(cast.guardian, cast.child.pk))
    assert teachers == set(Staff.objects.filter(user__in=[cast.teacher, cast.coordinator]))
    # The sibling is in 2ª B: its teacher, not 1ª A's.
    assert set(rules.child_teachers(cast.guardian, cast.sibling.pk)) == {
        Staff.objects.get(user=cast.other_teacher)
    }
    assert not rules.child_teachers(cast.other_guardian, cast.child.pk).exists()


def test_a_support_teacher_is_reached_only_by_the_family_they_follow(cast: Cast) -> None:
    support = f.StaffFactory(institute=cast.institute, user=f.UserFactory(), is_teacher=True)
    f.TeachingFactory(
        teacher=support, classroom=cast.classroom_1a, subject=cast.maths, kind="sostegno",
        support_student=cast.other_child,
    )  # fmt: skip
    assert support not in rules.child_teachers(cast.guardian, cast.child.pk)
    assert support in rules.child_teachers(cast.other_guardian, cast.other_child.pk)


def test_a_teacher_reaches_the_families_of_their_classrooms_only(cast: Cast) -> None:
    assert rules.may_reach_family_as_staff(cast.teacher, cast.child.pk)
    assert not rules.may_reach_family_as_staff(cast.teacher, cast.sibling.pk)
    assert rules.may_reach_family_as_staff(cast.other_teacher, cast.sibling.pk)
    assert rules.may_reach_family_as_staff(cast.office, cast.sibling.pk)
    assert not rules.may_reach_family_as_staff(cast.foreign_office, cast.child.pk)
    assert not rules.may_reach_family_as_staff(cast.guardian, cast.child.pk)


def test_who_may_write_and_broadcast(cast: Cast) -> None:
    assert rules.may_write_messages(cast.guardian) and rules.may_write_messages(cast.teacher)
    assert rules.may_write_messages(cast.office)
    assert not rules.may_write_messages(cast.child_user)
    assert not rules.may_write_messages(cast.outsider)
    assert rules.may_broadcast(cast.office) and not rules.may_broadcast(cast.principal)
    assert not rules.may_broadcast(cast.teacher)
