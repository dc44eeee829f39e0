"""Rows written through the services: a service's refusal (a ValidationError such as a closed
day, a holiday, a bad grade) becomes a problem on the row's line, every row is tried, and none
is kept; the preview's rehearsal finds the same refusals and keeps nothing either."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from campanella.interop.models import ImportKind
from campanella.interop.plan import CREATED, REJECTED, Plan, RowOutcome, RowsRefused
from campanella.interop.service_writes import ServiceWrites, rehearse
from campanella.people.models import Staff, User
from campanella.register.models import Absence
from campanella.register.services import roll_call_save
from campanella.school.models import Closure
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def writes(cast: Cast, holiday: datetime.date) -> ServiceWrites:
    day = school_day(cast)
    teacher = Staff.objects.get(user=cast.teacher)

    def grade(text: str):  # type: ignore[no-untyped-def]
        def write(user: User) -> dict[str, int]:
            grade_add(
                user=user, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
                day=day, kind="orale", text=text, teacher=teacher,
            )  # fmt: skip
            return {"grades_created": 1}

        return write

    def absence(user: User) -> dict[str, int]:
        roll_call_save(
            user=user, classroom=cast.classroom_1a, day=holiday, absent_ids=[cast.child.pk],
            as_office=True, withdraw=False,
        )  # fmt: skip
        return {"absences_created": 1}

    result = ServiceWrites(cast.office)
    result.add(2, grade("7"))
    result.add(3, grade("zz"))
    result.add(4, absence)
    return result


def holiday_of(cast: Cast) -> datetime.date:
    day = school_day(cast, school_day(cast) - datetime.timedelta(days=1))
    Closure.objects.create(institute=cast.institute, start_date=day, end_date=day, description="x")
    return day


def test_every_refusal_is_on_its_line_and_nothing_is_kept(cast: Cast) -> None:
    planned = writes(cast, holiday_of(cast))
    with pytest.raises(RowsRefused) as refused, transaction.atomic():
        planned.apply()
    problems = {p.line: p.message for p in refused.value.problems}
    assert set(problems) == {3, 4}
    assert problems[3].startswith("Voto non valido")
    assert "non è un giorno di lezione" in problems[4]
    assert not Grade.objects.exists()
    assert not Absence.objects.exists()
    assert not Change.objects.exists()


def test_the_rehearsal_lists_the_refusals_and_keeps_nothing(cast: Cast) -> None:
    plan = Plan(kind=ImportKind.GRADES)
    plan.rows = [RowOutcome(line, CREATED, "x") for line in (2, 3, 4)]
    plan.writes = writes(cast, holiday_of(cast))
    rehearse(plan)
    assert [row.action for row in plan.rows] == [CREATED, REJECTED, REJECTED]
    assert sorted(p.line or 0 for p in plan.problems) == [3, 4]
    assert not Grade.objects.exists() and not Change.objects.exists()


def test_a_rehearsal_without_refusals_keeps_nothing_either(cast: Cast) -> None:
    plan = Plan(kind=ImportKind.GRADES)
    planned = ServiceWrites(cast.office)
    planned.rows = writes(cast, holiday_of(cast)).rows[:1]
    plan.writes = planned
    rehearse(plan)
    assert plan.ok
    assert not Grade.objects.exists() and not Change.objects.exists()


def test_anything_but_a_refusal_is_a_bug_and_is_raised(cast: Cast) -> None:
    planned = ServiceWrites(cast.office)
    planned.add(2, lambda user: {"x": 1 // 0})
    with pytest.raises(ZeroDivisionError):
        planned.apply()


def test_nobody_writes_without_an_office_user(cast: Cast) -> None:
    with pytest.raises(RowsRefused):
        ServiceWrites(None).apply()
