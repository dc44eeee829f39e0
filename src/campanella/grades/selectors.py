"""Reads of grades and the one place averages are computed (pages, API and, later, the
term-end evaluation all use `averages`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.grades.models import Grade, ScaleKind
from campanella.lib.grades import average, format_grade, judgement_label, level_label
from campanella.people.models import Student
from campanella.school.models import Classroom, Term


def shown(grade: Grade) -> str:
    """The one display form of a stored grade (7+, 6½, Distinto, Avanzato)."""
    if grade.value is not None:
        return format_grade(grade.value)
    return level_label(grade.level) if grade.level else judgement_label(grade.judgement)


def active_grades() -> QuerySet[Grade]:
    return Grade.objects.filter(cancelled_at__isnull=True)


def in_term(queryset: QuerySet[Grade], term: Term | None) -> QuerySet[Grade]:
    if term is None:
        return queryset
    return queryset.filter(date__gte=term.start_date, date__lte=term.end_date)


def visible_to_family(
    queryset: QuerySet[Grade], today: datetime.date | None = None
) -> QuerySet[Grade]:
    """A grade hidden until a date (school setting or the teacher's choice) stays hidden."""
    today = today or timezone.localdate()
    return queryset.filter(Q(visible_from__isnull=True) | Q(visible_from__lte=today))


def averages(grades: QuerySet[Grade], *, weighted: bool) -> dict[tuple[int, int], Decimal | None]:
    """(student id, subject id) → average of the numeric grades that count, in one query."""
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    weights: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    rows = grades.filter(scale=ScaleKind.NUMERIC, counts_in_average=True).values_list(
        "student_id", "subject_id", "value", "weight"
    )
    for student_id, subject_id, value, weight in rows:
        if value is None:  # impossible for numeric grades (a constraint), but typed as optional
            continue
        values[(student_id, subject_id)].append(value)
        weights[(student_id, subject_id)].append(weight)
    return {key: average(values[key], weights[key] if weighted else None) for key in values}


@dataclass(frozen=True)
class SubjectSummary:
    subject_id: int
    subject: str
    average: Decimal | None
    grades: list[Grade]


def student_summary(
    student: Student, classroom: Classroom, term: Term | None, *, family: bool
) -> list[SubjectSummary]:
    """A student's grades by subject with their averages, newest first (two queries)."""
    grades = in_term(active_grades().filter(student=student, classroom=classroom), term)
    if family:
        grades = visible_to_family(grades)
    listed = list(grades.select_related("subject").order_by("subject__name", "-date", "-pk"))
    weighted = classroom.school.institute.weighted_averages
    means = averages(grades, weighted=weighted)
    by_subject: dict[int, list[Grade]] = defaultdict(list)
    for grade in listed:
        by_subject[grade.subject_id].append(grade)
    return [
        SubjectSummary(
            subject_id=subject_id,
            subject=items[0].subject.name,
            average=means.get((student.pk, subject_id)),
            grades=items,
        )
        for subject_id, items in by_subject.items()
    ]


def overall_average(summaries: list[SubjectSummary]) -> Decimal | None:
    return average([s.average for s in summaries if s.average is not None])


def class_averages(classroom: Classroom, term: Term | None) -> dict[int, Decimal | None]:
    """Subject id → the classroom's average of its students' averages (for the coordinator)."""
    grades = in_term(active_grades().filter(classroom=classroom), term)
    per_student = averages(grades, weighted=classroom.school.institute.weighted_averages)
    by_subject: dict[int, list[Decimal]] = defaultdict(list)
    for (_student, subject_id), mean in per_student.items():
        if mean is not None:
            by_subject[subject_id].append(mean)
    return {subject_id: average(means) for subject_id, means in by_subject.items()}
