"""Reads of grades and the one place averages are computed (pages, API and, later, the
term-end evaluation all use `averages`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from campanella.grades.models import Grade, GradesStamp, ScaleKind
from campanella.lib.grades import (
    DEFAULT_SCALE,
    average,
    format_grade,
    judgement_label,
    primary_label,
)
from campanella.orm.compiled import Compiled
from campanella.people.models import Student
from campanella.people.selectors import enrolled_students
from campanella.school.models import Classroom, Institute, Subject, SubjectKind, Term


@dataclass(frozen=True, slots=True)
class ListedGrade:
    """A grade as lists show it (LISTED_FIELDS, and for the family page its subject and who
    gave it): plain values, no model object. The grade book and the family grades page list
    one or two hundred grades; building `Grade` objects for them cost those pages more than
    their query (docs/benchmarks.md, "Family pages")."""

    id: int
    student_id: int
    classroom_id: int
    subject_id: int
    date: datetime.date
    kind: str
    scale: str
    value: Decimal | None
    level: str
    judgement: str
    weight: Decimal
    counts_in_average: bool
    description: str
    comment: str
    visible_from: datetime.date | None
    cancelled_at: datetime.datetime | None
    lesson_id: int | None
    subject_name: str = ""
    subject_kind: str = ""
    teacher_name: str = ""  # as Staff.full_name: surname and name

    @property
    def pk(self) -> int:
        return self.id


AnyGrade = Grade | ListedGrade
_SHOWN: dict[Decimal, str] = {}  # a few dozen values (two decimals on a 1–10 scale)


def shown(grade: AnyGrade) -> str:
    """The one display form of a stored grade (7+, 6½, Distinto, Avanzato)."""
    value = grade.value
    if value is not None:
        found = _SHOWN.get(value)
        if found is None:
            found = format_grade(value)
            if len(_SHOWN) < 4096:
                _SHOWN[value] = found
        return found
    return primary_label(grade.level) if grade.level else judgement_label(grade.judgement)


# The pass mark of the grade rules (lib.grades.NumericScale: 6 unless a school's scale says
# otherwise; no school setting changes it yet, docs/decisions.md).
PASS_MARK = DEFAULT_SCALE.sufficiency


def below_sufficiency(grade: AnyGrade) -> bool:
    """A numeric grade under the pass mark, the judgement "insufficiente" or the giudizio
    sintetico "non sufficiente"; the 2020 descriptive levels of primary school are never
    failing marks (O.M. 172/2020)."""
    if grade.value is not None:
        return DEFAULT_SCALE.is_below_sufficiency(grade.value)
    return grade.judgement == "insufficiente" or grade.level == "non_sufficiente"


def average_below_sufficiency(value: Decimal | None) -> bool:
    return value is not None and DEFAULT_SCALE.is_below_sufficiency(value)


# What lists of grades show (pages, API, averages): the rest of the row (who recorded it, when,
# the lesson, cancellation details) is for a grade's own page.
LISTED_FIELDS = (
    "id", "student_id", "classroom_id", "subject_id", "date", "kind", "scale", "value", "level",
    "judgement", "weight", "counts_in_average", "description", "comment", "visible_from",
    "cancelled_at", "lesson_id",
)  # fmt: skip


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


def averages(
    grades: QuerySet[Grade] | Iterable[AnyGrade], *, weighted: bool
) -> dict[tuple[int, int], Decimal | None]:
    """(student id, subject id) → average of the numeric grades that count.

    Given a queryset, one query of four columns; given grades already fetched for the page,
    no query at all."""
    if isinstance(grades, QuerySet):
        rows: Iterable[tuple[int, int, Decimal | None, Decimal]] = grades.filter(
            scale=ScaleKind.NUMERIC, counts_in_average=True
        ).values_list("student_id", "subject_id", "value", "weight")
    else:
        rows = (
            (g.student_id, g.subject_id, g.value, g.weight)
            for g in grades
            if g.scale == ScaleKind.NUMERIC and g.counts_in_average and g.cancelled_at is None
        )
    values: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    weights: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for student_id, subject_id, value, weight in rows:
        if value is None:  # impossible for numeric grades (a constraint), but typed as optional
            continue
        values[(student_id, subject_id)].append(value)
        weights[(student_id, subject_id)].append(weight)
    return {key: average(values[key], weights[key] if weighted else None) for key in values}


def weighted_averages(classroom: Classroom) -> bool:
    """The institute's setting: from the classroom's school when it came with it, else in one
    query (pages that keep what they compute leave the school out of their scope)."""
    if Classroom.school.is_cached(classroom):
        return classroom.school.institute.weighted_averages
    return bool(next(iter(_weighted(classroom.school_id))))


# Both asked by every grade page computed anew: compiled once per process.
_weighted = Compiled(
    lambda school_id: Institute.objects.filter(schools=school_id).values_list(
        "weighted_averages", flat=True
    ),
    int,
)
_stamp = Compiled(
    lambda classroom_id: GradesStamp.objects.filter(pk=classroom_id).values_list(
        "stamp", flat=True
    )[:1],
    int,
)


def terms_key(school_id: int, school_year_id: int) -> str:
    return f"campanella:terms:{school_id}:{school_year_id}"


def terms_of(classroom: Classroom) -> list[Term]:
    """The terms of the classroom's school and year, in order (with what their names need).

    Every grade page asks and they change a few times a year: kept settings.TERMS_SECONDS,
    and dropped when a term is saved (grades.services.term_changed)."""

    def load() -> list[Term]:
        return list(
            Term.objects.filter(
                school_id=classroom.school_id, school_year_id=classroom.school_year_id
            )
            .select_related("school_year")
            .order_by("start_date")
        )

    if settings.TERMS_SECONDS == 0:
        return load()
    key = terms_key(classroom.school_id, classroom.school_year_id)
    return cast(list[Term], cache.get_or_set(key, load, settings.TERMS_SECONDS))


def pick_term(terms: list[Term], wanted: str, today: datetime.date | None = None) -> Term | None:
    """The term asked for (by id), else the one in progress, else the first."""
    if wanted.isdigit():
        return next((t for t in terms if t.pk == int(wanted)), None)
    today = today or timezone.localdate()
    current = next((t for t in terms if t.start_date <= today <= t.end_date), None)
    return current or (terms[0] if terms else None)


@dataclass(frozen=True)
class BookRow:
    student: Student
    grades: list[ListedGrade]  # oldest first
    average: Decimal | None

    def count(self, kind: str) -> int:
        return sum(1 for g in self.grades if g.kind == kind)


@dataclass(frozen=True)
class SubjectGrades:
    by_student: dict[int, list[ListedGrade]]  # oldest first
    averages: dict[int, Decimal | None]  # student id → average


def _book_grades(with_term: bool) -> Compiled[QuerySet[Grade]]:
    """The grade book's query for one shape (a term or not), compiled once per process."""

    def build(classroom_id: int, subject_id: int, *days: datetime.date) -> QuerySet[Grade]:
        grades = active_grades().filter(classroom_id=classroom_id, subject_id=subject_id)
        if with_term:
            grades = grades.filter(date__gte=days[0], date__lte=days[1])
        return grades.order_by("date", "pk").values_list(*LISTED_FIELDS)

    return Compiled(build, int, int, *(datetime.date,) * (2 * with_term))


_BOOK_GRADES = {with_term: _book_grades(with_term) for with_term in (False, True)}


def subject_grades(classroom: Classroom, subject: Subject, term: Term | None) -> SubjectGrades:
    """The classroom's grades of a subject in the term by student, with their averages (one
    query, and one for the averaging setting when the classroom came without its school)."""
    days = [term.start_date, term.end_date] if term is not None else []
    rows: Iterable[Any] = _BOOK_GRADES[term is not None](classroom.pk, subject.pk, *days)
    listed = [ListedGrade(*row) for row in rows]
    means = averages(listed, weighted=weighted_averages(classroom))
    by_student: dict[int, list[ListedGrade]] = defaultdict(list)
    for grade in listed:
        by_student[grade.student_id].append(grade)
    return SubjectGrades(
        by_student=dict(by_student),
        averages={student_id: mean for (student_id, _subject), mean in means.items()},
    )


# The book's students: people.selectors.enrolled_students, compiled once per process.
_enrolled = Compiled(
    lambda classroom_id, day: enrolled_students(Classroom(pk=classroom_id), day),
    int, datetime.date,
)  # fmt: skip


def grade_book(
    classroom: Classroom, subject: Subject, term: Term | None, day: datetime.date | None = None
) -> list[BookRow]:
    """The students enrolled on `day` (today), each with their grades in the term and average
    (2 queries, see `subject_grades`)."""
    students = list(_enrolled(classroom.pk, day or timezone.localdate()))
    found = subject_grades(classroom, subject, term)
    return [
        BookRow(
            student=student,
            grades=found.by_student.get(student.pk, []),
            average=found.averages.get(student.pk),
        )
        for student in students
    ]


def stamp_of(classroom_id: OuterRef) -> Subquery:
    """The grades stamp (grades.models.GradesStamp) of a classroom, to read with its scope:
    before the grades, so that what is kept under it is never older than it."""
    return Subquery(GradesStamp.objects.filter(classroom_id=classroom_id).values("stamp")[:1])


def grades_stamp(classroom_id: int) -> int:
    """The classroom's grades stamp on its own (0 before its first grade)."""
    return next(iter(_stamp(classroom_id)), None) or 0


# Judgements (religion, the alternative activity), behaviour and support have no average.
NOT_AVERAGED = [
    SubjectKind.RELIGION,
    SubjectKind.ALTERNATIVE,
    SubjectKind.BEHAVIOUR,
    SubjectKind.SUPPORT,
]


@dataclass(frozen=True)
class SubjectSummary:
    subject_id: int
    subject: str
    average: Decimal | None
    grades: list[ListedGrade]
    in_overall: bool = True  # behaviour and support stay out of the overall average
    weighted: bool = True  # the institute's averages are weighted (for running averages)


def _listed(with_term: bool, family: bool) -> Compiled[QuerySet[Grade]]:
    """The family page's grades query for one shape (a term or not, the family or staff),
    compiled once per process (campanella.orm.compiled): the page families open most."""

    def build(student_id: int, classroom_id: int, *days: datetime.date) -> QuerySet[Grade]:
        grades = active_grades().filter(student_id=student_id, classroom_id=classroom_id)
        if with_term:
            grades = grades.filter(date__gte=days[0], date__lte=days[1])
        if family:
            grades = visible_to_family(grades, days[-1])
        return grades.order_by("subject__name", "-date", "-pk").values_list(
            *LISTED_FIELDS, "subject__name", "subject__kind", "teacher__surname", "teacher__name"
        )

    days: tuple[type[datetime.date], ...] = (datetime.date,) * (2 * with_term + family)
    return Compiled(build, int, int, *days)


_LISTED = {(t, f): _listed(t, f) for t in (False, True) for f in (False, True)}


def student_summary(
    student: Student,
    classroom: Classroom,
    term: Term | None,
    *,
    family: bool,
    today: datetime.date | None = None,
) -> list[SubjectSummary]:
    """A student's grades by subject with their averages, newest first; for the family only
    what is visible `today` (one query, and one for the averaging setting when the classroom
    came without its school)."""
    days: list[datetime.date] = [term.start_date, term.end_date] if term is not None else []
    if family:
        days.append(today or timezone.localdate())
    rows: Iterable[Any] = _LISTED[term is not None, family](student.pk, classroom.pk, *days)
    fields = len(LISTED_FIELDS)
    make: Any = ListedGrade  # the listed fields, the subject's name and kind, who gave it
    listed: list[ListedGrade] = [
        make(*row[:fields], *row[fields : fields + 2], f"{row[-2]} {row[-1]}") for row in rows
    ]
    weighted = weighted_averages(classroom)
    means = averages(listed, weighted=weighted)
    by_subject: dict[int, list[ListedGrade]] = defaultdict(list)
    for grade in listed:
        by_subject[grade.subject_id].append(grade)
    return [
        SubjectSummary(
            subject_id=subject_id,
            subject=items[0].subject_name,
            average=means.get((student.pk, subject_id)),
            grades=items,
            in_overall=items[0].subject_kind not in NOT_AVERAGED,
            weighted=weighted,
        )
        for subject_id, items in by_subject.items()
    ]


def overall_average(summaries: list[SubjectSummary]) -> Decimal | None:
    """The mean of the subjects' averages, as the class overview computes it."""
    return average([s.average for s in summaries if s.average is not None and s.in_overall])


def class_averages(classroom: Classroom, term: Term | None) -> dict[int, Decimal | None]:
    """Subject id → the classroom's average of its students' averages (for the coordinator)."""
    grades = in_term(active_grades().filter(classroom=classroom), term)
    per_student = averages(grades, weighted=weighted_averages(classroom))
    return subject_means(per_student)


def subject_means(
    per_student: dict[tuple[int, int], Decimal | None],
) -> dict[int, Decimal | None]:
    by_subject: dict[int, list[Decimal]] = defaultdict(list)
    for (_student, subject_id), mean in per_student.items():
        if mean is not None:
            by_subject[subject_id].append(mean)
    return {subject_id: average(means) for subject_id, means in by_subject.items()}


@dataclass(frozen=True)
class OverviewRow:
    student: Student
    averages: list[Decimal | None]  # in the order of ClassOverview.subjects
    overall: Decimal | None


@dataclass(frozen=True)
class ClassOverview:
    subjects: list[Subject]
    rows: list[OverviewRow]
    class_averages: list[Decimal | None]  # per subject, same order
    class_overall: Decimal | None


def class_overview(classroom: Classroom, term: Term | None) -> ClassOverview:
    """Students × subjects of the classroom with every average of the term (three queries)."""
    subjects = list(
        Subject.objects.filter(classrooms__classroom=classroom)
        .exclude(kind__in=NOT_AVERAGED)
        .order_by("name")
    )
    students = list(enrolled_students(classroom))
    grades = in_term(active_grades().filter(classroom=classroom), term)
    per_student = averages(grades, weighted=weighted_averages(classroom))
    rows = []
    for student in students:
        means = [per_student.get((student.pk, subject.pk)) for subject in subjects]
        rows.append(
            OverviewRow(
                student=student,
                averages=means,
                overall=average([m for m in means if m is not None]),
            )
        )
    by_subject = subject_means(per_student)
    return ClassOverview(
        subjects=subjects,
        rows=rows,
        class_averages=[by_subject.get(subject.pk) for subject in subjects],
        class_overall=average([r.overall for r in rows if r.overall is not None]),
    )
