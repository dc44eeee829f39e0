"""The register's and grades' services, used by the office for records kept elsewhere (the
office's imports of grades and attendance): the office records, the named teacher is the one who
graded or decided; nobody else may act "as the office", and the office may not act without it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.grades.services import GradeInputError, grade_add
from campanella.grades.services import NotAllowed as GradeNotAllowed
from campanella.people.models import Staff
from campanella.register import services
from campanella.register.models import Absence, EarlyExit, JustificationStatus, LateEntry
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def staff(user: object) -> Staff:
    return Staff.objects.get(user=user)


def test_the_office_records_a_grade_for_its_teacher(cast: Cast) -> None:
    day = school_day(cast)
    grade = grade_add(
        user=cast.office, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=day, kind="orale", text="6½", weight=Decimal("1"), teacher=staff(cast.teacher),
    )  # fmt: skip
    assert (grade.teacher, grade.recorded_by, grade.value) == (
        staff(cast.teacher),
        cast.office,
        Decimal("6.50"),
    )
    assert Change.objects.get(object_id=grade.pk, action="create").actor == cast.office


def test_a_grade_for_a_teacher_without_that_subject_is_refused_in_italian(cast: Cast) -> None:
    with pytest.raises(GradeInputError, match="non insegna Matematica"):
        grade_add(
            user=cast.office, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="orale", text="7",
            teacher=staff(cast.other_teacher),
        )  # fmt: skip
    assert not Grade.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "foreign_office", "principal"])
def test_only_the_office_of_the_institute_names_the_teacher(cast: Cast, who: str) -> None:
    with pytest.raises(GradeNotAllowed):
        grade_add(
            user=getattr(cast, who), classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="orale", text="7",
            teacher=staff(cast.teacher),
        )  # fmt: skip
    with pytest.raises(GradeNotAllowed):  # and the office never grades in its own name
        grade_add(
            user=cast.office, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=school_day(cast), kind="orale", text="7",
        )  # fmt: skip
    assert not Grade.objects.exists()


def test_the_office_adds_absences_without_withdrawing_the_teachers(cast: Cast) -> None:
    day = school_day(cast)
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    result = services.roll_call_save(
        user=cast.office, classroom=cast.classroom_1a, day=day,
        absent_ids=[cast.other_child.pk], as_office=True, withdraw=False,
    )  # fmt: skip
    assert result.absent == sorted([cast.child.pk, cast.other_child.pk])
    absent = Absence.objects.filter(date=day, cancelled_at__isnull=True)
    assert set(absent.values_list("student_id", flat=True)) == {cast.child.pk, cast.other_child.pk}
    added = absent.get(student=cast.other_child)
    assert added.recorded_by == cast.office
    assert Change.objects.get(object_id=added.pk, action="create").actor == cast.office


@pytest.mark.parametrize("who", ["teacher", "foreign_office", "principal"])
def test_only_the_office_of_the_institute_records_as_the_office(cast: Cast, who: str) -> None:
    day = school_day(cast)
    user = getattr(cast, who)
    with pytest.raises(services.NotAllowed):
        services.roll_call_save(
            user=user, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk],
            as_office=True, withdraw=False,
        )  # fmt: skip
    with pytest.raises(services.NotAllowed):
        services.late_entry_record(
            user=user, classroom=cast.classroom_1a, student=cast.child, day=day,
            time=datetime.time(8, 30), as_office=True,
        )  # fmt: skip
    with pytest.raises(services.NotAllowed):  # nor does the office without saying so
        services.early_exit_record(
            user=cast.office, classroom=cast.classroom_1a, student=cast.child, day=day,
            time=datetime.time(9, 30),
        )  # fmt: skip
    assert not Absence.objects.exists()
    assert not LateEntry.objects.exists()
    assert not EarlyExit.objects.exists()


def test_the_office_records_a_justification_decided_by_a_teacher(cast: Cast) -> None:
    day = school_day(cast)
    services.late_entry_record(
        user=cast.office, classroom=cast.classroom_1a, student=cast.child, day=day,
        time=datetime.time(8, 40), as_office=True,
    )  # fmt: skip
    justification = services.justification_submit(
        user=cast.office, student=cast.child, kind="ritardo", start=day,
        reason="Motivi di salute", as_office=True,
    )  # fmt: skip
    when = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    services.justification_decide(
        user=cast.office, justification=justification, accept=True, as_office=True,
        decided_by=cast.teacher, decided_at=when,
    )  # fmt: skip
    justification.refresh_from_db()
    assert (justification.status, justification.submitted_by) == (
        JustificationStatus.ACCEPTED,
        cast.office,
    )
    assert (justification.decided_by, justification.decided_at) == (cast.teacher, when)
    assert LateEntry.objects.get().justification == justification
    actors = set(Change.objects.filter(object_id=justification.pk).values_list("actor", flat=True))
    assert actors == {cast.office.pk}


def test_nobody_but_the_office_names_who_decided(cast: Cast) -> None:
    day = school_day(cast)
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    with pytest.raises(services.NotAllowed):
        services.justification_submit(
            user=cast.teacher, student=cast.child, kind="assenza", start=day, reason="x",
            as_office=True,
        )  # fmt: skip
    justification = services.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    with pytest.raises(services.NotAllowed):
        services.justification_decide(
            user=cast.teacher, justification=justification, accept=True, decided_by=cast.coordinator
        )
    with pytest.raises(services.NotAllowed):
        services.justification_decide(
            user=cast.foreign_office, justification=justification, accept=True, as_office=True
        )
    justification.refresh_from_db()
    assert justification.status == JustificationStatus.PENDING
