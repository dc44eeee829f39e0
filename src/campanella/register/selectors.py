"""Reads of the class register, each in a fixed number of queries whatever the data size.

Callers scope first (people.selectors: classrooms_for_user / students_for_user); these functions
then read what belongs to that classroom or student.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    F,
    PositiveSmallIntegerField,
    Prefetch,
    Q,
    QuerySet,
    TimeField,
    Value,
)

from campanella.orm.compiled import Compiled
from campanella.people.models import Staff, Student
from campanella.people.selectors import enrolled_students
from campanella.register.models import (
    Absence,
    AgendaItem,
    Annotation,
    AttendanceWaiver,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    JustificationStatus,
    LateEntry,
    Lesson,
    Signature,
)
from campanella.school.models import Classroom, HourSlot, SchoolYear, Teaching, TimetableEntry
from campanella.school.selectors import school_days

LIMIT_SHARE = 0.25  # DPR 122/2009 art. 14: at least three quarters of the annual timetable


def active(queryset: QuerySet) -> QuerySet:
    return queryset.filter(cancelled_at__isnull=True)


@dataclass
class StudentDay:
    student: Student
    absent: Absence | None = None
    late: LateEntry | None = None
    exit: EarlyExit | None = None


@dataclass
class HourRow:
    slot: HourSlot
    planned_subject: str
    lesson: Lesson | None
    planned_subject_id: int | None = None


@dataclass
class ClassDay:
    classroom: Classroom
    day: datetime.date
    hours: list[HourRow]
    students: list[StudentDay]
    pending: list[Justification]
    agenda: list[AgendaItem]
    notes: list[DisciplinaryNote]


@dataclass
class TeacherHours:
    """The hours of a class's day as one teacher meets them: theirs marked, one brought first."""

    own_slot_ids: set[int]
    focus: HourRow | None  # the teacher's current or next hour, shown first and open
    focus_state: str  # "now", "next" or "" (another day, or the day's hours are over)
    others: list[HourRow]  # every other hour, folded


def teacher_hours(page: ClassDay, staff: Staff | None, now: datetime.datetime) -> TeacherHours:
    """One query: the teacher's subjects in the classroom. An hour is theirs when its planned
    subject is one they teach there (co-teaching included) or when they signed its lesson
    (support, substitution). `now` is local time."""
    if staff is None:
        return TeacherHours(set(), None, "", list(page.hours))
    subjects = set(
        Teaching.objects.filter(teacher=staff, classroom=page.classroom).values_list(
            "subject_id", flat=True
        )
    )
    own = [
        row for row in page.hours if row.planned_subject_id in subjects or has_signed(row, staff)
    ]
    focus, state = focus_hour(own, staff, page.day, now)
    others = [row for row in page.hours if row is not focus]
    return TeacherHours({row.slot.pk for row in own}, focus, state, others)


def has_signed(row: HourRow, staff: Staff) -> bool:
    return row.lesson is not None and any(
        signature.teacher_id == staff.pk for signature in row.lesson.signatures.all()
    )


def focus_hour(
    own: list[HourRow], staff: Staff, day: datetime.date, now: datetime.datetime
) -> tuple[HourRow | None, str]:
    """Today: the hour under way, else the next one. Otherwise (another day, or today's hours
    are over): the first hour still to sign, else the first."""
    if not own:
        return None, ""
    if day == now.date():
        for row in own:
            if now.time() < row.slot.start_time:
                return row, "next"
            if now.time() < row.slot.end_time:
                return row, "now"
    unsigned = [row for row in own if not has_signed(row, staff)]
    return (unsigned or own)[0], ""


def class_day(classroom: Classroom, day: datetime.date) -> ClassDay:
    """The register page of one classroom and day."""
    slots = list(HourSlot.objects.filter(school_id=classroom.school_id).order_by("number"))
    planned = {
        e.slot_id: e.subject
        for e in TimetableEntry.objects.filter(
            classroom=classroom, weekday=day.weekday()
        ).select_related("subject")
    }
    lessons = {
        lesson.slot_id: lesson
        for lesson in Lesson.objects.filter(classroom=classroom, date=day)
        .select_related("subject")
        .prefetch_related(
            Prefetch("signatures", queryset=active(Signature.objects.select_related("teacher")))
        )
    }
    hours = [
        HourRow(
            slot=slot,
            planned_subject=planned[slot.pk].name if slot.pk in planned else "",
            lesson=lessons.get(slot.pk),
            planned_subject_id=planned[slot.pk].pk if slot.pk in planned else None,
        )
        for slot in slots
        if slot.pk in planned or slot.pk in lessons
    ]
    students = {s.pk: StudentDay(student=s) for s in enrolled_students(classroom, day)}
    for absence in active(Absence.objects.filter(classroom=classroom, date=day, slot__isnull=True)):
        if absence.student_id in students:
            students[absence.student_id].absent = absence
    for late in active(LateEntry.objects.filter(classroom=classroom, date=day)):
        if late.student_id in students:
            students[late.student_id].late = late
    for exit_ in active(EarlyExit.objects.filter(classroom=classroom, date=day)):
        if exit_.student_id in students:
            students[exit_.student_id].exit = exit_
    pending = list(
        Justification.objects.filter(student_id__in=students, status=JustificationStatus.PENDING)
        .select_related("student")
        .order_by("start_date")
    )
    agenda = list(
        active(
            AgendaItem.objects.filter(
                classroom=classroom, date__gte=day, date__lte=day + datetime.timedelta(days=14)
            )
        )
        .select_related("subject")
        .order_by("date")
    )
    notes = list(
        active(DisciplinaryNote.objects.filter(classroom=classroom, date=day)).prefetch_related(
            "students"
        )
    )
    return ClassDay(classroom, day, hours, list(students.values()), pending, agenda, notes)


# --- attendance counts -----------------------------------------------------------------------


def weekly_hours(classroom_id: int) -> dict[int, list[TimetableEntry]]:
    by_day: dict[int, list[TimetableEntry]] = defaultdict(list)
    for entry in TimetableEntry.objects.filter(classroom_id=classroom_id).select_related(
        "slot", "subject"
    ):
        by_day[entry.weekday].append(entry)
    return by_day


def missed_entries(
    entries: list[TimetableEntry],
    *,
    late: datetime.time | None,
    exit_: datetime.time | None,
    grace: int,
) -> list[TimetableEntry]:
    """Hours missed on a day with a late entry and/or an early exit.

    An hour counts as missed when the student arrived more than `grace` minutes after it began,
    or left more than `grace` minutes before it ended (the school's "ritardo breve").
    """
    missed = []
    for entry in entries:
        start = datetime.datetime.combine(datetime.date.min, entry.slot.start_time)
        end = datetime.datetime.combine(datetime.date.min, entry.slot.end_time)
        grace_delta = datetime.timedelta(minutes=grace)
        if (
            late is not None
            and datetime.datetime.combine(datetime.date.min, late) > start + grace_delta
        ) or (
            exit_ is not None
            and datetime.datetime.combine(datetime.date.min, exit_) < end - grace_delta
        ):
            missed.append(entry)
    return missed


@dataclass
class AttendanceSummary:
    student: Student
    annual_hours: int
    absent_hours: int
    waived_hours: int
    by_subject: dict[str, int] = field(default_factory=dict)

    @property
    def counted_hours(self) -> int:
        return max(0, self.absent_hours - self.waived_hours)

    @property
    def share(self) -> float:
        return self.counted_hours / self.annual_hours if self.annual_hours else 0.0

    @property
    def limit_hours(self) -> int:
        return int(self.annual_hours * LIMIT_SHARE)

    @property
    def over_limit(self) -> bool:
        return self.counted_hours > self.limit_hours

    @property
    def near_limit(self) -> bool:
        return not self.over_limit and self.share >= LIMIT_SHARE * 0.8


def annual_hours(
    classroom: Classroom, year: SchoolYear, by_day: dict[int, list[TimetableEntry]]
) -> int:
    days = school_days(classroom.school, year.lessons_start, year.lessons_end)
    return sum(len(by_day.get(day.weekday(), [])) for day in days)


def attendance_summaries(
    classroom: Classroom, until: datetime.date | None = None
) -> list[AttendanceSummary]:
    """Absence hours per student and subject, against the annual timetable and the 25% limit."""
    year = classroom.school_year
    until = until or year.lessons_end
    by_day = weekly_hours(classroom.pk)
    total = annual_hours(classroom, year, by_day)
    grace = classroom.school.institute.short_late_minutes
    students = list(enrolled_students(classroom, min(until, year.lessons_end)))
    summaries = {
        s.pk: AttendanceSummary(student=s, annual_hours=total, absent_hours=0, waived_hours=0)
        for s in students
    }
    span = Q(date__gte=year.lessons_start, date__lte=until)
    for absence in active(Absence.objects.filter(span, student_id__in=summaries)).select_related(
        "slot"
    ):
        entries = by_day.get(absence.date.weekday(), [])
        hit = (
            entries
            if absence.slot_id is None
            else [e for e in entries if e.slot_id == absence.slot_id]
        )
        _add(summaries[absence.student_id], hit)
    lates = {
        (x.student_id, x.date): x.time
        for x in active(LateEntry.objects.filter(span, student_id__in=summaries))
    }
    exits = {
        (x.student_id, x.date): x.time
        for x in active(EarlyExit.objects.filter(span, student_id__in=summaries))
    }
    for key in set(lates) | set(exits):
        student_id, day = key
        entries = by_day.get(day.weekday(), [])
        _add(
            summaries[student_id],
            missed_entries(entries, late=lates.get(key), exit_=exits.get(key), grace=grace),
        )
    for waiver in active(
        AttendanceWaiver.objects.filter(student_id__in=summaries, school_year=year)
    ):
        summaries[waiver.student_id].waived_hours += waiver.hours
    return sorted(summaries.values(), key=lambda s: (-s.share, s.student.surname))


def _add(summary: AttendanceSummary, entries: list[TimetableEntry]) -> None:
    summary.absent_hours += len(entries)
    for entry in entries:
        summary.by_subject[entry.subject.name] = summary.by_subject.get(entry.subject.name, 0) + 1


def unjustified(
    classroom: Classroom, *, older_than_days: int, today: datetime.date
) -> list[Absence | LateEntry | EarlyExit]:
    """Events still without an accepted justification after N days (for the coordinator)."""
    cutoff = today - datetime.timedelta(days=older_than_days)
    found: list[Absence | LateEntry | EarlyExit] = []
    unjustified_q = Q(justification__isnull=True) | ~Q(
        justification__status=JustificationStatus.ACCEPTED
    )
    for model in (Absence, LateEntry, EarlyExit):
        rows = active(model.objects.filter(classroom=classroom, date__lte=cutoff)).filter(
            unjustified_q
        )
        if model is LateEntry:
            rows = rows.filter(short=False)
        found += list(rows.select_related("student"))
    return sorted(found, key=lambda e: (e.date, e.student.surname))


# --- the family's view -----------------------------------------------------------------------


@dataclass(frozen=True)
class LessonLine:
    """A lesson as families read it: no model objects, a term of lessons is a few hundred."""

    date: datetime.date
    hour: int
    subject: str
    topic: str
    teachers: tuple[tuple[str, str], ...]  # (full name, signature kind), signatures in force


@dataclass(frozen=True)
class EventJustification:
    """Where an event's justification stands, as the family page shows it."""

    status: str

    def get_status_display(self) -> str:
        return str(JustificationStatus(self.status).label)


@dataclass(frozen=True)
class FamilyEvent:
    """An absence, late entry or early exit as families read it: the three come in one query
    of plain values."""

    kind: str  # EVENT_ABSENCE, EVENT_LATE or EVENT_EXIT
    pk: int
    date: datetime.date
    time: datetime.time | None  # of the entry or exit; None for an absence
    hour: int | None  # the hour of an hourly absence; None for a whole day or another event
    short: bool  # a short late entry (ritardo breve)
    justification: EventJustification | None  # None: to justify


EVENT_ABSENCE, EVENT_LATE, EVENT_EXIT = "assenza", "ritardo", "uscita"


@dataclass
class FamilyRegister:
    lessons: list[LessonLine]
    absences: list[FamilyEvent]
    lates: list[FamilyEvent]
    exits: list[FamilyEvent]
    justifications: list[Justification]
    notes: list[DisciplinaryNote]
    annotations: list[Annotation]
    agenda: list[AgendaItem]


# The family register is the page families open most: its queries are compiled once per
# process (campanella.orm.compiled), each taking the classroom or student id and the days.
Day = datetime.date

_lessons = Compiled(
    lambda classroom_id, since, until: (
        Lesson.objects.filter(classroom_id=classroom_id, date__gte=since, date__lte=until)
        .order_by("-date", "slot__number")
        .values_list("pk", "date", "slot__number", "subject__name", "topic")
    ),
    int, Day, Day,
)  # fmt: skip
_signatures = Compiled(
    lambda classroom_id, since, until: (
        active(Signature.objects.filter(lesson__classroom_id=classroom_id))
        .filter(lesson__date__gte=since, lesson__date__lte=until)
        .order_by("signed_at", "pk")
        .values_list("lesson_id", "teacher__surname", "teacher__name", "kind")
    ),
    int, Day, Day,
)  # fmt: skip


def _events_of(model: type[Absence | LateEntry | EarlyExit], kind: str, student_id: int,
               since: Day, until: Day) -> QuerySet[Any]:  # fmt: skip
    """One kind of a student's attendance events as plain values, in the columns the three
    kinds share (what a kind does not have is NULL, or false)."""
    rows = active(model.objects.filter(student_id=student_id, date__gte=since, date__lte=until))
    return rows.annotate(
        event_kind=Value(kind, output_field=CharField()),
        event_time=Value(None, output_field=TimeField()) if model is Absence else F("time"),
        event_hour=F("slot__number") if model is Absence
        else Value(None, output_field=PositiveSmallIntegerField()),
        event_short=F("short") if model is LateEntry else Value(False, output_field=BooleanField()),
    ).values_list(
        "event_kind", "pk", "date", "event_time", "event_hour", "event_short",
        "justification__status",
    )  # fmt: skip


_events = Compiled(
    lambda student_id, since, until: (
        _events_of(Absence, EVENT_ABSENCE, student_id, since, until)
        .union(
            _events_of(LateEntry, EVENT_LATE, student_id, since, until),
            _events_of(EarlyExit, EVENT_EXIT, student_id, since, until),
            all=True,
        )
        .order_by("-date", "event_kind", "pk")
    ),
    int, Day, Day,
)  # fmt: skip
_justifications = Compiled(
    lambda student_id: Justification.objects.filter(student_id=student_id).order_by("-start_date")[
        :50
    ],
    int,
)
_notes = Compiled(
    lambda classroom_id, student_id, since, until: (
        active(DisciplinaryNote.objects.filter(classroom_id=classroom_id))
        .filter(date__gte=since, date__lte=until)
        .filter(Q(students__id=student_id) | Q(students__isnull=True))
        .select_related("recorded_by__staff_profile")
        .distinct()
        .order_by("-date")
    ),
    int, int, Day, Day,
)  # fmt: skip
_annotations = Compiled(
    lambda classroom_id, student_id, since, until: (
        active(Annotation.objects.filter(classroom_id=classroom_id, visible_to_family=True))
        .filter(date__gte=since, date__lte=until)
        .filter(Q(student_id=student_id) | Q(student__isnull=True))
        .select_related("recorded_by__staff_profile")
        .order_by("-date")
    ),
    int, int, Day, Day,
)  # fmt: skip
_agenda = Compiled(
    lambda classroom_id, since: (
        active(AgendaItem.objects.filter(classroom_id=classroom_id, date__gte=since))
        .select_related("subject")
        .order_by("date")
    ),
    int, Day,
)  # fmt: skip


def lesson_lines(classroom_id: int, *, since: Day, until: Day) -> list[LessonLine]:
    """The classroom's lessons between two days, newest first, with who signed them: two
    queries of plain values whatever the number of lessons."""
    names: dict[tuple[str, str], str] = {}  # a classroom has a dozen teachers
    teachers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for lesson_id, surname, name, kind in _signatures(classroom_id, since, until):
        full = names.get((surname, name))
        if full is None:
            full = names[surname, name] = Staff(surname=surname, name=name).full_name
        teachers[lesson_id].append((full, kind))
    return [
        LessonLine(date=day, hour=hour, subject=subject, topic=topic,
                   teachers=tuple(teachers.get(pk, ())))
        for pk, day, hour, subject, topic in _lessons(classroom_id, since, until)
    ]  # fmt: skip


def family_register(
    student: Student, classroom: Classroom, *, since: Day, until: Day
) -> FamilyRegister:
    """The last days of a student's register as the family reads it, in seven queries."""
    events: dict[str, list[FamilyEvent]] = {EVENT_ABSENCE: [], EVENT_LATE: [], EVENT_EXIT: []}
    for kind, pk, day, time, hour, short, status in _events(student.pk, since, until):
        justification = None if status is None else EventJustification(status)
        events[kind].append(FamilyEvent(kind, pk, day, time, hour, bool(short), justification))
    return FamilyRegister(
        lessons=lesson_lines(classroom.pk, since=since, until=until),
        absences=events[EVENT_ABSENCE],
        lates=events[EVENT_LATE],
        exits=events[EVENT_EXIT],
        justifications=list(_justifications(student.pk)),
        notes=list(_notes(classroom.pk, student.pk, since, until)),
        annotations=list(_annotations(classroom.pk, student.pk, since, until)),
        agenda=list(_agenda(classroom.pk, until - datetime.timedelta(days=7))),
    )


def recent_notes(classroom: Classroom, limit: int = 30) -> list[DisciplinaryNote]:
    return list(
        active(DisciplinaryNote.objects.filter(classroom=classroom))
        .select_related("recorded_by")
        .prefetch_related("students")
        .order_by("-date", "-recorded_at")[:limit]
    )
