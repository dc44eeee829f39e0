"""Import of grades given elsewhere (another register, the paper register): one row, one grade,
written by `grades.services.grade_add` for the teacher named on the row, the office recording it
(its history names the office; the grade names the teacher).

Checked in memory first, with the rules of the grades service and the same Italian messages:
the student and the classroom they were in that day, the subject, the teacher's assignment, the
grade in the subject's scale (numbers, levels, judgements), weight and description. A grade the
register already has, identical (student, subject, day, type, value, teacher, weight, average,
description), is "unchanged" and not written again: importing a file twice adds nothing. Then the
service itself checks and writes each row (rehearsed for the preview: `service_writes`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.utils.translation import gettext as _

from campanella.grades.models import Grade
from campanella.grades.services import (
    GradeInputError,
    ParsedValue,
    check_description,
    check_weight,
    grade_add,
    numeric_scale,
    parse_value,
    scale_for,
)
from campanella.interop.lookup import (
    ClassroomFinder,
    Enrollments,
    StaffFinder,
    StudentFinder,
    SubjectFinder,
)
from campanella.interop.models import ImportKind
from campanella.interop.plan import (
    CREATED,
    UNCHANGED,
    Plan,
    RowCheck,
    RowOutcome,
    first_seen,
    start_plan,
)
from campanella.interop.records import (
    ClosedDays,
    check_student_columns,
    classroom_on,
    day,
    row_day,
    row_student,
    span,
)
from campanella.interop.service_writes import RowWrite, ServiceWrites
from campanella.interop.tabular import Sheet
from campanella.interop.values import BadValueError, as_text, grade_kind, weight, yes_no
from campanella.lib.grades import format_grade, judgement_label, primary_label
from campanella.people.models import Staff, Student, User
from campanella.school.models import Classroom, Subject, Teaching, TeachingKind

T = TypeVar("T")
OWN = (TeachingKind.NORMAL, TeachingKind.CO_TEACHING)
Key = tuple[object, ...]


@dataclass(frozen=True)
class GradeRow:
    student: Student
    classroom: Classroom
    subject: Subject
    teacher: Staff
    day: datetime.date
    kind: str
    text: str
    value: ParsedValue
    weight: Decimal
    counts_in_average: bool
    description: str

    @property
    def key(self) -> Key:
        return (
            self.student.pk, self.subject.pk, self.day, self.kind, self.teacher.pk,
            self.value.value, self.value.level, self.value.judgement, self.weight,
            self.counts_in_average, self.description,
        )  # fmt: skip


class GradeContext:
    """What the rows are checked against, loaded once for the students and days of the file."""

    def __init__(self, students: list[Student], start: datetime.date, end: datetime.date) -> None:
        self.enrollments = Enrollments([s.pk for s in students], start, end)
        classrooms = self.enrollments.classrooms()
        self.own: set[tuple[int, int, int]] = set()
        self.support: set[tuple[int, int, int | None]] = set()
        for teacher_id, classroom_id, subject_id, kind, student_id in Teaching.objects.filter(
            classroom__in=[c.pk for c in classrooms]
        ).values_list("teacher_id", "classroom_id", "subject_id", "kind", "support_student_id"):
            if kind in OWN:
                self.own.add((teacher_id, classroom_id, subject_id))
            elif kind == TeachingKind.SUPPORT:
                self.support.add((teacher_id, classroom_id, student_id))
        self.existing: set[Key] = set()
        grades = Grade.objects.filter(
            student_id__in=[s.pk for s in students],
            date__gte=start,
            date__lte=end,
            cancelled_at__isnull=True,
        )
        for grade in grades.values_list(
            "student_id", "subject_id", "date", "kind", "teacher_id", "value", "level",
            "judgement", "weight", "counts_in_average", "description",
        ):  # fmt: skip
            self.existing.add(grade)
        years = {c.school_year_id: c.school_year for c in classrooms}
        by_year: dict[int, list[Classroom]] = defaultdict(list)
        for classroom in Classroom.objects.filter(school_year__in=list(years)).select_related(
            "school"
        ):
            by_year[classroom.school_year_id].append(classroom)
        self.finders = {pk: ClassroomFinder(year, by_year[pk]) for pk, year in years.items()}
        self.closed = ClosedDays(classrooms, start, end)

    def may_grade(
        self, teacher: Staff, classroom: Classroom, subject: Subject, student: Student
    ) -> bool:
        """`grades.services.staff_may_grade`, in memory."""
        return teacher.is_teacher and (
            (teacher.pk, classroom.pk, subject.pk) in self.own
            or (teacher.pk, classroom.pk, student.pk) in self.support
        )


def plan_grades(
    sheet: Sheet, *, institute_id: int, today: datetime.date, user: User | None
) -> Plan:
    plan, header = start_plan(ImportKind.GRADES, sheet)
    if header is None or not check_student_columns(plan, header.positions):
        return plan
    finder = StudentFinder(institute_id)
    staff = StaffFinder(institute_id)
    subjects = SubjectFinder(Subject.objects.filter(institute_id=institute_id))
    width = len(sheet.header)
    firsts = []
    for row in sheet.rows:
        check = RowCheck(row, header, width)
        firsts.append((check, row_student(check, finder, plan), row_day(check, today)))
    days = span(when for _check, _student, when in firsts)
    students = [student for _check, student, _when in firsts if student is not None]
    ctx = GradeContext(students, *days) if days else None
    writes = ServiceWrites(user)
    seen: dict[str, int] = {}
    for check, student, when in firsts:
        data = None
        if ctx is not None and student is not None and when is not None:
            data = _parse(check, ctx, staff, subjects, student, when)
        if data is not None:
            previous = first_seen(seen, str(data.key), check.line)
            if previous is not None:
                check.add(
                    _(
                        "la riga è uguale alla riga %(line)s: per due voti uguali nello stesso "
                        "giorno indicare due descrizioni diverse"
                    )
                    % {"line": previous}
                )
        if data is None or check.messages:
            check.reject(plan, _label(data) if data else _raw_label(check))
            continue
        if ctx is not None and data.key in ctx.existing:
            plan.rows.append(
                RowOutcome(check.line, UNCHANGED, _label(data), [_("già nel registro")])
            )
            continue
        closed = ctx.closed.refusal(data.classroom, data.day) if ctx is not None else ""
        if closed:
            check.add(closed, "data")
            check.reject(plan, _label(data))
            continue
        writes.add(check.line, _writer(data))
        plan.rows.append(RowOutcome(check.line, CREATED, _label(data)))
    plan.writes = writes
    return plan


def _parse(
    check: RowCheck,
    ctx: GradeContext,
    staff: StaffFinder,
    subjects: SubjectFinder,
    student: Student,
    when: datetime.date,
) -> GradeRow | None:
    classroom = classroom_on(check, ctx.enrollments, student, when)
    subject = check.parse("materia", lambda cell: subjects.find(as_text(cell)))
    teacher = check.parse("docente", lambda cell: staff.find(as_text(cell)))
    kind = check.parse("tipo", grade_kind)
    given_weight = check.parse("peso", weight)
    counts = check.parse("fa_media", lambda cell: yes_no(cell, default=True))
    if classroom is None:
        return None
    _check_classroom(check, ctx, classroom)
    if not classroom.school_year.contains(when):
        check.add(
            _("La data %(day)s è fuori dall'anno scolastico %(year)s.")
            % {"day": day(when), "year": classroom.school_year.name},
            "data",
        )
    text = as_text(check.cell("voto"))
    value = None
    if subject is not None:
        scale = scale_for(classroom, subject)
        value = _service_check(
            check, "voto", lambda: parse_value(text, scale, numeric_scale(classroom))
        )
    description = _service_check(
        check, "descrizione", lambda: check_description(as_text(check.cell("descrizione")))
    )
    if given_weight is not None:
        _service_check(check, "peso", lambda: check_weight(given_weight))
    if teacher is not None and subject is not None:
        if not ctx.may_grade(teacher, classroom, subject, student):
            check.add(
                _("%(teacher)s non insegna %(subject)s a questo alunno in %(classroom)s.")
                % {
                    "teacher": teacher.full_name,
                    "subject": subject.name,
                    "classroom": classroom.name,
                },
                "docente",
            )
    if (
        subject is None or teacher is None or kind is None or value is None
        or given_weight is None or counts is None or description is None
    ):  # fmt: skip
        return None
    return GradeRow(
        student=student, classroom=classroom, subject=subject, teacher=teacher, day=when,
        kind=kind, text=text, value=value, weight=given_weight, counts_in_average=counts,
        description=description,
    )  # fmt: skip


def _service_check(check: RowCheck, column: str, call: Callable[[], T]) -> T | None:
    """Run one of the grades service's own checks; its refusal is the row's problem."""
    try:
        return call()
    except GradeInputError as error:
        check.add(" ".join(error.messages), column)
        return None


def _check_classroom(check: RowCheck, ctx: GradeContext, classroom: Classroom) -> None:
    text = as_text(check.cell("classe"))
    if not text:
        return
    finder = ctx.finders.get(classroom.school_year_id)
    try:
        found = finder.find(text) if finder is not None else None
    except BadValueError:
        found = None
    if found is None or found.pk != classroom.pk:
        check.add(
            _("quel giorno l'alunno era in %(classroom)s, non in «%(value)s»")
            % {"classroom": classroom.name, "value": text},
            "classe",
        )


def _writer(data: GradeRow) -> RowWrite:
    def write(user: User) -> dict[str, int]:
        grade_add(
            user=user, classroom=data.classroom, subject=data.subject, student=data.student,
            day=data.day, kind=data.kind, text=data.text, weight=data.weight,
            counts_in_average=data.counts_in_average, description=data.description,
            teacher=data.teacher,
        )  # fmt: skip
        return {"grades_created": 1}

    return write


def _shown(data: GradeRow) -> str:
    if data.value.value is not None:
        return format_grade(data.value.value, numeric_scale(data.classroom))
    if data.value.level:
        return primary_label(data.value.level)
    return judgement_label(data.value.judgement)


def _label(data: GradeRow) -> str:
    parts = [
        data.student.full_name,
        data.subject.name,
        day(data.day),
        f"{data.kind} {_shown(data)}",
        data.teacher.full_name,
    ]
    if data.weight != 1:
        parts.append(
            _("peso %(weight)s") % {"weight": f"{data.weight.normalize():f}".replace(".", ",")}
        )
    if not data.counts_in_average:
        parts.append(_("non fa media"))
    if data.description:
        parts.append(data.description)
    return " – ".join(parts)


def _raw_label(check: RowCheck) -> str:
    columns = ("codice_fiscale", "codice_alunno", "materia", "data", "voto")
    parts = [as_text(check.cell(column)) for column in columns]
    return " – ".join(part for part in parts if part) or _("(riga vuota)")
