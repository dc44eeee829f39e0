"""The grade book and the family grades page list plain values (grades.selectors.ListedGrade),
not model objects: the values are the stored grade's, field by field (issue 11: item 15)."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest

from campanella.grades import selectors
from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_listed_fields_come_first_in_their_order() -> None:
    names = [field.name for field in dataclasses.fields(selectors.ListedGrade)]
    assert tuple(names[: len(selectors.LISTED_FIELDS)]) == selectors.LISTED_FIELDS


def test_a_listed_grade_is_the_stored_one(cast: Cast) -> None:
    teacher = cast.teacher.staff_profile
    day = datetime.date.today() - datetime.timedelta(days=1)
    grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=day, kind="scritto", text="7+", weight=Decimal("0.5"), counts_in_average=False,
        description="Verifica <1>", comment="Bene & con cura", visible_from=None,
    )  # fmt: skip
    stored = Grade.objects.get(student=cast.child)
    found = selectors.subject_grades(cast.classroom_1a, cast.maths, None)
    (listed,) = found.by_student[cast.child.pk]
    for name in selectors.LISTED_FIELDS:
        assert getattr(listed, name) == getattr(stored, name), name
    assert listed.pk == stored.pk and selectors.shown(listed) == "7+"
    (summary,) = selectors.student_summary(cast.child, cast.classroom_1a, None, family=False)
    (family,) = summary.grades
    assert family == dataclasses.replace(
        listed, subject_name="Matematica", subject_kind=cast.maths.kind,
        teacher_name=teacher.full_name,
    )  # fmt: skip
