"""School structure refuses invalid data with Italian messages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from campanella.school.models import Closure, HourSlot, School, Teaching, Term, TimetableEntry
from campanella.school.selectors import current_school_year, is_school_day, school_days
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_bad_codice_meccanografico_is_refused(cast: Cast) -> None:
    school = School(institute=cast.institute, name="X", code="ZZ12", kind="secondaria2", city="X")
    with pytest.raises(ValidationError) as caught:
        school.full_clean()
    assert "codice meccanografico" in messages(caught.value).lower() or "caratteri" in messages(
        caught.value
    )


def test_overlapping_terms_are_refused(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    overlapping = Term(
        school_year=year, school=cast.school, number=2, kind="pentamestre",
        start_date=datetime.date(year.start_date.year, 12, 1), end_date=year.end_date,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        overlapping.full_clean()
    assert "sovrappone" in messages(caught.value)


def test_term_outside_its_year_is_refused(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    term = Term(
        school_year=year, school=cast.school, number=3, kind="trimestre",
        start_date=year.end_date, end_date=year.end_date + datetime.timedelta(days=30),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        term.full_clean()
    assert "dentro l'anno scolastico" in messages(caught.value)


def test_adjacent_terms_are_accepted(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    term = Term(
        school_year=year, school=cast.school, number=2, kind="pentamestre",
        start_date=datetime.date(year.start_date.year, 12, 23), end_date=year.end_date,
    )  # fmt: skip
    term.full_clean()


def test_teaching_needs_a_subject_of_the_classroom(cast: Cast) -> None:
    physics = f.SubjectFactory(institute=cast.institute, name="Fisica")
    teaching = Teaching(
        teacher=cast.teacher.staff_profile, classroom=cast.classroom_1a, subject=physics
    )
    with pytest.raises(ValidationError) as caught:
        teaching.full_clean()
    assert "non ha la materia Fisica" in messages(caught.value)


def test_support_teaching_needs_a_student_of_the_classroom(cast: Cast) -> None:
    teaching = Teaching(
        teacher=cast.teacher.staff_profile, classroom=cast.classroom_1a, subject=cast.maths,
        kind="sostegno",
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        teaching.full_clean()
    assert "alunno seguito" in messages(caught.value)
    teaching.support_student = cast.sibling  # enrolled in 2B, not 1A
    with pytest.raises(ValidationError) as caught:
        teaching.full_clean()
    assert "non è iscritto in questa classe" in messages(caught.value)
    teaching.support_student = cast.child
    teaching.full_clean()


def test_teaching_by_a_non_teacher_is_refused(cast: Cast) -> None:
    teaching = Teaching(
        teacher=cast.office.staff_profile, classroom=cast.classroom_1a, subject=cast.maths
    )
    with pytest.raises(ValidationError) as caught:
        teaching.full_clean()
    assert "ruolo di docente" in messages(caught.value)


def test_hour_slots_may_not_overlap(cast: Cast) -> None:
    slot = HourSlot(
        school=cast.school, number=9, start_time=datetime.time(8, 30), end_time=datetime.time(9, 30)
    )
    with pytest.raises(ValidationError) as caught:
        slot.full_clean()
    assert "sovrappone" in messages(caught.value)


def test_timetable_refuses_foreign_subject_and_saturday(cast: Cast) -> None:
    physics = f.SubjectFactory(institute=cast.institute, name="Fisica")
    slot = cast.school.hour_slots.get(number=3)
    entry = TimetableEntry(classroom=cast.classroom_1a, weekday=5, slot=slot, subject=physics)
    with pytest.raises(ValidationError) as caught:
        entry.full_clean()
    text = messages(caught.value)
    assert "quadro orario" in text
    assert "non fa lezione in questo giorno" in text


def test_school_days_skip_weekends_and_closures(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    monday = datetime.date(year.start_date.year, 11, 2)
    while monday.weekday() != 0:
        monday += datetime.timedelta(days=1)
    Closure.objects.create(
        institute=cast.institute, start_date=monday + datetime.timedelta(days=1),
        end_date=monday + datetime.timedelta(days=2), description="Ponte",
    )  # fmt: skip
    week = school_days(cast.school, monday, monday + datetime.timedelta(days=6))
    assert [d.weekday() for d in week] == [0, 3, 4]
    assert not is_school_day(cast.school, monday + datetime.timedelta(days=5))  # Saturday
    cast.school.saturday_lessons = True
    assert is_school_day(cast.school, monday + datetime.timedelta(days=5))


def test_closure_of_another_school_does_not_count(cast: Cast) -> None:
    other = f.SchoolFactory(institute=cast.institute)
    day = cast.classroom_1a.school_year.lessons_start
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    Closure.objects.create(
        institute=cast.institute, school=other, start_date=day, end_date=day, description="Seggio"
    )
    assert is_school_day(cast.school, day)
    assert not is_school_day(other, day)


def test_current_school_year_follows_the_calendar(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    assert current_school_year(cast.institute) == year
    assert current_school_year(cast.institute, year.end_date + datetime.timedelta(days=40)) == year
    assert current_school_year(cast.institute, year.start_date - datetime.timedelta(days=1)) is None
