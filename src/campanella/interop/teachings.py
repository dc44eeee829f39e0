"""Import of teaching assignments (cattedre) into this year's classrooms.

The rules are those of `Teaching.clean()`, with the same Italian messages, checked against maps
loaded once (the model's clean() asks the database once per object). Existing assignments are
"unchanged"; none is ever removed here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campanella.interop.columns import EXAMPLE_CODES
from campanella.interop.lookup import ClassroomFinder, SubjectFinder
from campanella.interop.models import ImportKind
from campanella.interop.plan import (
    CREATED,
    UNCHANGED,
    Plan,
    RowCheck,
    RowOutcome,
    first_seen,
    no_school_year_problem,
    start_plan,
)
from campanella.interop.tabular import Cell, Sheet
from campanella.interop.values import BadValueError, as_text, codice_fiscale, teaching_kind
from campanella.people.models import Enrollment, Staff, Student
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    SchoolYear,
    Subject,
    Teaching,
    TeachingKind,
)
from campanella.school.selectors import current_school_year

BATCH_SIZE = 500
Key = tuple[int, int, int, str, int | None]


@dataclass
class TeachingWrites:
    new_teachings: list[Teaching] = field(default_factory=list)

    def apply(self) -> dict[str, int]:
        Teaching.objects.bulk_create(self.new_teachings, batch_size=BATCH_SIZE)
        return {"teachings_created": len(self.new_teachings)}


@dataclass
class TeachingContext:
    year: SchoolYear
    finder: ClassroomFinder
    subjects: SubjectFinder
    staff: dict[str, Staff]
    students: dict[str, Student]
    enrolled: set[tuple[int, int]]
    classroom_subjects: set[tuple[int, int]]
    existing: set[Key]

    @classmethod
    def load(cls, institute_id: int, year: SchoolYear) -> TeachingContext:
        in_year = {"classroom__school_year": year, "classroom__school__institute_id": institute_id}
        teachings = Teaching.objects.filter(**in_year).values_list(
            "teacher_id", "classroom_id", "subject_id", "kind", "support_student_id"
        )
        return cls(
            year=year,
            finder=ClassroomFinder(
                year,
                Classroom.objects.filter(
                    school_year=year, school__institute_id=institute_id
                ).select_related("school"),
            ),
            subjects=SubjectFinder(Subject.objects.filter(institute_id=institute_id)),
            staff={
                s.codice_fiscale: s
                for s in Staff.objects.filter(institute_id=institute_id).exclude(codice_fiscale="")
            },
            students={
                s.codice_fiscale: s
                for s in Student.objects.filter(institute_id=institute_id).only(
                    "pk", "codice_fiscale", "surname", "name"
                )
            },
            enrolled=set(
                Enrollment.objects.filter(**in_year).values_list("student_id", "classroom_id")
            ),
            classroom_subjects=set(
                ClassroomSubject.objects.filter(**in_year).values_list("classroom_id", "subject_id")
            ),
            existing=set(teachings),
        )


@dataclass(frozen=True)
class TeachingRow:
    teacher: Staff
    classroom: Classroom
    subject: Subject
    kind: str
    student: Student | None

    @property
    def key(self) -> Key:
        student_id = self.student.pk if self.student is not None else None
        return (self.teacher.pk, self.classroom.pk, self.subject.pk, self.kind, student_id)


def plan_teachings(sheet: Sheet, *, institute_id: int, today: datetime.date) -> Plan:
    plan, header = start_plan(ImportKind.TEACHINGS, sheet)
    if header is None:
        return plan
    year = current_school_year(institute_id, today)
    if year is None:
        plan.problems.append(no_school_year_problem())
        return plan
    ctx = TeachingContext.load(institute_id, year)
    writes = TeachingWrites()
    seen: dict[str, int] = {}
    width = len(sheet.header)
    for row in sheet.rows:
        check = RowCheck(row, header, width)
        data = _parse(check, ctx)
        if data is not None:
            _check_rules(check, ctx, data)
            _check_duplicate(check, data, seen)
        if data is None or check.messages:
            check.reject(plan, _label(ctx, data) if data else _raw_label(check))
            continue
        plan.rows.append(_outcome(check, ctx, data, writes))
    plan.writes = writes
    return plan


def _parse(check: RowCheck, ctx: TeachingContext) -> TeachingRow | None:
    teacher = check.parse("docente_codice_fiscale", lambda cell: _teacher(ctx, cell))
    classroom = check.parse(
        "classe",
        lambda cell: ctx.finder.find(
            as_text(cell),
            school_text=as_text(check.cell("plesso")),
            track_text=as_text(check.cell("indirizzo")),
        ),
    )
    subject = check.parse("materia", lambda cell: ctx.subjects.find(as_text(cell)))
    kind = check.parse("tipo", teaching_kind)
    student = check.parse("alunno_codice_fiscale", lambda cell: _student(ctx, cell))
    if teacher is None or classroom is None or subject is None or kind is None:
        return None
    if as_text(check.cell("alunno_codice_fiscale")) and student is None:
        return None
    return TeachingRow(teacher, classroom, subject, kind, student)


def _teacher(ctx: TeachingContext, cell: Cell) -> Staff:
    cf = codice_fiscale(cell)
    if cf in EXAMPLE_CODES:
        raise BadValueError(_("è la riga di esempio del modello: cancellarla prima di importare"))
    staff = ctx.staff.get(cf)
    if staff is None:
        raise BadValueError(
            _(
                "nessuna persona del personale ha il codice fiscale %(cf)s: importare prima "
                "il personale"
            )
            % {"cf": cf}
        )
    if not staff.active:
        raise BadValueError(_("%(name)s non è in servizio") % {"name": staff.full_name})
    return staff


def _student(ctx: TeachingContext, cell: Cell) -> Student | None:
    if not as_text(cell):
        return None
    cf = codice_fiscale(cell)
    student = ctx.students.get(cf)
    if student is None:
        raise BadValueError(
            _("nessun alunno dell'istituto ha il codice fiscale %(cf)s") % {"cf": cf}
        )
    return student


def _check_rules(check: RowCheck, ctx: TeachingContext, data: TeachingRow) -> None:
    """Teaching.clean(), in memory: same rules, same messages."""
    if data.kind == TeachingKind.SUPPORT and data.student is None:
        check.add(_("Per il sostegno indicare l'alunno seguito."), "alunno_codice_fiscale")
    if data.kind != TeachingKind.SUPPORT and data.student is not None:
        check.add(_("L'alunno seguito si indica solo per il sostegno."), "alunno_codice_fiscale")
    if data.kind != TeachingKind.SUPPORT:
        if (data.classroom.pk, data.subject.pk) not in ctx.classroom_subjects:
            check.add(
                _("La classe %(classroom)s non ha la materia %(subject)s nel suo quadro orario.")
                % {"classroom": data.classroom, "subject": data.subject},
                "materia",
            )
    if not data.teacher.is_teacher:
        check.add(_("Questa persona non ha il ruolo di docente."), "docente_codice_fiscale")
    if data.student is not None and (data.student.pk, data.classroom.pk) not in ctx.enrolled:
        check.add(_("L'alunno seguito non è iscritto in questa classe."), "alunno_codice_fiscale")


def _check_duplicate(check: RowCheck, data: TeachingRow, seen: dict[str, int]) -> None:
    previous = first_seen(seen, str(data.key), check.line)
    if previous is not None:
        check.add(_("questa cattedra compare già alla riga %(line)s") % {"line": previous})


def _outcome(
    check: RowCheck, ctx: TeachingContext, data: TeachingRow, writes: TeachingWrites
) -> RowOutcome:
    label = _label(ctx, data)
    if data.key in ctx.existing:
        return RowOutcome(check.line, UNCHANGED, label)
    writes.new_teachings.append(
        Teaching(
            teacher=data.teacher,
            classroom=data.classroom,
            subject=data.subject,
            kind=data.kind,
            support_student=data.student,
        )
    )
    return RowOutcome(check.line, CREATED, label)


def _label(ctx: TeachingContext, data: TeachingRow) -> str:
    parts = [data.teacher.full_name, data.subject.name, ctx.finder.label(data.classroom)]
    if data.kind != TeachingKind.NORMAL:
        parts.append(str(TeachingKind(data.kind).label))
    if data.student is not None:
        parts.append(data.student.full_name)
    return " – ".join(str(part) for part in parts)


def _raw_label(check: RowCheck) -> str:
    parts = [as_text(check.cell(c)) for c in ("docente_codice_fiscale", "materia", "classe")]
    return " – ".join(p for p in parts if p) or _("(riga vuota)")
