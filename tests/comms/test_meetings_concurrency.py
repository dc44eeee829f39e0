"""No overbooking under concurrency: many families book the same slot at the same instant
on PostgreSQL (SQLite serialises writers, so only this test is skipped there)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from campanella.comms.meetings.models import MeetingBooking, MeetingSlot
from campanella.comms.meetings.services import MeetingError, booking_create
from campanella.people.models import User
from tests import factories as f
from tests.comms.meetings_support import open_slot
from tests.conftest import Cast, build_cast

FAMILIES = 12


@pytest.fixture
def committed_cast(transactional_db: Any) -> Cast:
    return build_cast()


def families_of_1a(c: Cast, count: int) -> list[tuple[User, int]]:
    families = []
    for n in range(count):
        student = f.StudentFactory(institute=c.institute)
        f.EnrollmentFactory(student=student, classroom=c.classroom_1a)
        user = f.UserFactory(username=f"famiglia{n}")
        guardian = f.GuardianFactory(institute=c.institute, user=user)
        f.GuardianshipFactory(student=student, guardian=guardian)
        families.append((user, student.pk))
    return families


@pytest.mark.parametrize("capacity", [1, 3])
def test_many_families_at_once_never_overbook(committed_cast: Cast, capacity: int) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    cast = committed_cast
    slot = open_slot(cast, capacity=capacity)
    families = families_of_1a(cast, FAMILIES)
    barrier = threading.Barrier(FAMILIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(user: User, student_id: int) -> None:
        try:
            barrier.wait()
            booking_create(user=user, slot_id=slot.pk, student_id=student_id)
            outcome = "booked"
        except MeetingError as error:
            outcome = error.code
        except BaseException as failure:  # anything else is a bug: reported below
            outcome = repr(failure)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=book, args=family) for family in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["booked"] * capacity + ["slot_full"] * (FAMILIES - capacity))
    assert MeetingBooking.objects.filter(slot=slot, cancelled_at__isnull=True).count() == capacity
    assert MeetingSlot.objects.get(pk=slot.pk).booked_count == capacity
