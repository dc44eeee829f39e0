"""Reads for the proposals of a scrutinio: what the register says (term averages, number of
grades, hours absent per subject) for many classrooms at once, and a session's grid.

Every function here runs a fixed number of queries whatever the number of classrooms,
students and subjects (one per kind of data): reading proposals for a whole institute is one
pass over its grades, lessons and attendance of the term.

Decisions (docs/decisions.md, "Proposals from the register"):

* a classroom's **students** are those enrolled in it on the *evaluation day*: today, kept
  inside the term (the term's last day once it is over, its first before it starts);
* its **subjects** are those with a teacher of their own (normal or co-teaching cattedra), but
  behaviour (its own step) and support (no subject: support teachers vote on the council); the
  proposing teacher is the normal one, else the co-teacher, the lowest id first;
* the **average** is `grades.selectors.averages` over the term's grades given *in that
  classroom* (weights as the institute says, "non fa media" left out, cancelled ones too); the
  **count** is the number of the term's grades that count (any scale);
* **hours absent** per subject: for each day, the hours the register has lessons for (their
  real subject), else the classroom's timetable of that weekday; a whole-day absence misses
  every hour, an hour absence its hour, a late entry or an early exit the hours begun or ended
  more than the institute's "ritardo breve" minutes away from the student's time (as the
  register's monitor counts them, register.selectors.missed_entries);
* judgement subjects (religion, the alternative activity) and primary school (giudizi
  sintetici) get as proposal the judgement **most often given** in the term, the latest among
  equally frequent ones; grades in another scale (the 2020 levels) give no proposal: the
  teacher writes it.
"""

from __future__ import annotations

import datetime
import decimal
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.db.models import Q

from campanella.evaluation.models import EvaluationSession, SessionKind, SubjectMark
from campanella.evaluation.selectors import suspended_students
from campanella.grades.models import Grade, ScaleKind
from campanella.grades.selectors import averages
from campanella.lib.grades import JUDGEMENTS, SYNTHETIC_JUDGEMENTS, primary_scale_for_year
from campanella.people.models import Enrollment, Staff, Student
from campanella.register.models import Absence, EarlyExit, LateEntry, Lesson
from campanella.school.models import (
    Classroom,
    HourSlot,
    SchoolKind,
    Subject,
    SubjectKind,
    Teaching,
    TeachingKind,
    Term,
    TimetableEntry,
)

NOT_PROPOSED = (SubjectKind.BEHAVIOUR, SubjectKind.SUPPORT)
PROPOSING_KINDS = (TeachingKind.NORMAL, TeachingKind.CO_TEACHING)

# How a subject's proposal is written.
NUMERIC = "numerico"  # a mark from the school's lowest to 10, whole or half, or NC
JUDGEMENT = "giudizio"  # religion, the alternative activity: insufficiente … ottimo, or NC
SYNTHETIC = "sintetico"  # primary school: giudizio sintetico, non sufficiente … ottimo
JUDGEMENT_CODES = {NUMERIC: frozenset[str](), JUDGEMENT: frozenset(c for c, _ in JUDGEMENTS),
                   SYNTHETIC: frozenset(c for c, _ in SYNTHETIC_JUDGEMENTS)}  # fmt: skip


def proposal_scale(school_kind: str, year_start: datetime.date, subject_kind: str) -> str:
    if subject_kind in (SubjectKind.RELIGION, SubjectKind.ALTERNATIVE):
        return JUDGEMENT
    if school_kind == SchoolKind.PRIMARY and primary_scale_for_year(year_start.year) != NUMERIC:
        return SYNTHETIC
    return NUMERIC


def evaluation_day(term: Term) -> datetime.date:
    """The day whose enrolled students a session evaluates: the end of the period, or the last
    day of lessons when the period ends later (as the council's steps count them,
    evaluation.council_selectors.evaluation_day). `term` comes with its school year."""
    return min(term.end_date, term.school_year.lessons_end)


def period_terms(classrooms: Sequence[Classroom], term: Term) -> dict[int, Term]:
    """Classroom id → the term of its own school with the number and year of `term` (each
    school has its own terms: "the first term" of an institute is one per school). Classrooms
    of another year or of a school without that term are left out. One query."""
    school_ids = {c.school_id for c in classrooms}
    by_school = {
        t.school_id: t
        for t in Term.objects.filter(
            school_id__in=school_ids, school_year_id=term.school_year_id, number=term.number
        ).select_related("school_year")
    }
    return {
        c.pk: by_school[c.school_id]
        for c in classrooms
        if c.school_year_id == term.school_year_id and c.school_id in by_school
    }


def last_term_numbers(classrooms: Sequence[Classroom], school_year_id: int) -> dict[int, int]:
    """School id → the number of its last term of the year (its scrutinio is the final)."""
    numbers: dict[int, int] = {}
    for school_id, number in Term.objects.filter(
        school_id__in={c.school_id for c in classrooms}, school_year_id=school_year_id
    ).values_list("school_id", "number"):
        numbers[school_id] = max(number, numbers.get(school_id, 0))
    return numbers


@dataclass
class Scope:
    """One classroom in one term: who is evaluated and in which subjects."""

    classroom: Classroom
    term: Term
    day: datetime.date
    students: list[int] = field(default_factory=list)  # ids, in no order
    teachers: dict[int, int] = field(default_factory=dict)  # subject id → proposing staff id
    scales: dict[int, str] = field(default_factory=dict)  # subject id → NUMERIC/JUDGEMENT/…


def scopes_build(terms: dict[int, Term], classrooms: Sequence[Classroom]) -> list[Scope]:
    """The scopes of these classrooms (each with its term and that term's school year): three
    queries, enrollments, deferred sessions and teachings. Classrooms need their school
    (`select_related("school")`). Students whose evaluation was deferred to a session of their
    own are left to it."""
    scopes = {
        c.pk: Scope(classroom=c, term=terms[c.pk], day=evaluation_day(terms[c.pk]))
        for c in classrooms
        if c.pk in terms
    }
    deferred = set(
        EvaluationSession.objects.filter(
            classroom_id__in=scopes,
            term_id__in={t.pk for t in terms.values()},
            kind=SessionKind.DEFERRED,
        ).values_list("classroom_id", "term_id", "student_id")
    )
    for classroom_id, student_id, entry, exit_ in Enrollment.objects.filter(
        classroom_id__in=scopes
    ).values_list("classroom_id", "student_id", "entry_date", "exit_date"):
        scope = scopes[classroom_id]
        if (classroom_id, scope.term.pk, student_id) in deferred:
            continue
        if entry <= scope.day and (exit_ is None or exit_ >= scope.day):
            scope.students.append(student_id)
    chosen: dict[tuple[int, int], tuple[int, int, str]] = {}  # → (rank, staff id, kind)
    for classroom_id, subject_id, subject_kind, staff_id, kind in (
        Teaching.objects.filter(classroom_id__in=scopes, kind__in=PROPOSING_KINDS)
        .exclude(subject__kind__in=NOT_PROPOSED)
        .order_by("pk")
        .values_list("classroom_id", "subject_id", "subject__kind", "teacher_id", "kind")
    ):
        rank = 0 if kind == TeachingKind.NORMAL else 1
        key = (classroom_id, subject_id)
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, staff_id, subject_kind)
    for (classroom_id, subject_id), (_rank, staff_id, subject_kind) in chosen.items():
        scope = scopes[classroom_id]
        scope.teachers[subject_id] = staff_id
        scope.scales[subject_id] = proposal_scale(
            scope.classroom.school.kind, scope.term.school_year.start_date, subject_kind
        )
    for scope in scopes.values():
        scope.students = sorted(set(scope.students))
    return list(scopes.values())


@dataclass(frozen=True)
class Figures:
    """What the register says of a student in a subject over the term."""

    average: Decimal | None = None
    count: int = 0
    judgement: str = ""  # the judgement to propose (judgement and primary subjects)
    hours_absent: int = 0


Key = tuple[int, int, int]  # classroom id, student id, subject id


def in_terms(scopes: Sequence[Scope], *, classroom: str = "classroom_id") -> Q:
    """Rows of each classroom inside its own term's days (terms differ by school)."""
    by_term: dict[tuple[datetime.date, datetime.date], list[int]] = defaultdict(list)
    for scope in scopes:
        by_term[(scope.term.start_date, scope.term.end_date)].append(scope.classroom.pk)
    condition = Q(pk__in=[])
    for (start, end), ids in by_term.items():
        condition |= Q(**{f"{classroom}__in": ids, "date__gte": start, "date__lte": end})
    return condition


@dataclass(frozen=True, slots=True)
class GradeRow:
    """A grade as `grades.selectors.averages` reads it (no model instance: a term of an
    institute is tens of thousands of grades)."""

    student_id: int
    subject_id: int
    value: Decimal | None
    weight: Decimal
    scale: str
    counts_in_average: bool
    code: str  # level or judgement
    date: datetime.date
    pk: int
    cancelled_at: None = None


NO_DAY = datetime.date.min
CENT = Decimal("0.01")


def raw_rows(query: Any) -> Iterable[tuple[Any, ...]]:
    """The rows of a values_list query as the database driver gives them, without Django's
    converters: SQLite's decimal converter alone took a third of the time of a whole
    institute's averages (a term is tens of thousands of grades)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10000):
            yield from chunk


def decimals() -> Any:
    """A converter of the driver's numbers (SQLite: float or int; PostgreSQL: Decimal) to
    Decimal with two places, as Django's DecimalField gives them; grades and weights take a
    few dozen distinct values, each converted once."""
    seen: dict[Any, Decimal] = {}
    context = decimal.Context(prec=15)

    def convert(value: Any) -> Decimal:
        found = seen.get(value)
        if found is None:
            number = (
                context.create_decimal_from_float(value)
                if isinstance(value, float)
                else (Decimal(value))
            )
            found = seen[value] = number.quantize(CENT)
        return found

    return convert


def grade_figures(scopes: Sequence[Scope], weighted: bool) -> dict[Key, Figures]:
    """Averages, counts and judgements of the term for every scope: two queries."""
    rows: dict[int, list[GradeRow]] = defaultdict(list)
    counting = Grade.objects.filter(
        in_terms(scopes), cancelled_at__isnull=True, counts_in_average=True
    )
    # Numbers (most grades: five columns) and judgements or levels (their dates, for ties).
    numbers = counting.filter(value__isnull=False).values_list(
        "classroom_id", "student_id", "subject_id", "value", "weight"
    )
    as_decimal = decimals()
    for classroom_id, student_id, subject_id, value, weight in raw_rows(numbers):
        rows[classroom_id].append(
            GradeRow(student_id, subject_id, as_decimal(value), as_decimal(weight),
                     ScaleKind.NUMERIC, True, "", NO_DAY, 0)
        )  # fmt: skip
    for classroom_id, student_id, subject_id, scale, level, judgement, day, pk in (
        counting.filter(value__isnull=True)
        .values_list("classroom_id", "student_id", "subject_id", "scale", "level", "judgement",
                     "date", "pk")
        .iterator(chunk_size=10000)
    ):  # fmt: skip
        rows[classroom_id].append(
            GradeRow(student_id, subject_id, None, Decimal(1), scale, True, level or judgement,
                     day, pk)
        )  # fmt: skip
    found: dict[Key, Figures] = {}
    for scope in scopes:
        graded = rows.get(scope.classroom.pk, [])
        means = averages(cast(list[Grade], graded), weighted=weighted)  # duck-typed rows
        counts = Counter((g.student_id, g.subject_id) for g in graded)
        codes: dict[tuple[int, int], list[GradeRow]] = defaultdict(list)
        for grade in graded:
            if grade.code in JUDGEMENT_CODES[scope.scales.get(grade.subject_id, NUMERIC)]:
                codes[(grade.student_id, grade.subject_id)].append(grade)
        for (student_id, subject_id), count in counts.items():
            found[(scope.classroom.pk, student_id, subject_id)] = Figures(
                average=means.get((student_id, subject_id)),
                count=count,
                judgement=most_given(codes.get((student_id, subject_id), [])),
            )
    return found


def most_given(grades: Iterable[GradeRow]) -> str:
    """The judgement given most often; among equally frequent ones, the latest given."""
    tally: Counter[str] = Counter()
    latest: dict[str, tuple[datetime.date, int]] = {}
    for grade in grades:
        tally[grade.code] += 1
        latest[grade.code] = max(latest.get(grade.code, (grade.date, grade.pk)),
                                 (grade.date, grade.pk))  # fmt: skip
    if not tally:
        return ""
    return max(tally, key=lambda code: (tally[code], latest[code]))


Hour = tuple[int, datetime.time, datetime.time, int]  # slot id, start, end, subject id


def hours_absent(scopes: Sequence[Scope], grace_minutes: int) -> dict[Key, int]:
    """Hours each student missed in each subject over the term: six queries (lessons, the
    timetable, hour slots, absences, late entries, early exits)."""
    if not scopes:
        return {}
    ids = [scope.classroom.pk for scope in scopes]
    enrolled = {scope.classroom.pk: set(scope.students) for scope in scopes}
    slots = {
        pk: (start, end)
        for pk, start, end in HourSlot.objects.filter(
            school_id__in={scope.classroom.school_id for scope in scopes}
        ).values_list("pk", "start_time", "end_time")
    }
    planned: dict[tuple[int, int], list[Hour]] = defaultdict(list)
    for classroom_id, weekday, slot_id, subject_id in TimetableEntry.objects.filter(
        classroom_id__in=ids
    ).values_list("classroom_id", "weekday", "slot_id", "subject_id"):
        planned[(classroom_id, weekday)].append((slot_id, *slots[slot_id], subject_id))
    held: dict[tuple[int, datetime.date], list[Hour]] = defaultdict(list)
    for classroom_id, day, slot_id, subject_id in (
        Lesson.objects.filter(in_terms(scopes))
        .values_list("classroom_id", "date", "slot_id", "subject_id")
        .iterator(chunk_size=5000)
    ):
        held[(classroom_id, day)].append((slot_id, *slots[slot_id], subject_id))

    def hours_of(classroom_id: int, day: datetime.date) -> list[Hour]:
        return held.get((classroom_id, day)) or planned.get((classroom_id, day.weekday()), [])

    missed: dict[tuple[int, int, datetime.date], set[int]] = defaultdict(set)  # slot ids
    for classroom_id, student_id, day, slot_id in (
        Absence.objects.filter(in_terms(scopes), cancelled_at__isnull=True)
        .values_list("classroom_id", "student_id", "date", "slot_id")
        .iterator(chunk_size=5000)
    ):
        if student_id not in enrolled[classroom_id]:
            continue
        hours = hours_of(classroom_id, day)
        missed[(classroom_id, student_id, day)].update(
            hour[0] for hour in hours if slot_id is None or hour[0] == slot_id
        )
    grace = datetime.timedelta(minutes=grace_minutes)
    for model, late in ((LateEntry, True), (EarlyExit, False)):
        for classroom_id, student_id, day, moment in (
            model.objects.filter(in_terms(scopes), cancelled_at__isnull=True)
            .values_list("classroom_id", "student_id", "date", "time")
            .iterator(chunk_size=5000)
        ):
            if student_id not in enrolled[classroom_id]:
                continue
            at = datetime.datetime.combine(day, moment)
            missed[(classroom_id, student_id, day)].update(
                slot_id
                for slot_id, start, end, _subject in hours_of(classroom_id, day)
                if (late and at > datetime.datetime.combine(day, start) + grace)
                or (not late and at < datetime.datetime.combine(day, end) - grace)
            )
    counted: Counter[Key] = Counter()
    for (classroom_id, student_id, day), slot_ids in missed.items():
        subject_of = {hour[0]: hour[3] for hour in hours_of(classroom_id, day)}
        for slot_id in slot_ids:
            counted[(classroom_id, student_id, subject_of[slot_id])] += 1
    return dict(counted)


def register_figures(
    scopes: Sequence[Scope], *, weighted: bool, grace_minutes: int
) -> dict[Key, Figures]:
    """Grades and hours absent of every scope's students and subjects (eight queries)."""
    figures = grade_figures(scopes, weighted)
    for key, hours in hours_absent(scopes, grace_minutes).items():
        before = figures.get(key, Figures())
        figures[key] = Figures(before.average, before.count, before.judgement, hours)
    return figures


# --- a session's grid --------------------------------------------------------------------------


@dataclass(frozen=True)
class GridSubject:
    subject: Subject
    teacher: Staff | None
    scale: str


@dataclass
class Grid:
    """A session's proposals: its students and subjects (those with a teacher), the marks by
    (student id, subject id), and who is missing."""

    session: EvaluationSession
    scope: Scope
    students: list[Student]
    subjects: list[GridSubject]
    marks: dict[tuple[int, int], SubjectMark]
    needed: set[tuple[int, int]] | None = None  # (student, subject) due; None: every one

    def mark(self, student_id: int, subject_id: int) -> SubjectMark | None:
        return self.marks.get((student_id, subject_id))

    def due(self, student_id: int, subject_id: int) -> bool:
        return self.needed is None or (student_id, subject_id) in self.needed


def session_grid(session: EvaluationSession, subject_ids: Iterable[int] | None = None) -> Grid:
    """The grid of a session (its classroom with its school, its term with its school year):
    all of its subjects, or only `subject_ids`. A deferred session has its one student; an
    integrativo the students whose judgement was suspended, each in the subjects of their
    debts. Six queries whatever its size."""
    classroom = session.classroom
    (scope,) = scopes_build({classroom.pk: session.term}, [classroom])
    needed: set[tuple[int, int]] | None = None
    if session.kind == SessionKind.DEFERRED:
        scope.students = [session.student_id] if session.student_id else []
    elif session.kind == SessionKind.SUPPLEMENTARY:
        needed = set(
            SubjectMark.objects.filter(
                session__classroom_id=classroom.pk, session__term_id=session.term_id,
                session__kind=SessionKind.FINAL, debt=True,
                student__in=suspended_students(classroom.pk, session.term_id),
            ).values_list("student_id", "subject_id")
        )  # fmt: skip
        scope.students = sorted({student_id for student_id, _subject in needed})
    wanted = set(scope.teachers) if subject_ids is None else set(subject_ids) & set(scope.teachers)
    if needed is not None:
        wanted &= {subject_id for _student, subject_id in needed}
    subjects = {s.pk: s for s in Subject.objects.filter(pk__in=wanted)}
    teachers = {t.pk: t for t in Staff.objects.filter(pk__in={scope.teachers[s] for s in wanted})}
    students = list(Student.objects.filter(pk__in=scope.students).order_by("surname", "name", "pk"))
    marks = {
        (m.student_id, m.subject_id): m
        for m in SubjectMark.objects.filter(
            session=session, subject_id__in=wanted, student_id__in=scope.students
        )
    }
    grid_subjects = sorted(
        (
            GridSubject(subjects[pk], teachers.get(scope.teachers[pk]), scope.scales[pk])
            for pk in wanted
        ),
        key=lambda g: (g.subject.kind == SubjectKind.RELIGION, g.subject.name),
    )
    return Grid(session, scope, students, grid_subjects, marks, needed)


def failing(mark: Any) -> bool:
    """A proposal that asks for gaps and a recovery mode: a mark below 6, NC, or the giudizio
    "non sufficiente" (primary school). Religion and the alternative activity leave no debt:
    their "insufficiente" asks for nothing."""
    if mark.proposed_mark is not None:
        return bool(mark.proposed_mark < 6)
    return mark.proposed_judgement in ("NC", "non_sufficiente")


@dataclass(frozen=True)
class Missing:
    """Per subject of a session: its teacher and the students still without a proposal, and
    those with a failing proposal but no gaps or no recovery mode."""

    subject: Subject
    teacher: Staff | None
    without_proposal: list[Student]
    without_gaps: list[Student]

    @property
    def count(self) -> int:
        return len(self.without_proposal) + len(self.without_gaps)


def missing(grid: Grid) -> list[Missing]:
    """Who is missing, by subject and teacher (no query: from the grid)."""
    found = []
    for column in grid.subjects:
        without_proposal, without_gaps = [], []
        for student in grid.students:
            if not grid.due(student.pk, column.subject.pk):
                continue
            mark = grid.mark(student.pk, column.subject.pk)
            if mark is None or not mark.proposed:
                without_proposal.append(student)
            elif (
                column.scale != JUDGEMENT
                and failing(mark)
                and not (mark.gaps.strip() and mark.recovery_mode)
            ):
                without_gaps.append(student)
        found.append(Missing(column.subject, column.teacher, without_proposal, without_gaps))
    return found
