"""Importing our own OneRoster export: into the same institute nothing changes; into an
institute emptied of its roster (same schools, years and terms) the roster comes back, and a
second import of the same bundle writes nothing."""

from __future__ import annotations

import pytest

from campanella.audit.models import Change
from campanella.interop.models import RosterLink
from campanella.interop.plan import CREATED, REJECTED, UNCHANGED, UPDATED
from campanella.people.models import Enrollment, Guardian, Guardianship, Staff, Student
from campanella.school.models import Classroom, ClassroomSubject, Teaching
from tests.conftest import Cast
from tests.interop.oneroster_import.helpers import (
    apply,
    empty_institute,
    exported,
    for_institute,
    problems,
    upload,
)

pytestmark = pytest.mark.django_db


def test_reimport_of_our_own_export_changes_nothing(cast: Cast) -> None:
    content = exported(cast)
    batch, plan = upload(cast, content)
    assert problems(plan) == []
    counts = plan.counts()
    assert counts[CREATED] == counts[UPDATED] == counts[REJECTED] == 0, [
        (r.label, r.details) for r in plan.rows if r.action != UNCHANGED
    ]
    assert counts[UNCHANGED] == len(plan.rows) > 0
    changes = Change.objects.count()
    result = apply(cast, batch)
    assert result.applied
    assert set(result.batch.summary["written"].values()) == {0}
    assert Change.objects.count() == changes


def roster(institute_id: int) -> dict[str, set[tuple[object, ...]]]:
    """An institute's roster in natural keys (no primary key), to compare two institutes."""
    return {
        "students": set(Student.objects.filter(institute_id=institute_id).values_list(
            "codice_fiscale", "surname", "name", "birth_date", "sex")),
        "enrollments": set(Enrollment.objects.filter(
            student__institute_id=institute_id).values_list(
            "student__codice_fiscale", "classroom__year", "classroom__section",
            "entry_date", "exit_date")),
        "teachers": set(Staff.objects.filter(
            institute_id=institute_id, is_teacher=True, teachings__isnull=False
        ).values_list("surname", "name", "email").distinct()),
        "teachings": set(Teaching.objects.filter(
            classroom__school__institute_id=institute_id).values_list(
            "teacher__surname", "classroom__year", "classroom__section", "subject__name",
            "kind")),
        "coordinators": set(Classroom.objects.filter(
            school__institute_id=institute_id, coordinator__isnull=False).values_list(
            "year", "section", "coordinator__surname")),
        "links": set(Guardianship.objects.filter(
            student__institute_id=institute_id).values_list(
            "student__codice_fiscale", "guardian__surname", "guardian__name",
            "guardian__email", "relation")),
        "classroom_subjects": set(ClassroomSubject.objects.filter(
            classroom__school__institute_id=institute_id).values_list(
            "classroom__year", "classroom__section", "subject__name")),
    }  # fmt: skip


def test_our_export_recreates_the_roster_in_an_empty_institute(cast: Cast) -> None:
    institute, school, office = empty_institute(cast)
    content = for_institute(cast, institute, school, exported(cast))
    batch, plan = upload(cast, content, office=office)
    assert problems(plan) == []
    assert plan.counts()[CREATED] > 0
    result = apply(cast, batch, office=office)
    assert result.applied, problems(result.plan) if result.plan else result.outcome
    assert roster(institute.pk) == roster(cast.institute.pk)
    # every record created is in the history, by the office, naming the import
    created = Change.objects.filter(institute_id=institute.pk, actor=office)
    assert created.filter(reason__startswith="Importazione OneRoster").count() == sum(
        result.batch.summary["written"].values()
    )

    again, plan = upload(cast, content, office=office)
    assert plan.counts()[CREATED] == plan.counts()[UPDATED] == 0, [
        (r.label, r.details) for r in plan.rows if r.action != UNCHANGED
    ]
    changes, links = Change.objects.count(), RosterLink.objects.count()
    result = apply(cast, again, office=office)
    assert result.applied
    assert set(result.batch.summary["written"].values()) == {0}
    assert (Change.objects.count(), RosterLink.objects.count()) == (changes, links)


def test_without_the_codice_fiscale_new_students_are_refused(cast: Cast) -> None:
    institute, school, office = empty_institute(cast)
    content = for_institute(cast, institute, school, exported(cast), identity=False)
    batch, plan = upload(cast, content, office=office)
    assert any(
        message.startswith("users.csv, riga ") and "manca il codice fiscale" in message
        for message in problems(plan)
    )
    students = Student.objects.count()
    assert not apply(cast, batch, office=office).applied
    assert Student.objects.count() == students


def test_a_person_removed_since_is_created_again_and_found_the_next_time(cast: Cast) -> None:
    """Guardians come without a codice fiscale: only their link finds them again."""
    institute, school, office = empty_institute(cast)
    content = for_institute(cast, institute, school, exported(cast))
    assert apply(cast, upload(cast, content, office=office)[0], office=office).applied
    guardians = Guardian.objects.filter(institute=institute)
    count = guardians.count()
    assert count == 2 and not guardians.exclude(codice_fiscale="").exists()
    guardians.first().delete()  # type: ignore[union-attr]

    batch, plan = upload(cast, content, office=office)
    assert plan.counts()[CREATED] == 1, [
        (r.label, r.action) for r in plan.rows if r.action != UNCHANGED
    ]
    assert apply(cast, batch, office=office).applied
    assert guardians.count() == count

    again, plan = upload(cast, content, office=office)
    assert plan.counts()[CREATED] == plan.counts()[UPDATED] == 0
    assert apply(cast, again, office=office).applied
    assert guardians.count() == count
