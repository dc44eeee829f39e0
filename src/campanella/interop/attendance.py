"""Import of attendance events in the exchange format with the back-office (docs/interop-format.md):
absences (a whole day, or one lesson hour), late entries (short or not), early exits, each with
its justification if it has one.

An event is known by (student, day, kind, lesson hour). Against what the register holds:
- **new**: written by the register's own services (roll call, hour absences, late entry, early
  exit, then the justification submitted and accepted, saying who accepted it and when), the
  office recording them;
- **unchanged**: the register already has it, the same: nothing is written (importing the same
  file twice changes nothing the second time);
- **changed**: the register has it without a justification the file gives: the justification is
  added (never taken away: the register may know more than the back-office);
- **conflict**: the register holds something else, as teachers recorded it (another time, an
  absence where the file has a late entry, a justification by someone else or still waiting for
  the teacher): listed in the preview, never applied, no reason to refuse the other rows.
Rows that cannot be read, of unknown students or of days the register refuses (a holiday, the
future, a day closed by a locked scrutinio) are problems on their lines: nothing is imported.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from campanella.interop.lookup import Enrollments, StaffFinder, StudentFinder
from campanella.interop.models import ImportKind
from campanella.interop.plan import (
    CONFLICT,
    CREATED,
    UNCHANGED,
    UPDATED,
    Plan,
    RowCheck,
    RowOutcome,
    RowsRefused,
    first_seen,
    start_plan,
)
from campanella.interop.records import (
    Calendar,
    ClosedDays,
    check_student_columns,
    classroom_on,
    day,
    row_day,
    row_student,
    span,
)
from campanella.interop.service_writes import RowWrite, ServiceWrites, refusal
from campanella.interop.tabular import Cell, Problem, Sheet
from campanella.interop.values import (
    BadValueError,
    as_text,
    date_and_time,
    optional_time,
    yes_no,
)
from campanella.people.models import Staff, Student, User
from campanella.register.models import (
    Absence,
    EarlyExit,
    Justification,
    JustificationKind,
    JustificationStatus,
    LateEntry,
)
from campanella.register.services import (
    AttendanceWrite,
    JustificationGiven,
    attendance_day_apply,
    early_exit_record,
    hour_absences_save,
    justification_decide,
    justification_submit,
    late_entry_record,
    open_events,
    roll_call_save,
)
from campanella.school.models import Classroom, HourSlot

ABSENCE = "ASSENZA"
LATE = "RITARDO"
SHORT_LATE = "RITARDO_BREVE"
EXIT = "USCITA"
KINDS = {
    "ASSENZA": ABSENCE,
    "A": ABSENCE,
    "RITARDO": LATE,
    "R": LATE,
    "ENTRATA": LATE,
    "ENTRATA_POSTICIPATA": LATE,
    "RITARDO_BREVE": SHORT_LATE,
    "RB": SHORT_LATE,
    "USCITA": EXIT,
    "U": EXIT,
    "USCITA_ANTICIPATA": EXIT,
}
FAMILY = {
    ABSENCE: JustificationKind.ABSENCE,
    LATE: JustificationKind.LATE,
    SHORT_LATE: JustificationKind.LATE,
    EXIT: JustificationKind.EXIT,
}
REASONS: dict[str, Promise] = {
    "SALUTE": gettext_lazy("Motivi di salute"),
    "FAMIGLIA": gettext_lazy("Motivi di famiglia"),
    "TRASPORTO": gettext_lazy("Problemi di trasporto"),
    "SPORT": gettext_lazy("Attività sportiva"),
    "ALTRO": gettext_lazy("Altro motivo"),
}
REASON_ALIASES = {
    "HEALTH": "SALUTE",
    "FAMILY": "FAMIGLIA",
    "TRANSPORT": "TRASPORTO",
    "OTHER": "ALTRO",
}
REASON_LENGTH = 300
SETTLED = (JustificationStatus.PENDING, JustificationStatus.ACCEPTED)

Key = tuple[int, datetime.date, str, int | None]

# The messages of this module, translated once per plan: a file has 100,000 rows and each
# gettext call goes through the request's thread-local language (see `plan_attendance`).
_translated: dict[str, str] = {}


def _(message: str) -> str:
    found = _translated.get(message)
    if found is None:
        found = _translated[message] = gettext(message)
    return found


# --- reading a row ---------------------------------------------------------------------------


def event_kind(cell: Cell) -> str:
    value = "_".join(as_text(cell).upper().replace("-", " ").split())
    if value in KINDS:
        return KINDS[value]
    if not value:
        raise BadValueError(_("il tipo è obbligatorio: ASSENZA, RITARDO, RITARDO_BREVE o USCITA"))
    raise BadValueError(
        _("tipo sconosciuto «%(value)s»: usare ASSENZA, RITARDO, RITARDO_BREVE o USCITA")
        % {"value": as_text(cell)}
    )


def reason_code(cell: Cell) -> str:
    value = "_".join(as_text(cell).upper().split())
    value = REASON_ALIASES.get(value, value)
    if not value or value in REASONS:
        return value
    raise BadValueError(
        _("codice del motivo sconosciuto «%(value)s»: usare %(codes)s")
        % {"value": as_text(cell), "codes": ", ".join(REASONS)}
    )


def lesson_hour(cell: Cell) -> int | None:
    value = as_text(cell).rstrip("ªa°º").strip()
    if not value:
        return None
    if value.isdigit() and 0 < int(value) < 100:
        return int(value)
    raise BadValueError(
        _("ora di lezione non valida «%(value)s»: scrivere il numero dell'ora, es. 2")
        % {"value": as_text(cell)}
    )


@dataclass(frozen=True)
class Justified:
    at: datetime.datetime | None  # aware; None: when it is imported
    at_has_time: bool
    by: Staff | None  # None: the office importing
    reason: str


@dataclass(frozen=True)
class Event:
    line: int
    student: Student
    classroom: Classroom
    day: datetime.date
    kind: str
    time: datetime.time | None
    slot: HourSlot | None  # the hour of an hour absence; the hour a late entry or exit falls in
    justified: Justified | None

    @property
    def family(self) -> str:
        return FAMILY[self.kind]

    @property
    def key(self) -> Key:
        hour = self.slot.number if self.kind == ABSENCE and self.slot is not None else None
        return (self.student.pk, self.day, self.family, hour)

    @property
    def whole_day(self) -> bool:
        return self.kind == ABSENCE and self.slot is None


# --- what the register holds -----------------------------------------------------------------


class HeldJustification(NamedTuple):
    """What the plan reads of a justification in the register (plain values, not a model)."""

    status: str
    decided_at: datetime.datetime | None
    decided_by_id: int | None
    decided_by_username: str | None


class HeldAbsence(NamedTuple):
    justification: HeldJustification | None


class HeldTimed(NamedTuple):
    """A late entry (short or not) or an early exit in the register."""

    time: datetime.time
    short: bool
    justification: HeldJustification | None


@dataclass
class Held:
    """What the register holds for one student on one day (records not cancelled)."""

    day_absence: HeldAbsence | None = None
    hour_absences: dict[int, HeldAbsence] = field(default_factory=dict)
    late: HeldTimed | None = None
    exit: HeldTimed | None = None


# The columns of a held event's justification, after the event's own.
_JUSTIFICATION_COLUMNS = (
    "justification__status",
    "justification__decided_at",
    "justification__decided_by_id",
    "justification__decided_by__username",
)


def _justification(values: tuple[Any, ...]) -> HeldJustification | None:
    """The last four values of a held event's row (all None: no justification)."""
    status, decided_at, decided_by_id, username = values
    if status is None:
        return None
    return HeldJustification(status, decided_at, decided_by_id, username)


class AttendanceContext:
    """Everything the rows are compared with, loaded once for the file's students and days."""

    def __init__(
        self,
        institute_id: int,
        students: list[Student],
        start: datetime.date,
        end: datetime.date,
        enrollments: Enrollments | None = None,
    ) -> None:
        ids = sorted({student.pk for student in students})  # one per student, not per row
        if enrollments is None or not enrollments.start <= start <= end <= enrollments.end:
            enrollments = Enrollments(ids, start, end)
        self.enrollments = enrollments
        self.calendar = Calendar(institute_id, start, end)
        self.closed = ClosedDays(self.enrollments.classrooms(), start, end)
        self.slots: dict[int, list[HourSlot]] = defaultdict(list)
        for slot in HourSlot.objects.filter(school__institute_id=institute_id).order_by(
            "school_id", "start_time"
        ):
            self.slots[slot.school_id].append(slot)
        # The held records as plain values with the columns compared (model instances with
        # their justification, decider and hour were ~40 % of a plan: issue 15).
        self.held: dict[tuple[int, datetime.date], Held] = defaultdict(Held)
        in_span = {
            "student_id__in": ids,
            "date__gte": start,
            "date__lte": end,
            "cancelled_at__isnull": True,
        }
        absences = Absence.objects.filter(**in_span).values_list(
            "student_id", "date", "slot__number", *_JUSTIFICATION_COLUMNS
        )
        for student_id, when, number, *rest in absences:
            held = self.held[(student_id, when)]
            absence = HeldAbsence(_justification(tuple(rest)))
            if number is None:
                held.day_absence = absence
            else:
                held.hour_absences[number] = absence
        entries = LateEntry.objects.filter(**in_span).values_list(
            "student_id", "date", "time", "short", *_JUSTIFICATION_COLUMNS
        )
        for student_id, when, time, short, *rest in entries:
            self.held[(student_id, when)].late = HeldTimed(time, short, _justification(tuple(rest)))
        exits = EarlyExit.objects.filter(**in_span).values_list(
            "student_id", "date", "time", *_JUSTIFICATION_COLUMNS
        )
        for student_id, when, time, *rest in exits:
            self.held[(student_id, when)].exit = HeldTimed(time, False, _justification(tuple(rest)))
        # What `register.services._attach_announced` links a new event to: the family's
        # justifications given in advance, pending or accepted (latest start first).
        self.announced: dict[
            tuple[int, str], list[tuple[datetime.date, datetime.date, HeldJustification]]
        ] = defaultdict(list)
        announced = Justification.objects.filter(
            student_id__in=ids, start_date__lte=end, end_date__gte=start, status__in=SETTLED
        ).values_list(
            "student_id", "kind", "start_date", "end_date",
            "status", "decided_at", "decided_by_id", "decided_by__username",
        )  # fmt: skip
        for student_id, kind, first, last, *rest in announced:
            found = HeldJustification(*rest)
            self.announced[(student_id, kind)].append((first, last, found))

    def school_slots(self, classroom: Classroom) -> list[HourSlot]:
        return self.slots.get(classroom.school_id, [])

    def announcement(self, event: Event) -> HeldJustification | None:
        if event.kind == ABSENCE and event.slot is not None:
            return None  # hour absences are not linked to announcements
        return next(
            (
                found
                for first, last, found in self.announced.get((event.student.pk, event.family), [])
                if first <= event.day <= last
            ),
            None,
        )


# --- the plan --------------------------------------------------------------------------------


@dataclass
class Finders:
    """The institute's students and staff, loaded once for all the days of a big file."""

    students: StudentFinder
    staff: StaffFinder
    # The enrollments of every student of the institute over some days (a job's chunk of
    # days, planned a day at a time): loaded once for them.
    enrollments: Enrollments | None = None

    @classmethod
    def of(cls, institute_id: int) -> Finders:
        return cls(StudentFinder(institute_id), StaffFinder(institute_id))

    def load_enrollments(self, start: datetime.date, end: datetime.date) -> None:
        ids = [student.pk for student in self.students.by_code.values()]
        self.enrollments = Enrollments(ids, start, end)


def plan_attendance(
    sheet: Sheet,
    *,
    institute_id: int,
    today: datetime.date,
    user: User | None,
    bulk: bool = True,
    finders: Finders | None = None,
) -> Plan:
    """The rows against the register. Their writes go in bulk, a day at a time, through
    `register.services.attendance_day_apply` (`BulkWrites`); `bulk=False` writes them row by
    row through the register's single services instead (the same register, the same history:
    tests/interop/test_attendance_bulk.py compares them)."""
    _translated.clear()  # the language of this request
    plan, header = start_plan(ImportKind.ATTENDANCE, sheet)
    if header is None or not check_student_columns(plan, header.positions):
        return plan
    finders = finders or Finders.of(institute_id)
    finder, staff = finders.students, finders.staff
    width = len(sheet.header)
    firsts = []
    for row in sheet.rows:
        check = RowCheck(row, header, width)
        firsts.append((check, row_student(check, finder, plan), row_day(check, today)))
    days = span(when for _check, _student, when in firsts)
    students = [student for _check, student, _when in firsts if student is not None]
    ctx = AttendanceContext(institute_id, students, *days, finders.enrollments) if days else None
    writes: ServiceWrites | BulkWrites = BulkWrites(user, today) if bulk else ServiceWrites(user)
    in_file = FileEvents()
    for check, student, when in firsts:
        event = None
        if ctx is not None and student is not None and when is not None:
            event = _parse(check, ctx, staff, student, when, today)
        if event is not None:
            in_file.check(check, event)
        if event is None or check.messages:
            check.reject(plan, _label(event) if event else _raw_label(check))
            continue
        assert ctx is not None
        outcome = _outcome(check, ctx, event, writes, today)
        if outcome is None:
            check.reject(plan, _label(event))
            continue
        plan.rows.append(outcome)
    plan.writes = writes
    return plan


def _parse(
    check: RowCheck,
    ctx: AttendanceContext,
    staff: StaffFinder,
    student: Student,
    when: datetime.date,
    today: datetime.date,
) -> Event | None:
    kind = check.parse("tipo", event_kind)
    problems = len(check.messages)
    time = check.parse("ora", optional_time)
    time_unreadable = len(check.messages) > problems
    hour = check.parse("ora_lezione", lesson_hour)
    justified = _justified(check, staff, when, today)
    classroom = classroom_on(check, ctx.enrollments, student, when)
    if classroom is None or kind is None or time_unreadable or justified is UNREADABLE:
        return None
    refusal = ctx.calendar.refusal(classroom, when)
    if refusal:
        check.add(refusal, "data")
    slots = ctx.school_slots(classroom)
    slot = None
    if kind == ABSENCE:
        if time is not None:
            check.add(
                _(
                    "per un'assenza non si indica l'ora: lasciarla vuota (per l'assenza di una "
                    "sola ora di lezione usare «ora_lezione»)"
                ),
                "ora",
            )
        if hour is not None:
            slot = next((s for s in slots if s.number == hour), None)
            if slot is None:
                check.add(_no_such_hour(hour, slots), "ora_lezione")
    else:
        slot = _timed_slot(check, kind, time, hour, slots, classroom)
    if check.messages:
        return None
    assert not isinstance(justified, Unreadable)
    return Event(check.line, student, classroom, when, kind, time, slot, justified)


def _no_such_hour(hour: int, slots: list[HourSlot]) -> str:
    hours = ", ".join(str(s.number) for s in slots) or _("nessuna")
    return _("la scuola non ha la %(hour)sª ora di lezione (ore: %(hours)s)") % {
        "hour": hour,
        "hours": hours,
    }


def _slot_at(slots: list[HourSlot], moment: datetime.time) -> HourSlot:
    """`register.services._slot_at`: the hour a moment falls in (the last after the end)."""
    return next((slot for slot in slots if moment < slot.end_time), slots[-1])


def _timed_slot(
    check: RowCheck,
    kind: str,
    time: datetime.time | None,
    hour: int | None,
    slots: list[HourSlot],
    classroom: Classroom,
) -> HourSlot | None:
    """A late entry's or exit's time checked as the register checks it; the hour it falls in."""
    what = _("L'uscita") if kind == EXIT else _("L'entrata")
    if time is None:
        check.add(_("indicare l'ora di entrata o di uscita, hh:mm"), "ora")
        return None
    if not slots:
        check.add(_("La scuola non ha ancora l'orario delle lezioni."))
        return None
    if time < slots[0].start_time:
        check.add(
            _("%(what)s alle %(time)s è prima dell'inizio delle lezioni (%(start)s).")
            % {"what": what, "time": f"{time:%H:%M}", "start": f"{slots[0].start_time:%H:%M}"},
            "ora",
        )
        return None
    if time >= slots[-1].end_time:
        check.add(
            _("%(what)s alle %(time)s è dopo la fine delle lezioni (%(end)s).")
            % {"what": what, "time": f"{time:%H:%M}", "end": f"{slots[-1].end_time:%H:%M}"},
            "ora",
        )
        return None
    slot = _slot_at(slots, time)
    if hour is not None and hour != slot.number:
        check.add(
            _("alle %(time)s è la %(slot)sª ora di lezione, non la %(hour)sª")
            % {"time": f"{time:%H:%M}", "slot": slot.number, "hour": hour},
            "ora_lezione",
        )
    if kind in (LATE, SHORT_LATE):
        first = datetime.datetime.combine(datetime.date.min, slots[0].start_time)
        late_by = datetime.datetime.combine(datetime.date.min, time) - first
        minutes = late_by.total_seconds() / 60
        limit = classroom.school.institute.short_late_minutes
        short = minutes <= limit
        if short != (kind == SHORT_LATE):
            check.add(
                _(
                    "per l'istituto un'entrata alle %(time)s è %(what)s (breve fino a %(limit)s "
                    "minuti dall'inizio delle lezioni): scrivere %(kind)s"
                )
                % {
                    "time": f"{time:%H:%M}",
                    "what": _("un ritardo breve") if short else _("un ritardo, non breve"),
                    "limit": limit,
                    "kind": SHORT_LATE if short else LATE,
                },
                "tipo",
            )
    return slot


class Unreadable:
    """A justification whose cells cannot be read (their problems are on the row)."""


UNREADABLE = Unreadable()


def _justified(
    check: RowCheck, staff: StaffFinder, when: datetime.date, today: datetime.date
) -> Justified | Unreadable | None:
    """The row's justification: None if the event is not justified."""
    if all(_blank(check.cell(column)) for column in JUSTIFICATION_COLUMNS):
        return UNREADABLE if check.messages else None  # most rows: as the checks below say
    justified = check.parse("giustificata", yes_no)
    at = check.parse("giustificata_il", date_and_time)
    by_text = as_text(check.cell("giustificata_da"))
    by = check.parse("giustificata_da", lambda cell: staff.find(as_text(cell))) if by_text else None
    code = check.parse("motivo_codice", reason_code)
    certificate = check.parse("certificato", yes_no)
    if justified is None or code is None or certificate is None:
        return UNREADABLE
    if not justified:
        for column, given in (("giustificata_il", at), ("giustificata_da", by_text)):
            if given:
                check.add(
                    _("indicata solo per un evento giustificato («giustificata»: sì)"), column
                )
        return UNREADABLE if check.messages else None
    if (as_text(check.cell("giustificata_il")) and at is None) or (by_text and by is None):
        return UNREADABLE
    if by is not None and by.user_id is None:
        check.add(
            _("%(name)s non ha un accesso al registro: non può risultare chi ha giustificato")
            % {"name": by.full_name},
            "giustificata_da",
        )
    moment = None
    if at is not None:
        at_day, at_time = at
        if at_day < when:
            check.add(
                _("la giustificazione non può precedere il giorno dell'evento"), "giustificata_il"
            )
        elif at_day > today:
            check.add(_("il %(day)s è nel futuro") % {"day": day(at_day)}, "giustificata_il")
        moment = timezone.make_aware(datetime.datetime.combine(at_day, at_time or datetime.time()))
    reason = _reason(code, as_text(check.cell("motivo")), certificate)
    if len(reason) > REASON_LENGTH:
        check.add(
            _("il motivo è lungo al massimo %(n)s caratteri") % {"n": REASON_LENGTH}, "motivo"
        )
    if check.messages:
        return UNREADABLE
    return Justified(moment, at is not None and at[1] is not None, by, reason)


# The cells read when a row is not justified: all blank, the row has no justification.
JUSTIFICATION_COLUMNS = (
    "giustificata", "giustificata_il", "giustificata_da", "motivo_codice", "certificato",
)  # fmt: skip


def _blank(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def _reason(code: str, text: str, certificate: bool) -> str:
    parts = [str(REASONS[code])] if code else []
    if text:
        parts.append(text)
    reason = ": ".join(parts) or _("Giustificata in segreteria")
    if certificate:
        reason += " " + _("(con certificato medico)")
    return reason


class FileEvents:
    """The file's own contradictions: an event twice, a whole-day absence beside another event
    of that student that day, an entry after the exit."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.by_day: dict[tuple[int, datetime.date], list[Event]] = defaultdict(list)

    def check(self, check: RowCheck, event: Event) -> None:
        previous = first_seen(self.seen, str(event.key), check.line)
        if previous is not None:
            check.add(_("lo stesso evento compare già alla riga %(line)s") % {"line": previous})
            return
        others = self.by_day[(event.student.pk, event.day)]
        for other in others:
            if event.whole_day or other.whole_day:
                check.add(
                    _(
                        "contraddice la riga %(line)s: un alunno assente per l'intera giornata "
                        "non ha altri eventi quel giorno"
                    )
                    % {"line": other.line}
                )
            else:
                pair = (event, other)
                entry = next((e for e in pair if e.kind in (LATE, SHORT_LATE)), None)
                leaving = next((e for e in pair if e.kind == EXIT), None)
                if entry and leaving and entry.time and leaving.time:
                    if entry.time >= leaving.time:
                        check.add(
                            _("contraddice la riga %(line)s: l'entrata è dopo l'uscita")
                            % {"line": other.line}
                        )
        others.append(event)


# --- compared with the register --------------------------------------------------------------


def _held_event(event: Event, held: Held) -> HeldAbsence | HeldTimed | None:
    if event.whole_day:
        return held.day_absence
    if event.kind == ABSENCE:
        assert event.slot is not None
        return held.hour_absences.get(event.slot.number)
    if event.kind == EXIT:
        return held.exit
    return held.late


def _contradiction(event: Event, held: Held) -> str:
    """What the register holds that the event contradicts, as teachers recorded it."""
    if held.day_absence is None and held.late is None and held.exit is None:
        if not (event.whole_day and held.hour_absences):
            return ""  # nothing to contradict (most rows)

    def entered(when: datetime.time) -> str:
        return _("nel registro l'alunno è entrato alle %(time)s") % {"time": f"{when:%H:%M}"}

    def left(when: datetime.time) -> str:
        return _("nel registro l'alunno è uscito alle %(time)s") % {"time": f"{when:%H:%M}"}

    if event.whole_day:
        if held.late is not None:
            return entered(held.late.time)
        if held.exit is not None:
            return left(held.exit.time)
        if held.hour_absences:
            hours = ", ".join(f"{n}ª" for n in sorted(held.hour_absences))
            return _("nel registro l'alunno ha assenze orarie quel giorno (%(hours)s ora)") % {
                "hours": hours
            }
        return ""
    if held.day_absence is not None:
        return _("nel registro l'alunno è assente per l'intera giornata")
    assert event.time is not None or event.kind == ABSENCE
    if event.kind in (LATE, SHORT_LATE):
        assert event.time is not None
        if held.late is not None and held.late.time != event.time:
            return entered(held.late.time)
        if held.late is not None and held.late.short != (event.kind == SHORT_LATE):
            return (
                _("nel registro è un ritardo breve")
                if held.late.short
                else _("nel registro è un ritardo non breve")
            )
        if held.exit is not None and held.exit.time <= event.time:
            return left(held.exit.time)
    if event.kind == EXIT:
        assert event.time is not None
        if held.exit is not None and held.exit.time != event.time:
            return left(held.exit.time)
        if held.late is not None and held.late.time >= event.time:
            return entered(held.late.time)
    return ""


def _justification_conflict(wanted: Justified, current: HeldJustification) -> str:
    if current.status == JustificationStatus.PENDING:
        return _(
            "nel registro c'è una giustificazione della famiglia in attesa di convalida: la "
            "convalida (o la respinge) un docente della classe"
        )
    decided = timezone.localtime(current.decided_at) if current.decided_at else None
    differs = wanted.by is not None and wanted.by.user_id != current.decided_by_id
    if wanted.at is not None and decided is not None:
        at = timezone.localtime(wanted.at)
        if at.date() != decided.date() or (
            wanted.at_has_time and at.strftime("%H:%M") != decided.strftime("%H:%M")
        ):
            differs = True
    if not differs:
        return ""
    who = current.decided_by_username or "—"
    return _("nel registro è giustificata il %(when)s da %(who)s") % {
        "when": decided.strftime("%d/%m/%Y %H:%M") if decided else "—",
        "who": who,
    }


def _outcome(
    check: RowCheck,
    ctx: AttendanceContext,
    event: Event,
    writes: ServiceWrites | BulkWrites,
    today: datetime.date,
) -> RowOutcome | None:
    """The row against the register; None if it would write on a closed day (its problem is
    on the row)."""
    label = _label(event)
    held = ctx.held[(event.student.pk, event.day)]
    contradiction = _contradiction(event, held)
    if contradiction:
        return RowOutcome(check.line, CONFLICT, label, [contradiction])
    existing = _held_event(event, held)
    current = existing.justification if existing is not None else ctx.announcement(event)
    if current is not None and current.status not in SETTLED:
        current = None
    justify = False
    if event.justified is not None:
        if current is None:
            justify = True
        else:
            conflict = _justification_conflict(event.justified, current)
            if conflict:
                return RowOutcome(check.line, CONFLICT, label, [conflict])
    if existing is not None and not justify:
        return RowOutcome(check.line, UNCHANGED, label, [_("già nel registro")])
    closed = ctx.closed.refusal(event.classroom, event.day)
    if closed:
        check.add(closed, "data")
        return None
    if isinstance(writes, BulkWrites):
        writes.add_event(check.line, event, create=existing is None, justify=justify)
    else:
        writes.add(
            check.line, _writer(event, create=existing is None, justify=justify, today=today)
        )
    if existing is not None:
        return RowOutcome(check.line, UPDATED, label, [_("giustificazione da registrare")])
    return RowOutcome(check.line, CREATED, label, [_("con la giustificazione")] if justify else [])


# --- the writes ------------------------------------------------------------------------------


@dataclass
class BulkWrites:
    """The rows to write, a day at a time, by `attendance_day_apply` as the office `user`
    (None: nobody can write). Each day in a savepoint: a refused day is reported on its lines
    and does not hide the refusals of the next days; RowsRefused if any was (the caller's
    transaction must then be rolled back)."""

    user: User | None
    today: datetime.date
    days: dict[datetime.date, list[tuple[int, AttendanceWrite]]] = field(default_factory=dict)

    def add_event(self, line: int, event: Event, *, create: bool, justify: bool) -> None:
        given = None
        if justify:
            justified = event.justified
            assert justified is not None
            given = JustificationGiven(
                reason=justified.reason,
                decided_by=justified.by.user if justified.by is not None else None,
                decided_at=justified.at,
            )
        write = AttendanceWrite(
            student_id=event.student.pk,
            classroom_id=event.classroom.pk,
            kind=event.family,
            slot_id=event.slot.pk if event.kind == ABSENCE and event.slot is not None else None,
            time=event.time,
            create=create,
            justify=given,
        )
        self.days.setdefault(event.day, []).append((line, write))

    def __len__(self) -> int:
        return sum(len(writes) for writes in self.days.values())

    def apply(self) -> dict[str, int]:
        if self.user is None:
            raise RowsRefused([Problem(None, _("Solo la segreteria può importare questi dati."))])
        written: Counter[str] = Counter()
        problems: list[Problem] = []
        for when, lines_writes in sorted(self.days.items()):
            try:
                with transaction.atomic():
                    written.update(
                        attendance_day_apply(
                            user=self.user,
                            day=when,
                            writes=[write for _line, write in lines_writes],
                            today=self.today,
                        )
                    )
            except Exception as error:
                message = refusal(error)
                if message is None:
                    raise
                problems.extend(Problem(line, message) for line, _write in lines_writes)
        if problems:
            raise RowsRefused(problems)
        return dict(written)


def _writer(event: Event, *, create: bool, justify: bool, today: datetime.date) -> RowWrite:
    def write(user: User) -> dict[str, int]:
        written: dict[str, int] = {}
        if create:
            written[_record(event, user, today)] = 1
        # One justification covers the student's open events of that kind that day: a row
        # before this one may have covered this event already.
        if justify and open_events(event.student, event.family, event.day, event.day).exists():
            _justify(event, user, today)
            written["justifications_created"] = 1
        return written

    return write


def _record(event: Event, user: User, today: datetime.date) -> str:
    student, classroom, when = event.student, event.classroom, event.day
    if event.whole_day:
        roll_call_save(
            user=user, classroom=classroom, day=when, absent_ids=[student.pk], today=today,
            as_office=True, withdraw=False,
        )  # fmt: skip
        return "absences_created"
    if event.kind == ABSENCE:
        assert event.slot is not None
        hour_absences_save(
            user=user, classroom=classroom, day=when, slot=event.slot, absent_ids=[student.pk],
            today=today, as_office=True, withdraw=False,
        )  # fmt: skip
        return "absences_created"
    assert event.time is not None
    if event.kind == EXIT:
        early_exit_record(
            user=user, classroom=classroom, student=student, day=when, time=event.time,
            today=today, as_office=True,
        )  # fmt: skip
        return "early_exits_created"
    late_entry_record(
        user=user, classroom=classroom, student=student, day=when, time=event.time,
        today=today, as_office=True,
    )  # fmt: skip
    return "late_entries_created"


def _justify(event: Event, user: User, today: datetime.date) -> None:
    justified = event.justified
    assert justified is not None
    justification = justification_submit(
        user=user, student=event.student, kind=event.family, start=event.day,
        reason=justified.reason, today=today, as_office=True,
    )  # fmt: skip
    decider = justified.by.user if justified.by is not None else None
    justification_decide(
        user=user, justification=justification, accept=True, day=event.day, as_office=True,
        decided_by=decider, decided_at=justified.at,
    )  # fmt: skip


# --- labels ----------------------------------------------------------------------------------


def _what(event: Event) -> str:
    if event.whole_day:
        return _("assenza")
    if event.kind == ABSENCE:
        assert event.slot is not None
        return _("assenza alla %(hour)sª ora") % {"hour": event.slot.number}
    time = f"{event.time:%H:%M}" if event.time else ""
    if event.kind == EXIT:
        return _("uscita alle %(time)s") % {"time": time}
    if event.kind == SHORT_LATE:
        return _("ritardo breve alle %(time)s") % {"time": time}
    return _("ritardo alle %(time)s") % {"time": time}


def _label(event: Event) -> str:
    parts = [event.student.full_name, event.classroom.name, day(event.day), _what(event)]
    if event.justified is not None:
        parts.append(_("giustificata"))
    return " – ".join(parts)


def _raw_label(check: RowCheck) -> str:
    columns = ("codice_fiscale", "codice_alunno", "data", "tipo", "ora")
    parts = [as_text(check.cell(column)) for column in columns]
    return " – ".join(part for part in parts if part) or _("(riga vuota)")
