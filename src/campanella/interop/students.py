"""Import of students with up to two guardians per row, into this year's classrooms.

Everything the rows are checked against is loaded once (a constant number of queries whatever
the file's size); the writes are bulk operations. Students and guardians are matched by codice
fiscale within the institute. Students are never removed and guardians never unlinked here.

Enrolments feed the term-end evaluation: a row that would move a student in or out of a
classroom on a day closed by a locked evaluation is refused on its line (checked against the
closed periods read with the rest, and again under lock when the writes are applied).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from campanella.interop.columns import EXAMPLE_CODES
from campanella.interop.lookup import ClassroomFinder
from campanella.interop.models import ImportKind
from campanella.interop.plan import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Plan,
    RowCheck,
    RowOutcome,
    RowsRefused,
    change,
    check_model,
    first_seen,
    no_school_year_problem,
    show,
    start_plan,
    update_fields,
)
from campanella.interop.tabular import Problem, Sheet
from campanella.interop.values import (
    as_text,
    codice_fiscale,
    date_value,
    email,
    optional_date,
    required_text,
    sex,
)
from campanella.lib.italian import decode_codice_fiscale
from campanella.people.models import (
    Enrollment,
    ExitReason,
    Guardian,
    Guardianship,
    Relation,
    Student,
)
from campanella.school.guard import FOREVER, Span, membership_changes, refusal, spans_refused
from campanella.school.models import Classroom, ClosedPeriod, SchoolYear
from campanella.school.selectors import current_school_year

BATCH_SIZE = 500
STUDENT_COLUMNS = {
    "surname": "cognome",
    "name": "nome",
    "codice_fiscale": "codice_fiscale",
    "birth_date": "data_nascita",
    "sex": "sesso",
    "birth_place": "luogo_nascita",
}
GUARDIAN_COLUMNS = {
    "surname": "cognome",
    "name": "nome",
    "codice_fiscale": "codice_fiscale",
    "email": "email",
    "phone": "telefono",
}
STUDENT_LABELS = {
    "surname": "cognome",
    "name": "nome",
    "birth_date": "data di nascita",
    "sex": "sesso",
    "birth_place": "luogo di nascita",
}
GUARDIAN_LABELS = {"surname": "cognome", "name": "nome", "email": "e-mail", "phone": "telefono"}
STUDENT_UPDATE_FIELDS = list(STUDENT_LABELS)
COLUMN_ENTRY = "data_ingresso"
GUARDIAN_UPDATE_FIELDS = list(GUARDIAN_LABELS)


@dataclass(frozen=True)
class GuardianData:
    rank: int
    surname: str
    name: str
    codice_fiscale: str
    email: str
    phone: str

    @property
    def who(self) -> str:
        return _("genitore 1") if self.rank == 1 else _("genitore 2")

    @property
    def relation(self) -> str:
        return Relation.PARENT_1 if self.rank == 1 else Relation.PARENT_2

    def conflicts_with(self, other: GuardianData) -> list[str]:
        """Fields that differ between two rows naming the same guardian (blanks never differ)."""
        differing = []
        for attribute, label in (("surname", "cognome"), ("name", "nome")):
            if getattr(self, attribute).casefold() != getattr(other, attribute).casefold():
                differing.append(label)
        for attribute, label in (("email", "e-mail"), ("phone", "telefono")):
            mine, theirs = getattr(self, attribute), getattr(other, attribute)
            if mine and theirs and mine != theirs:
                differing.append(label)
        return differing


@dataclass
class StudentWrites:
    new_students: list[Student] = field(default_factory=list)
    changed_students: list[Student] = field(default_factory=list)
    new_guardians: list[Guardian] = field(default_factory=list)
    changed_guardians: list[Guardian] = field(default_factory=list)
    closed_enrollments: list[Enrollment] = field(default_factory=list)
    changed_enrollments: list[Enrollment] = field(default_factory=list)
    new_enrollments: list[Enrollment] = field(default_factory=list)
    new_links: list[Guardianship] = field(default_factory=list)
    # The classroom days the enrolments change, with the line of the row changing them.
    touched: list[tuple[int, Span]] = field(default_factory=list)

    def guard(self) -> None:
        """Lock the classrooms whose days change and refuse the rows touching a closed day
        (placed since the plan was read): RowsRefused, before anything is written."""
        refusals = spans_refused([span for _line, span in self.touched])
        problems = [
            Problem(line, f"«{COLUMN_ENTRY}»: {problem.message}")
            for (line, _span), problem in zip(self.touched, refusals, strict=True)
            if problem is not None
        ]
        if problems:
            raise RowsRefused(problems)

    def apply(self) -> dict[str, int]:
        self.guard()
        Student.objects.bulk_create(self.new_students, batch_size=BATCH_SIZE)
        Guardian.objects.bulk_create(self.new_guardians, batch_size=BATCH_SIZE)
        if self.changed_students:
            Student.objects.bulk_update(
                self.changed_students, STUDENT_UPDATE_FIELDS, batch_size=BATCH_SIZE
            )
        if self.changed_guardians:
            Guardian.objects.bulk_update(
                self.changed_guardians, GUARDIAN_UPDATE_FIELDS, batch_size=BATCH_SIZE
            )
        if self.closed_enrollments:
            Enrollment.objects.bulk_update(
                self.closed_enrollments, ["exit_date", "exit_reason"], batch_size=BATCH_SIZE
            )
        if self.changed_enrollments:
            Enrollment.objects.bulk_update(
                self.changed_enrollments, ["classroom", "entry_date"], batch_size=BATCH_SIZE
            )
        Enrollment.objects.bulk_create(self.new_enrollments, batch_size=BATCH_SIZE)
        Guardianship.objects.bulk_create(self.new_links, batch_size=BATCH_SIZE)
        return {
            "students_created": len(self.new_students),
            "students_updated": len(self.changed_students),
            "guardians_created": len(self.new_guardians),
            "guardians_updated": len(self.changed_guardians),
            "enrollments_created": len(self.new_enrollments),
            "enrollments_closed": len(self.closed_enrollments),
            "enrollments_corrected": len(self.changed_enrollments),
            "links_created": len(self.new_links),
        }


@dataclass
class StudentContext:
    """The institute's data the rows are checked against, loaded in a few queries."""

    institute_id: int
    year: SchoolYear
    default_entry: datetime.date
    finder: ClassroomFinder
    students: dict[str, Student]
    guardians: dict[str, Guardian]
    guardian_names: dict[int, str]
    enrollments: dict[int, list[Enrollment]]
    links: dict[int, dict[int, str]]
    closed: dict[int, list[ClosedPeriod]]

    @classmethod
    def load(cls, institute_id: int, year: SchoolYear, today: datetime.date) -> StudentContext:
        classrooms = Classroom.objects.filter(
            school_year=year, school__institute_id=institute_id
        ).select_related("school")
        guardians = list(Guardian.objects.filter(institute_id=institute_id))
        enrollments: dict[int, list[Enrollment]] = defaultdict(list)
        relevant = (
            Q(school_year=year) | Q(exit_date__isnull=True) | Q(exit_date__gte=year.start_date)
        )
        for enrollment in (
            Enrollment.objects.filter(student__institute_id=institute_id)
            .filter(relevant)
            .select_related("classroom", "school_year")
            .order_by("entry_date", "pk")
        ):
            enrollments[enrollment.student_id].append(enrollment)
        links: dict[int, dict[int, str]] = defaultdict(dict)
        for student_id, guardian_id, relation in Guardianship.objects.filter(
            student__institute_id=institute_id
        ).values_list("student_id", "guardian_id", "relation"):
            links[student_id][guardian_id] = relation
        closed: dict[int, list[ClosedPeriod]] = defaultdict(list)
        for period in ClosedPeriod.objects.filter(
            classroom__school__institute_id=institute_id, end_date__gte=year.start_date
        ).select_related("classroom"):
            closed[period.classroom_id].append(period)
        return cls(
            institute_id=institute_id,
            year=year,
            default_entry=max(year.lessons_start, today),
            finder=ClassroomFinder(year, classrooms),
            students={
                s.codice_fiscale: s for s in Student.objects.filter(institute_id=institute_id)
            },
            guardians={g.codice_fiscale: g for g in guardians if g.codice_fiscale},
            guardian_names={g.pk: g.full_name for g in guardians},
            enrollments=enrollments,
            links=links,
            closed=closed,
        )


def plan_students(sheet: Sheet, *, institute_id: int, today: datetime.date) -> Plan:
    plan, header = start_plan(ImportKind.STUDENTS, sheet)
    if header is None:
        return plan
    year = current_school_year(institute_id, today)
    if year is None:
        plan.problems.append(no_school_year_problem())
        return plan
    planner = StudentPlanner(plan, StudentContext.load(institute_id, year, today))
    width = len(sheet.header)
    for row in sheet.rows:
        planner.row(RowCheck(row, header, width))
    plan.writes = planner.writes
    return plan


@dataclass
class StudentRow:
    codice_fiscale: str
    surname: str
    name: str
    birth_date: datetime.date
    sex: str
    birth_place: str
    classroom: Classroom
    entry_date: datetime.date | None
    guardians: list[GuardianData]

    @property
    def label(self) -> str:
        return f"{self.surname} {self.name} ({self.codice_fiscale})"


class StudentPlanner:
    def __init__(self, plan: Plan, context: StudentContext) -> None:
        self.plan = plan
        self.ctx = context
        self.writes = StudentWrites()
        self.seen_students: dict[str, int] = {}
        self.seen_guardians: dict[str, tuple[Guardian, int, GuardianData]] = {}

    # --- one row ------------------------------------------------------------------------------

    def row(self, check: RowCheck) -> None:
        data = self._parse(check)
        if data is None or check.messages:
            check.reject(self.plan, self._raw_label(check))
            return
        self._warn_if_code_disagrees(check.line, data)
        student, created, details = self._student(check, data)
        details += self._enrollment(check, student, data)
        for guardian in data.guardians:
            details += self._guardian(check, student, guardian, created)
        if check.messages:
            check.reject(self.plan, data.label)
            return
        action = CREATED if created else (UPDATED if details else UNCHANGED)
        self.plan.rows.append(RowOutcome(check.line, action, data.label, details))

    def _parse(self, check: RowCheck) -> StudentRow | None:
        cf = check.parse("codice_fiscale", codice_fiscale)
        surname = check.parse("cognome", required_text)
        name = check.parse("nome", required_text)
        birth_date = check.parse("data_nascita", date_value)
        sex_value = check.parse("sesso", sex)
        classroom = check.parse("classe", lambda cell: self._classroom(check, as_text(cell)))
        entry_date = check.parse("data_ingresso", optional_date)
        guardians = [
            g for g in (self._parse_guardian(check, 1), self._parse_guardian(check, 2)) if g
        ]
        if cf is not None:
            self._check_codes(check, cf, guardians)
        if (
            cf is None
            or surname is None
            or name is None
            or birth_date is None
            or sex_value is None
            or classroom is None
        ):
            return None
        return StudentRow(
            codice_fiscale=cf,
            surname=surname,
            name=name,
            birth_date=birth_date,
            sex=sex_value,
            birth_place=as_text(check.cell("luogo_nascita")),
            classroom=classroom,
            entry_date=entry_date,
            guardians=guardians,
        )

    def _classroom(self, check: RowCheck, text: str) -> Classroom:
        return self.ctx.finder.find(
            text,
            school_text=as_text(check.cell("plesso")),
            track_text=as_text(check.cell("indirizzo")),
        )

    def _parse_guardian(self, check: RowCheck, rank: int) -> GuardianData | None:
        prefix = f"genitore{rank}_"
        given = [as_text(check.cell(prefix + part)) for part in GUARDIAN_COLUMNS.values()]
        if not any(given):
            return None
        surname = check.parse(prefix + "cognome", required_text)
        name = check.parse(prefix + "nome", required_text)
        cf = check.parse(prefix + "codice_fiscale", codice_fiscale)
        mail = check.parse(prefix + "email", email)
        if surname is None or name is None or cf is None or mail is None:
            return None
        phone = as_text(check.cell(prefix + "telefono"))
        return GuardianData(rank, surname, name, cf, mail, phone)

    def _check_codes(self, check: RowCheck, cf: str, guardians: list[GuardianData]) -> None:
        previous = first_seen(self.seen_students, cf, check.line)
        if previous is not None:
            check.add(
                _(
                    "l'alunno con codice fiscale %(cf)s compare già alla riga %(line)s: ogni "
                    "alunno deve comparire una sola volta"
                )
                % {"cf": cf, "line": previous},
                "codice_fiscale",
            )
        codes = [cf] + [g.codice_fiscale for g in guardians]
        if any(code in EXAMPLE_CODES for code in codes):
            check.add(_("è la riga di esempio del modello: cancellarla prima di importare il file"))
        if any(g.codice_fiscale == cf for g in guardians):
            check.add(_("il genitore ha lo stesso codice fiscale dell'alunno"))
        if len(guardians) == 2 and guardians[0].codice_fiscale == guardians[1].codice_fiscale:
            check.add(_("genitore 1 e genitore 2 hanno lo stesso codice fiscale"))

    def _warn_if_code_disagrees(self, line: int, data: StudentRow) -> None:
        info = decode_codice_fiscale(data.codice_fiscale)
        born = data.birth_date
        same = (info.birth_day, info.birth_month, info.birth_year_two_digits) == (
            born.day,
            born.month,
            born.year % 100,
        )
        if not same or info.sex != data.sex:
            self.plan.notices.append(
                _(
                    "Riga %(line)s: il codice fiscale %(cf)s non corrisponde alla data di nascita "
                    "o al sesso indicati; controllare i dati."
                )
                % {"line": line, "cf": data.codice_fiscale}
            )

    def _raw_label(self, check: RowCheck) -> str:
        parts = [as_text(check.cell(c)) for c in ("cognome", "nome")]
        cf = as_text(check.cell("codice_fiscale"))
        label = " ".join(p for p in parts if p) or _("(senza nome)")
        return f"{label} ({cf})" if cf else label

    # --- the student record -------------------------------------------------------------------

    def _student(self, check: RowCheck, data: StudentRow) -> tuple[Student, bool, list[str]]:
        values = {
            "surname": data.surname,
            "name": data.name,
            "birth_date": data.birth_date,
            "sex": data.sex,
            "birth_place": data.birth_place,
        }
        existing = self.ctx.students.get(data.codice_fiscale)
        if existing is None:
            student = Student(
                institute_id=self.ctx.institute_id, codice_fiscale=data.codice_fiscale, **values
            )
            check_model(check, student, STUDENT_COLUMNS)
            self.writes.new_students.append(student)
            return student, True, []
        changes = update_fields(existing, values, STUDENT_LABELS)
        if changes:
            check_model(check, existing, STUDENT_COLUMNS)
            self.writes.changed_students.append(existing)
        return existing, False, changes

    # --- the enrolment ------------------------------------------------------------------------

    def _touch(self, check: RowCheck, before: Span | None, after: Span | None) -> bool:
        """Record the classroom days an enrolment's change touches; False (and the row's
        problem) when one of them is closed by a locked evaluation."""
        spans = membership_changes(before, after)
        for classroom_id, start, end in spans:
            problem = refusal(self.ctx.closed.get(classroom_id, []), start, end)
            if problem is not None:
                check.add(problem.message, COLUMN_ENTRY)
                return False
        self.writes.touched.extend((check.line, span) for span in spans)
        return True

    def _enrollment(self, check: RowCheck, student: Student, data: StudentRow) -> list[str]:
        history = self.ctx.enrollments.get(student.pk, []) if student.pk else []
        current = self._current(history)
        if current is not None and current.classroom_id == data.classroom.pk:
            return self._same_classroom(check, current, data.entry_date, history)
        start = data.entry_date or self.ctx.default_entry
        if not self._inside_year(check, start):
            return []
        if current is not None and start <= current.entry_date:
            return self._correct_classroom(check, current, data.classroom, start)
        details = self._close_previous(check, history, start)
        if check.messages:
            return []
        if not self._touch(check, None, (data.classroom.pk, start, FOREVER)):
            return []
        self.writes.new_enrollments.append(
            Enrollment(
                student=student,
                school_year=self.ctx.year,
                classroom=data.classroom,
                entry_date=start,
            )
        )
        classroom = self.ctx.finder.label(data.classroom)
        if current is not None:
            return [
                _(
                    "cambio di classe: %(old)s → %(new)s dal %(date)s (l'iscrizione in %(old)s "
                    "si chiude il %(exit)s)"
                )
                % {
                    "old": self.ctx.finder.label(current.classroom),
                    "new": classroom,
                    "date": show(start),
                    "exit": show(start - datetime.timedelta(days=1)),
                },
                *details,
            ]
        return [
            *details,
            _("iscrizione in %(classroom)s dal %(date)s")
            % {"classroom": classroom, "date": show(start)},
        ]

    def _current(self, history: list[Enrollment]) -> Enrollment | None:
        open_now = [
            e for e in history if e.school_year_id == self.ctx.year.pk and e.exit_date is None
        ]
        return open_now[-1] if open_now else None

    def _inside_year(self, check: RowCheck, day: datetime.date) -> bool:
        year = self.ctx.year
        if year.contains(day):
            return True
        check.add(
            _("La data di ingresso è fuori dall'anno scolastico.")
            + " "
            + _("(%(date)s; anno %(year)s: %(start)s–%(end)s)")
            % {
                "date": show(day),
                "year": year.name,
                "start": show(year.start_date),
                "end": show(year.end_date),
            },
            "data_ingresso",
        )
        return False

    def _same_classroom(
        self,
        check: RowCheck,
        current: Enrollment,
        entry: datetime.date | None,
        history: list[Enrollment],
    ) -> list[str]:
        if entry is None or entry == current.entry_date:
            return []
        if not self._inside_year(check, entry):
            return []
        if any(e is not current and e.exit_date and e.exit_date >= entry for e in history):
            check.add(_overlap_message(), "data_ingresso")
            return []
        exit_ = current.exit_date or FOREVER
        if not self._touch(
            check,
            (current.classroom_id, current.entry_date, exit_),
            (current.classroom_id, entry, exit_),
        ):
            return []
        label = _("data di ingresso in %(classroom)s") % {
            "classroom": self.ctx.finder.label(current.classroom)
        }
        details = [change(label, current.entry_date, entry)]
        current.entry_date = entry
        self.writes.changed_enrollments.append(current)
        return details

    def _correct_classroom(
        self, check: RowCheck, current: Enrollment, classroom: Classroom, start: datetime.date
    ) -> list[str]:
        """Same entry day: the enrolment was in the wrong classroom, not a change of classroom."""
        if start < current.entry_date:
            check.add(
                _(
                    "l'alunno è in %(classroom)s dal %(date)s: la data di ingresso nella nuova "
                    "classe deve essere successiva"
                )
                % {
                    "classroom": self.ctx.finder.label(current.classroom),
                    "date": show(current.entry_date),
                },
                "data_ingresso",
            )
            return []
        exit_ = current.exit_date or FOREVER
        if not self._touch(
            check,
            (current.classroom_id, current.entry_date, exit_),
            (classroom.pk, current.entry_date, exit_),
        ):
            return []
        old = self.ctx.finder.label(current.classroom)
        current.classroom = classroom
        self.writes.changed_enrollments.append(current)
        return [
            _("classe corretta: %(old)s → %(new)s (iscrizione dal %(date)s)")
            % {"old": old, "new": self.ctx.finder.label(classroom), "date": show(start)}
        ]

    def _close_previous(
        self, check: RowCheck, history: list[Enrollment], start: datetime.date
    ) -> list[str]:
        """Close what is still open before `start`; refuse an overlap with a closed enrolment."""
        details: list[str] = []
        for enrollment in history:
            if enrollment.exit_date is not None:
                if enrollment.exit_date >= start:
                    check.add(_overlap_message(), "data_ingresso")
                continue
            if enrollment.school_year_id == self.ctx.year.pk:
                exit_date = start - datetime.timedelta(days=1)
            elif enrollment.school_year.end_date < start:
                exit_date = enrollment.school_year.end_date
                details.append(
                    _("chiusa l'iscrizione %(year)s in %(classroom)s al %(date)s")
                    % {
                        "year": enrollment.school_year.name,
                        "classroom": enrollment.classroom.name,
                        "date": show(exit_date),
                    }
                )
            else:
                check.add(_overlap_message(), "data_ingresso")
                continue
            if not self._touch(
                check,
                (enrollment.classroom_id, enrollment.entry_date, FOREVER),
                (enrollment.classroom_id, enrollment.entry_date, exit_date),
            ):
                continue
            enrollment.exit_date = exit_date
            enrollment.exit_reason = ExitReason.CLASS_CHANGE
            self.writes.closed_enrollments.append(enrollment)
        return details

    # --- guardians ----------------------------------------------------------------------------

    def _guardian(
        self, check: RowCheck, student: Student, data: GuardianData, new_student: bool
    ) -> list[str]:
        guardian, details = self._guardian_record(check, data)
        if new_student and not details:
            details = [
                _("%(who)s: %(name)s, già presente") % {"who": data.who, "name": guardian.full_name}
            ]
        return details + self._link(check, student, guardian, data, new_student)

    def _guardian_record(self, check: RowCheck, data: GuardianData) -> tuple[Guardian, list[str]]:
        seen = self.seen_guardians.get(data.codice_fiscale)
        if seen is not None:
            guardian, line, first = seen
            differing = first.conflicts_with(data)
            if differing:
                check.add(
                    _(
                        "il genitore con codice fiscale %(cf)s compare anche alla riga %(line)s "
                        "con dati diversi (%(fields)s)"
                    )
                    % {"cf": data.codice_fiscale, "line": line, "fields": ", ".join(differing)},
                    f"genitore{data.rank}_codice_fiscale",
                )
            return guardian, []
        prefix = f"genitore{data.rank}_"
        values = {
            "surname": data.surname,
            "name": data.name,
            "email": data.email,
            "phone": data.phone,
        }
        existing = self.ctx.guardians.get(data.codice_fiscale)
        if existing is None:
            guardian = Guardian(
                institute_id=self.ctx.institute_id, codice_fiscale=data.codice_fiscale, **values
            )
            check_model(check, guardian, GUARDIAN_COLUMNS, prefix)
            self.writes.new_guardians.append(guardian)
            details = [_("%(who)s nuovo: %(name)s") % {"who": data.who, "name": guardian.full_name}]
        else:
            guardian = existing
            changes = update_fields(existing, values, GUARDIAN_LABELS)
            if changes:
                check_model(check, existing, GUARDIAN_COLUMNS, prefix)
                self.writes.changed_guardians.append(existing)
            details = [f"{data.who} {existing.full_name}: {c}" for c in changes]
        self.seen_guardians[data.codice_fiscale] = (guardian, check.line, data)
        return guardian, details

    def _link(
        self,
        check: RowCheck,
        student: Student,
        guardian: Guardian,
        data: GuardianData,
        new_student: bool,
    ) -> list[str]:
        links = self.ctx.links.get(student.pk, {}) if student.pk else {}
        if guardian.pk is not None and guardian.pk in links:
            return []
        for other_pk, relation in links.items():
            if relation == data.relation and other_pk != guardian.pk:
                check.add(
                    _(
                        "l'alunno ha già come %(who)s %(name)s: per sostituirlo usare la "
                        "gestione, l'importazione non toglie i legami esistenti"
                    )
                    % {"who": data.who, "name": self.ctx.guardian_names.get(other_pk, "")},
                    f"genitore{data.rank}_codice_fiscale",
                )
                return []
        self.writes.new_links.append(
            Guardianship(student=student, guardian=guardian, relation=data.relation)
        )
        if new_student:
            return []
        return [_("collegato a %(who)s %(name)s") % {"who": data.who, "name": guardian.full_name}]


def _overlap_message() -> str:
    return _(
        "L'alunno è già iscritto in un'altra classe in queste date: chiudere prima "
        "l'iscrizione precedente."
    )
