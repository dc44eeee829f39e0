"""Two identical writes at the same moment (double tap, client retry, two co-teachers) must not
fail: the second waits for the first and changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from campanella.register.models import Absence, Lesson, Signature
from campanella.register.services import lesson_sign, roll_call_save
from tests.conftest import Cast, build_cast, school_day


@pytest.fixture
def committed_cast(transactional_db: Any) -> Cast:
    return build_cast()


def twice_at_once(action: Callable[[], object]) -> list[BaseException]:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            action()
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_double_roll_call_saves_once(committed_cast: Cast) -> None:
    cast = committed_cast
    day = school_day(cast)
    failures = twice_at_once(
        lambda: roll_call_save(
            user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
        )
    )
    assert failures == []
    assert Absence.objects.filter(student=cast.child, date=day).count() == 1


def test_double_signature_signs_once(committed_cast: Cast) -> None:
    cast = committed_cast
    day = school_day(cast)
    slot = cast.school.hour_slots.get(number=1)
    failures = twice_at_once(
        lambda: lesson_sign(
            user=cast.teacher, classroom=cast.classroom_1a, day=day, slot=slot, subject=cast.maths
        )
    )
    assert failures == []
    assert Lesson.objects.filter(classroom=cast.classroom_1a, date=day).count() == 1
    assert Signature.objects.count() == 1
