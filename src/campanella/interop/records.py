"""What the imports of grades and attendance share: the student of a row, the classroom they
were in that day, the school calendar. Everything is loaded once per file (no query per row).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from campanella.interop.columns import EXAMPLE_CODES, STUDENT_CODE_COLUMNS
from campanella.interop.lookup import Enrollments, StudentFinder
from campanella.interop.plan import Plan, RowCheck
from campanella.interop.tabular import Cell, Problem
from campanella.interop.values import BadValueError, as_text, codice_fiscale, date_value
from campanella.people.models import Student
from campanella.school.guard import closed_periods_for, refusal
from campanella.school.models import Classroom, ClosedPeriod, Closure, School


def day(when: datetime.date) -> str:
    return when.strftime("%d/%m/%Y")


def check_student_columns(plan: Plan, positions: Iterable[str]) -> bool:
    """The file names its students by codice fiscale or by username: one column is needed."""
    if set(STUDENT_CODE_COLUMNS) & set(positions):
        return True
    plan.problems.append(
        Problem(
            1,
            _(
                "Manca la colonna dell'alunno: «codice_fiscale» (o, al posto del codice "
                "fiscale, «codice_alunno» con il nome utente)."
            ),
        )
    )
    return False


def row_student(check: RowCheck, finder: StudentFinder, plan: Plan) -> Student | None:
    """The row's student, by codice fiscale or else by username; unknown ones are counted."""
    cf_text = as_text(check.cell("codice_fiscale"))
    known = finder.by_code.get(cf_text.upper()) if cf_text else None
    if known is not None and known.codice_fiscale not in EXAMPLE_CODES:
        return known  # a code the institute has is valid: no need to check it again
    username = as_text(check.cell("codice_alunno"))
    column = "codice_fiscale" if cf_text or not username else "codice_alunno"
    code = ""
    if column == "codice_fiscale":
        code = check.parse("codice_fiscale", _example_refused) or ""
        if not code:
            return None
    student, written = finder.find(code, username)
    if student is None:
        plan.unknown_students.add(written.upper())
        if column == "codice_fiscale":
            message = _("nessun alunno dell'istituto ha il codice fiscale %(code)s")
        else:
            message = _("nessun alunno dell'istituto ha il nome utente %(code)s")
        check.add(message % {"code": written}, column)
    return student


def _example_refused(cell: Cell) -> str:
    code = codice_fiscale(cell)
    if code in EXAMPLE_CODES:
        raise BadValueError(_("è la riga di esempio del modello: cancellarla prima di importare"))
    return code


def row_day(check: RowCheck, today: datetime.date) -> datetime.date | None:
    """The row's day: a date, not in the future."""
    when = check.parse("data", date_value)
    if when is not None and when > today:
        check.add(_("il %(day)s è nel futuro") % {"day": day(when)}, "data")
        return None
    return when


def classroom_on(
    check: RowCheck, enrollments: Enrollments, student: Student, when: datetime.date
) -> Classroom | None:
    classroom = enrollments.classroom_on(student, when)
    if classroom is None:
        check.add(
            _("%(student)s il %(day)s non era iscritto in nessuna classe dell'istituto")
            % {"student": student.full_name, "day": day(when)},
            "data",
        )
    return classroom


def span(days: Iterable[datetime.date | None]) -> tuple[datetime.date, datetime.date] | None:
    known = [when for when in days if when is not None]
    return (min(known), max(known)) if known else None


class Calendar:
    """The school days of the institute's schools over a span (closures loaded once): the
    same rules as the register's (`school.selectors.school_days`, `register.services`)."""

    def __init__(self, institute_id: int, start: datetime.date, end: datetime.date) -> None:
        self._closures: dict[int | None, list[Closure]] = defaultdict(list)
        for closure in Closure.objects.filter(
            institute_id=institute_id, start_date__lte=end, end_date__gte=start
        ):
            self._closures[closure.school_id].append(closure)
        # Asked once per row: a big file has many rows of each classroom and day.
        self._refusals: dict[tuple[int, datetime.date], str] = {}

    def refusal(self, classroom: Classroom, when: datetime.date) -> str:
        """Why the register refuses that day for that classroom ("" if it is a school day)."""
        key = (classroom.pk, when)
        found = self._refusals.get(key)
        if found is None:
            found = self._refusals[key] = self._refusal(classroom, when)
        return found

    def _refusal(self, classroom: Classroom, when: datetime.date) -> str:
        year = classroom.school_year
        if not year.lessons_start <= when <= year.lessons_end:
            return _("Il %(day)s è fuori dal periodo delle lezioni.") % {"day": day(when)}
        if not self.is_school_day(classroom.school, when):
            return _(
                "Il %(day)s non è un giorno di lezione (festività, chiusura o giorno libero)."
            ) % {"day": day(when)}
        return ""

    def is_school_day(self, school: School, when: datetime.date) -> bool:
        if when.weekday() not in school.weekdays:
            return False
        closures = [*self._closures.get(None, []), *self._closures.get(school.pk, [])]
        return not any(c.start_date <= when <= c.end_date for c in closures)


class ClosedDays:
    """The days closed by a locked scrutinio (school.guard's periods) of some classrooms over a
    span, read once: a row that would write on one is refused on its line with the guard's own
    message. The services check again under lock when the rows are written."""

    def __init__(
        self, classrooms: Iterable[Classroom], start: datetime.date, end: datetime.date
    ) -> None:
        self._periods: dict[int, list[ClosedPeriod]] = defaultdict(list)
        for period in closed_periods_for([c.pk for c in classrooms], start, end):
            self._periods[period.classroom_id].append(period)
        self._refusals: dict[tuple[int, datetime.date], str] = {}  # once per classroom and day

    def refusal(self, classroom: Classroom, when: datetime.date) -> str:
        """The guard's message for a write of that day of that classroom ("" if open)."""
        key = (classroom.pk, when)
        found = self._refusals.get(key)
        if found is None:
            closed = refusal(self._periods.get(classroom.pk, []), when)
            found = self._refusals[key] = closed.message if closed is not None else ""
        return found
