"""Grades (issue 5, core): who may grade, Italian notation, refusals, history, averages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.audit.services import history_of
from campanella.grades import selectors
from campanella.grades.models import Grade
from campanella.grades.services import (
    GradeInputError,
    NotAllowed,
    grade_add,
    grade_cancel,
    grade_change,
    scale_for,
)
from campanella.lib.grades import format_grade
from campanella.people.models import Staff
from campanella.register.services import lesson_sign
from campanella.school.models import Classroom, SchoolKind, SchoolYear, SubjectKind, Term
from tests import factories as f
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def add(cast: Cast, text: str, **kwargs: object) -> Grade:
    values: dict[str, object] = {
        "user": cast.teacher, "classroom": cast.classroom_1a, "subject": cast.maths,
        "student": cast.child, "day": today(), "kind": "scritto", "text": text,
    }  # fmt: skip
    values.update(kwargs)
    return grade_add(**values)  # type: ignore[arg-type]


def test_italian_notation_is_stored_once_and_displayed(cast: Cast) -> None:
    plus = add(cast, "7+")
    half = add(cast, "5½")
    assert plus.value == Decimal("7.25")
    assert half.value == Decimal("5.50")
    assert format_grade(plus.value) == "7+"
    assert format_grade(half.value) == "5½"
    assert Change.objects.filter(object_id=plus.pk, action="create").exists()


@pytest.mark.parametrize("text", ["11", "7++", "0", "abc", ""])
def test_bad_grades_are_refused_in_italian(cast: Cast, text: str) -> None:
    with pytest.raises(GradeInputError) as caught:
        add(cast, text)
    assert "Voto" in " ".join(caught.value.messages)
    assert not Grade.objects.exists()


def test_only_the_teacher_of_that_subject_in_that_classroom(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        add(cast, "7", user=cast.coordinator)  # teaches Italiano, not Matematica
    with pytest.raises(NotAllowed):
        add(cast, "7", user=cast.other_teacher)
    with pytest.raises(NotAllowed):
        add(cast, "7", student=cast.sibling)  # enrolled in 2B
    assert not Grade.objects.exists()


def test_support_teacher_grades_their_student(cast: Cast) -> None:
    staff = cast.other_teacher.staff_profile
    f.TeachingFactory(
        teacher=staff,
        classroom=cast.classroom_1a,
        subject=cast.italian,
        kind="sostegno",
        support_student=cast.child,
    )
    assert add(cast, "6", user=cast.other_teacher).value == Decimal("6.00")
    with pytest.raises(NotAllowed):
        add(cast, "6", user=cast.other_teacher, student=cast.other_child)


def test_date_outside_the_school_year_or_future_is_refused(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    with pytest.raises((GradeInputError, NotAllowed)):
        add(cast, "7", day=year.start_date - datetime.timedelta(days=1))
    with pytest.raises(GradeInputError):
        add(cast, "7", day=today() + datetime.timedelta(days=1))


def test_primary_levels_and_religion_judgements(cast: Cast) -> None:
    religion = f.SubjectFactory(
        institute=cast.institute, name="Religione", kind=SubjectKind.RELIGION
    )
    f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=religion, weekly_hours=1)
    f.TeachingFactory(
        teacher=cast.teacher.staff_profile, classroom=cast.classroom_1a, subject=religion
    )
    judged = add(cast, "dist.", subject=religion)
    assert (judged.scale, judged.judgement, judged.value) == ("giudizio", "distinto", None)
    cast.school.kind = SchoolKind.PRIMARY
    cast.school.save()
    # 2024/25 on: giudizi sintetici (O.M. 3/2025).
    judged_primary = add(cast, "dist.")
    assert (judged_primary.scale, judged_primary.level) == ("sintetico", "distinto")
    assert selectors.shown(judged_primary) == "Distinto"
    failing = add(cast, "non suff.")
    assert failing.level == "non_sufficiente"
    assert selectors.below_sufficiency(failing)
    with pytest.raises(GradeInputError, match="Giudizio non valido: «avanzato»"):
        add(cast, "avanzato")


def test_primary_scale_follows_the_school_year_and_old_levels_stay_readable(cast: Cast) -> None:
    cast.school.kind = SchoolKind.PRIMARY
    cast.school.save()
    past = SchoolYear(
        institute=cast.institute, start_date=datetime.date(2022, 9, 1),
        end_date=datetime.date(2023, 8, 31), lessons_start=datetime.date(2022, 9, 14),
        lessons_end=datetime.date(2023, 6, 8),
    )  # fmt: skip
    assert scale_for(Classroom(school=cast.school, school_year=past), cast.maths) == "livello"
    assert scale_for(cast.classroom_1a, cast.maths) == "sintetico"
    # A grade of the 2020 regime, corrected today, keeps its scale and reads as a level.
    grade = add(cast, "buono")
    Grade.objects.filter(pk=grade.pk).update(scale="livello", level="base")
    grade.refresh_from_db()
    assert selectors.shown(grade) == "Base"
    assert not selectors.below_sufficiency(grade)
    grade_change(user=cast.teacher, grade=grade, text="avanz.", reason="Errore di trascrizione")
    grade.refresh_from_db()
    assert (grade.scale, grade.level, selectors.shown(grade)) == ("livello", "avanzato", "Avanzato")
    with pytest.raises(GradeInputError, match="Livello non valido"):
        grade_change(user=cast.teacher, grade=grade, text="ottimo", reason="Prova")


def test_the_database_refuses_a_code_of_the_other_primary_scale(cast: Cast) -> None:
    from django.db import IntegrityError, transaction

    grade = add(cast, "7")
    with pytest.raises(IntegrityError), transaction.atomic():
        Grade.objects.filter(pk=grade.pk).update(scale="sintetico", value=None, level="avanzato")
    with pytest.raises(IntegrityError), transaction.atomic():
        Grade.objects.filter(pk=grade.pk).update(scale="livello", value=None, level="ottimo")


def test_change_and_cancel_keep_history(cast: Cast) -> None:
    grade = add(cast, "6")
    with pytest.raises(GradeInputError):
        grade_change(user=cast.teacher, grade=grade, text="7", reason="")
    grade_change(user=cast.teacher, grade=grade, text="6+", reason="Errore di trascrizione")
    grade_cancel(user=cast.teacher, grade=grade, reason="Prova annullata")
    grade.refresh_from_db()
    assert grade.value == Decimal("6.25") and grade.cancelled_at is not None
    actions = list(
        Change.objects.filter(object_id=grade.pk).order_by("pk").values_list("action", "reason")
    )
    assert actions == [
        ("create", ""),
        ("update", "Errore di trascrizione"),
        ("cancel", "Prova annullata"),
    ]
    assert Grade.objects.filter(pk=grade.pk).exists()


def test_averages_weighted_or_not_only_grades_that_count(cast: Cast) -> None:
    add(cast, "8", weight=Decimal("2"))
    add(cast, "5")
    add(cast, "3", counts_in_average=False)
    cancelled = add(cast, "1")
    grade_cancel(user=cast.teacher, grade=cancelled, reason="x")
    grades = selectors.active_grades().filter(classroom=cast.classroom_1a)
    weighted = selectors.averages(grades, weighted=True)
    plain = selectors.averages(grades, weighted=False)
    assert weighted[(cast.child.pk, cast.maths.pk)] == Decimal("7.00")  # (16 + 5) / 3
    assert plain[(cast.child.pk, cast.maths.pk)] == Decimal("6.50")


def test_family_does_not_see_a_grade_before_its_date(cast: Cast) -> None:
    add(cast, "9", visible_from=today() + datetime.timedelta(days=3))
    add(cast, "6")
    term = Term.objects.filter(school=cast.school).first()
    family = selectors.student_summary(cast.child, cast.classroom_1a, None, family=True)
    teacher = selectors.student_summary(cast.child, cast.classroom_1a, None, family=False)
    assert [g.value for s in family for g in s.grades] == [Decimal("6.00")]
    assert family[0].average == Decimal("6.00")
    assert len(teacher[0].grades) == 2
    assert term is not None


def test_school_delay_hides_new_grades(cast: Cast) -> None:
    cast.institute.grades_visible_after_days = 2
    cast.institute.save()
    grade = add(cast, "7")
    assert grade.visible_from == today() + datetime.timedelta(days=2)


def test_class_averages_for_the_coordinator(cast: Cast) -> None:
    add(cast, "8")
    add(cast, "6", student=cast.other_child)
    assert selectors.class_averages(cast.classroom_1a, None)[cast.maths.pk] == Decimal("7.00")


def test_averages_of_fetched_grades_match_the_query(cast: Cast) -> None:
    add(cast, "8", weight=Decimal("2"))
    add(cast, "5-")
    add(cast, "3", counts_in_average=False)
    add(cast, "6½", student=cast.other_child)
    grade_cancel(user=cast.teacher, grade=add(cast, "1"), reason="x")
    grades = selectors.active_grades().filter(classroom=cast.classroom_1a)
    everything = list(Grade.objects.filter(classroom=cast.classroom_1a))  # cancelled included
    for weighted in (True, False):
        from_query = selectors.averages(grades, weighted=weighted)
        assert selectors.averages(everything, weighted=weighted) == from_query
        assert len(from_query) == 2


def test_a_grade_given_on_a_day_of_lessons_belongs_to_that_lesson(cast: Cast) -> None:
    day = school_day(cast)
    second = cast.school.hour_slots.get(number=2)
    first = cast.school.hour_slots.get(number=1)
    for slot in (second, first):  # two hours of maths that day: the grade goes to the first
        lesson_sign(user=cast.teacher, classroom=cast.classroom_1a, day=day, slot=slot,
                    subject=cast.maths)  # fmt: skip
    graded = add(cast, "7", day=day)
    assert graded.lesson is not None
    assert (graded.lesson.slot, graded.lesson.subject) == (first, cast.maths)
    other_day = school_day(cast, before=day - datetime.timedelta(days=1))
    assert add(cast, "6", day=other_day).lesson is None  # no lesson in the register that day
    rows = {
        row.student.pk: row for row in selectors.grade_book(cast.classroom_1a, cast.maths, None)
    }
    assert [g.lesson_id for g in rows[cast.child.pk].grades] == [None, graded.lesson.pk]


def test_a_lesson_signed_after_the_grades_takes_them(cast: Cast) -> None:
    day = school_day(cast)
    early = add(cast, "7", day=day)
    cancelled = add(cast, "5", day=day)
    grade_cancel(user=cast.teacher, grade=cancelled, reason="Errore")
    assert early.lesson is None
    lesson = lesson_sign(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                         slot=cast.school.hour_slots.get(number=1), subject=cast.maths)  # fmt: skip
    early.refresh_from_db()
    cancelled.refresh_from_db()
    assert early.lesson == lesson and cancelled.lesson is None
    reasons = [c.reason for c in history_of(early)]
    assert "collegato alla lezione firmata" in reasons


def test_overall_average_leaves_out_behaviour_as_the_class_overview_does(cast: Cast) -> None:
    conduct = f.SubjectFactory(institute=cast.institute, name="Comportamento", kind="condotta")
    f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=conduct, weekly_hours=1)
    f.TeachingFactory(teacher=Staff.objects.get(user=cast.teacher), classroom=cast.classroom_1a,
                      subject=conduct)  # fmt: skip
    add(cast, "6")
    add(cast, "10", subject=conduct)
    summaries = selectors.student_summary(cast.child, cast.classroom_1a, None, family=False)
    assert selectors.overall_average(summaries) == Decimal("6.00")
    overview = selectors.class_overview(cast.classroom_1a, None)
    child = next(r for r in overview.rows if r.student.pk == cast.child.pk)
    assert child.overall == Decimal("6.00")
