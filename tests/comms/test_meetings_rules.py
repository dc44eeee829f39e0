"""Who may meet whom: a family books with the teachers of its child's classroom; a revoked
link, another family, a student or staff of another class may not; slots and bookings are seen
by their teacher, the family and the institute's office only."""

from __future__ import annotations

import datetime

import pytest

from campanella.comms.meetings import rules
from campanella.people.models import Guardianship, Staff
from tests.comms.meetings_support import booked
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def staff(user: object) -> Staff:
    return Staff.objects.get(user=user)


def test_a_familys_teachers_are_those_of_the_childs_classroom(cast: Cast) -> None:
    of_child = set(rules.teachers_of_student(cast.child.pk))
    assert of_child == {staff(cast.teacher), staff(cast.coordinator)}
    assert set(rules.teachers_of_student(cast.sibling.pk)) == {staff(cast.other_teacher)}
    assert rules.may_book_with(cast.guardian, cast.child.pk, staff(cast.teacher).pk)
    assert rules.may_book_with(cast.guardian, cast.child.pk, staff(cast.coordinator).pk)
    assert not rules.may_book_with(cast.guardian, cast.child.pk, staff(cast.other_teacher).pk)
    assert not rules.may_book_with(cast.other_guardian, cast.child.pk, staff(cast.teacher).pk)
    assert not rules.may_book_with(cast.child_user, cast.child.pk, staff(cast.teacher).pk)
    assert not rules.may_book_with(cast.office, cast.child.pk, staff(cast.teacher).pk)


def test_a_revoked_link_books_nothing(cast: Cast) -> None:
    Guardianship.objects.filter(student=cast.child).update(
        access_revoked_on=datetime.date(2026, 9, 1)
    )
    assert not rules.may_book_with(cast.guardian, cast.child.pk, staff(cast.teacher).pk)
    assert list(rules.family_children(cast.guardian)) == [cast.sibling]


def test_who_sees_slots_and_bookings(cast: Cast) -> None:
    booking = booked(cast)
    assert booking.slot in rules.visible_slots(cast.teacher)
    assert booking.slot in rules.visible_slots(cast.office)
    for outsider in (cast.other_teacher, cast.foreign_office, cast.guardian, cast.outsider):
        assert booking.slot not in rules.visible_slots(outsider)
    assert list(rules.family_bookings(cast.guardian)) == [booking]
    assert list(rules.teacher_bookings(cast.teacher)) == [booking]
    for outsider in (cast.other_guardian, cast.child_user, cast.office):
        assert not rules.family_bookings(outsider).exists()
    assert not rules.teacher_bookings(cast.coordinator).exists()
    assert rules.own_slot(cast.teacher, booking.slot_id) == booking.slot
    assert rules.own_slot(cast.other_teacher, booking.slot_id) is None
    assert rules.may_publish_availability(cast.teacher)
    assert not rules.may_publish_availability(cast.office)
    assert rules.may_publish_meeting_days(cast.office)
    assert not rules.may_publish_meeting_days(cast.teacher)
