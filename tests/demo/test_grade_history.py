"""The demo year of grades (issue 5): realistic, valid, traced, deterministic."""

from __future__ import annotations

import datetime
import random
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from campanella.audit.models import Change, ChangeAction
from campanella.demo.generator import generate
from campanella.demo.grade_history import generate_grades
from campanella.grades.models import Grade, GradeKind, ScaleKind
from campanella.lib.grades import JUDGEMENTS, SYNTHETIC_JUDGEMENTS
from campanella.people.models import Enrollment
from campanella.register.models import Absence
from campanella.school.models import (
    ClassroomSubject,
    Institute,
    School,
    SchoolKind,
    SchoolYear,
    SubjectKind,
    Teaching,
    TeachingKind,
    TimetableEntry,
)
from campanella.school.selectors import school_days

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 6, 10)  # just after the last day of lessons: a whole year
PER_SUBJECT = 9


def seeded(seed: int = 3) -> tuple[int, SchoolYear]:
    counts = generate(students=60, schools=2, seed=seed, today=TODAY)
    return counts.institute_id, SchoolYear.objects.get(institute_id=counts.institute_id)


def grade_year(institute_id: int, year: SchoolYear) -> int:
    """The whole year's grades (PER_SUBJECT per student and subject), seed 1."""
    return generate_grades(
        institute_id=institute_id, year=year, until=TODAY, per_subject=PER_SUBJECT,
        rng=random.Random(1),
    )  # fmt: skip


def grades_of(institute_id: int) -> list[Grade]:
    return list(
        Grade.objects.filter(classroom__school__institute_id=institute_id).select_related(
            "subject", "classroom__school"
        )
    )


def fingerprint(institute_id: int) -> list[tuple[object, ...]]:
    return sorted(
        Grade.objects.filter(classroom__school__institute_id=institute_id).values_list(
            "student_id", "subject_id", "date", "kind", "value", "judgement", "weight",
            "counts_in_average", "description",
        )
    )  # fmt: skip


def test_every_student_gets_about_per_subject_grades_in_every_taught_subject() -> None:
    institute_id, year = seeded()
    made = grade_year(institute_id, year)
    grades = grades_of(institute_id)
    assert made == len(grades)
    links = ClassroomSubject.objects.filter(classroom__school__institute_id=institute_id)
    expected = sum(
        Enrollment.objects.filter(classroom_id=link.classroom_id).count() for link in links
    )  # student × subject pairs
    assert 0.85 * expected * PER_SUBJECT <= made <= 1.15 * expected * PER_SUBJECT
    per_pair = Counter((g.student_id, g.subject_id) for g in grades)
    assert len(per_pair) == expected
    assert min(per_pair.values()) >= PER_SUBJECT - 3
    assert max(per_pair.values()) <= PER_SUBJECT + 3
    # Given by the subject's curricular teacher, recorded by that teacher's login.
    teachers = {
        (t.classroom_id, t.subject_id): (t.teacher_id, t.teacher.user_id)
        for t in Teaching.objects.filter(
            classroom__school__institute_id=institute_id, kind=TeachingKind.NORMAL
        ).select_related("teacher")
    }
    for grade in grades:
        assert teachers[(grade.classroom_id, grade.subject_id)] == (
            grade.teacher_id,
            grade.recorded_by_id,
        )
        assert grade.cancelled_at is None
        assert grade.recorded_at.date() >= grade.date


def test_grades_fall_on_school_days_of_the_subject_within_the_year() -> None:
    institute_id, year = seeded()
    grade_year(institute_id, year)
    open_days = {
        school.pk: set(school_days(school, year.lessons_start, year.lessons_end))
        for school in School.objects.filter(institute_id=institute_id)
    }
    meets = defaultdict(set)
    for classroom_id, subject_id, weekday in TimetableEntry.objects.values_list(
        "classroom_id", "subject_id", "weekday"
    ):
        meets[(classroom_id, subject_id)].add(weekday)
    grades = grades_of(institute_id)
    for grade in grades:
        assert grade.date in open_days[grade.classroom.school_id]
        assert grade.date.weekday() in meets[(grade.classroom_id, grade.subject_id)]
    months = {g.date.month for g in grades}
    assert {9, 10, 11, 12, 1, 2, 3, 4, 5} <= months  # the whole year, both terms


def test_numeric_values_are_italian_grades_in_quarter_steps() -> None:
    institute_id, year = seeded()
    grade_year(institute_id, year)
    numeric = [g for g in grades_of(institute_id) if g.scale == ScaleKind.NUMERIC]
    assert numeric
    for grade in numeric:
        assert grade.value is not None
        assert Decimal(3) <= grade.value <= Decimal(10)
        assert grade.value * 4 == (grade.value * 4).to_integral_value()
        assert grade.value.as_tuple().exponent == -2
        assert grade.level == grade.judgement == ""
        assert grade.weight in {Decimal(1), Decimal("0.5")}
        assert grade.weight == 1 or grade.kind == GradeKind.ORAL  # short oral checks only
    values = [g.value for g in numeric if g.value is not None]
    fractions = Counter(v % 1 for v in values)
    assert set(fractions) == {Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal("0.75")}
    assert Decimal(4) <= statistics.mean(values) <= Decimal(8)
    assert min(values) < 5 and max(values) > 8.5  # failing and excellent grades both exist
    # A per-student ability: students' means differ much more than chance would make them.
    by_student = defaultdict(list)
    for grade in numeric:
        by_student[grade.student_id].append(float(grade.value or 0))
    means = [statistics.mean(v) for v in by_student.values()]
    assert statistics.pstdev(means) > 0.5
    kinds = Counter(g.kind for g in numeric)
    assert set(kinds) == {GradeKind.WRITTEN, GradeKind.ORAL, GradeKind.PRACTICAL}
    assert kinds[GradeKind.ORAL] > kinds[GradeKind.WRITTEN] > kinds[GradeKind.PRACTICAL]
    not_counting = sum(not g.counts_in_average for g in numeric)
    assert 0 < not_counting < 0.1 * len(numeric)
    assert sum(g.weight == Decimal("0.5") for g in numeric) > 0.05 * kinds[GradeKind.ORAL]


def test_written_tests_are_whole_class_events() -> None:
    institute_id, year = seeded()
    grade_year(institute_id, year)
    written = [g for g in grades_of(institute_id) if g.kind == GradeKind.WRITTEN]
    assert written
    tests: dict[tuple[int, int, str], set[datetime.date]] = defaultdict(set)
    takers: Counter[tuple[int, int, str]] = Counter()
    for grade in written:
        key = (grade.classroom_id, grade.subject_id, grade.description)
        tests[key].add(grade.date)
        takers[key] += 1
    assert all(len(days) == 1 for days in tests.values())  # one date per test
    class_size = Counter(Enrollment.objects.values_list("classroom_id", flat=True))
    for (classroom_id, _subject, _description), count in takers.items():
        assert count == class_size[classroom_id]  # the whole class sits it
    assert any("Compito in classe" in d for _c, _s, d in tests)
    # At most one written test a day in a classroom.
    per_day = Counter((c, next(iter(days))) for (c, _s, _d), days in tests.items())
    assert max(per_day.values()) == 1


def test_religion_gets_judgements_and_a_primary_school_giudizi_sintetici() -> None:
    institute_id, year = seeded()
    primary = School.objects.filter(institute_id=institute_id).order_by("pk").last()
    assert primary is not None
    School.objects.filter(pk=primary.pk).update(kind=SchoolKind.PRIMARY)
    grade_year(institute_id, year)
    judgements = {code for code, _label in JUDGEMENTS}
    levels = {code for code, _label in SYNTHETIC_JUDGEMENTS}
    seen: Counter[str] = Counter()
    for grade in grades_of(institute_id):
        if grade.subject.kind == SubjectKind.RELIGION:
            assert grade.scale == ScaleKind.JUDGEMENT
            assert grade.value is None and grade.level == ""
            assert grade.judgement in judgements
            assert grade.kind == GradeKind.ORAL
            seen[grade.judgement] += 1
        elif grade.classroom.school_id == primary.pk:
            assert grade.scale == ScaleKind.SYNTHETIC
            assert grade.value is None and grade.judgement == ""
            assert grade.level in levels
            seen[grade.level] += 1
        else:
            assert grade.scale == ScaleKind.NUMERIC
    assert len(set(seen) & judgements) >= 3
    assert len(set(seen) & levels) >= 3


def test_every_grade_has_its_creation_in_the_history() -> None:
    institute_id, year = seeded()
    made = grade_year(institute_id, year)
    changes = Change.objects.filter(content_type=ContentType.objects.get_for_model(Grade))
    assert changes.count() == made
    recorder = dict(
        Grade.objects.filter(classroom__school__institute_id=institute_id).values_list(
            "pk", "recorded_by_id"
        )
    )
    for object_id, action, actor_id, reason, change_institute, after in changes.values_list(
        "object_id", "action", "actor_id", "reason", "institute_id", "after"
    ):
        assert action == ChangeAction.CREATE
        assert reason == "dati dimostrativi"
        assert change_institute == institute_id
        assert actor_id == recorder[object_id]  # the teacher who recorded it
        assert after is not None
        assert after["id"] == object_id


def test_same_data_and_seed_give_the_same_grades() -> None:
    institute_id, year = seeded()

    def run(seed: int) -> list[tuple[object, ...]]:
        with transaction.atomic():
            generate_grades(
                institute_id=institute_id, year=year, until=TODAY, per_subject=PER_SUBJECT,
                rng=random.Random(seed),
            )  # fmt: skip
            found = fingerprint(institute_id)
            transaction.set_rollback(True)
        return found

    first = run(5)
    assert first
    assert run(5) == first
    assert run(6) != first
    assert not Grade.objects.exists()


def test_nobody_is_graded_on_a_day_of_absence() -> None:
    today = datetime.date(2026, 11, 23)
    counts = generate(students=60, schools=2, seed=3, today=today, history_days=15)
    year = SchoolYear.objects.get(institute_id=counts.institute_id)
    generate_grades(
        institute_id=counts.institute_id, year=year, until=today, per_subject=PER_SUBJECT,
        rng=random.Random(1),
    )  # fmt: skip
    absent = set(Absence.objects.filter(slot__isnull=True).values_list("student_id", "date"))
    graded = set(Grade.objects.values_list("student_id", "date"))
    assert absent
    assert {day for _student, day in absent} & {day for _student, day in graded}
    assert not absent & graded


def test_grades_only_up_to_until_and_nothing_before_lessons() -> None:
    institute_id, year = seeded()
    until = year.lessons_start + datetime.timedelta(days=40)
    generate_grades(
        institute_id=institute_id, year=year, until=until, per_subject=4, rng=random.Random(1)
    )
    dates = set(
        Grade.objects.filter(classroom__school__institute_id=institute_id).values_list(
            "date", flat=True
        )
    )
    assert dates
    assert min(dates) >= year.lessons_start
    assert max(dates) <= until
    assert Grade.objects.filter(recorded_at__date__gt=until).count() == 0
    before = year.lessons_start - datetime.timedelta(days=1)
    assert (
        generate_grades(
            institute_id=institute_id, year=year, until=before, per_subject=4, rng=random.Random(1)
        )
        == 0
    )
    assert (
        generate_grades(
            institute_id=institute_id, year=year, until=until, per_subject=0, rng=random.Random(1)
        )
        == 0
    )


def test_seed_command_adds_a_year_of_grades_after_the_register() -> None:
    call_command("seed", students=30, schools=1, seed=5, history_days=5, grades_per_subject=3)
    institute = Institute.objects.get()
    grades = Grade.objects.filter(classroom__school__institute=institute)
    assert grades.count() > 30 * 3 * 5  # 30 students, 3 grades, ≥5 subjects each
    assert grades.filter(date__gt=timezone.localdate()).count() == 0
    absent = set(Absence.objects.filter(slot__isnull=True).values_list("student_id", "date"))
    assert not absent & set(grades.values_list("student_id", "date"))
