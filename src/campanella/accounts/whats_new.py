"""What the home calls new since the last visit, per role, in a fixed number of queries.

The previous visit is kept per login (`HomeVisit`): a visit is a run of home views less than
VISIT_GAP apart, so reloading the home keeps the same news; the row is written at most once
every RESOLUTION (a home view is otherwise a read). A first visit looks back FIRST_LOOK_BACK.

- a family, per child: absences, late entries and early exits still to justify (none sent, or
  the one sent rejected or withdrawn), new grades (recorded, or shown to families, since), new
  disciplinary notes, and agenda items (homework, tests) added since;
- a student: the same for themselves;
- a teacher: the justifications waiting for a decision in the classrooms they teach or
  coordinate (new ones marked);
- the office: logins locked now (to unlock) and justifications still waiting after a week.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value

from campanella.accounts.models import HomeVisit
from campanella.accounts.security import locked_usernames
from campanella.grades.models import Grade
from campanella.grades.selectors import active_grades, shown, visible_to_family
from campanella.orm.compiled import Compiled
from campanella.people.models import Enrollment
from campanella.people.selectors import active_enrollments_on
from campanella.register.models import (
    Absence,
    AgendaItem,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    JustificationStatus,
    LateEntry,
)
from campanella.register.selectors import active
from campanella.school.models import Classroom

VISIT_GAP = datetime.timedelta(minutes=30)
RESOLUTION = datetime.timedelta(minutes=5)
FIRST_LOOK_BACK = datetime.timedelta(days=7)
SHOWN_PER_CHILD = 5
SHOWN_TO_TEACHER = 10
OFFICE_STALE = datetime.timedelta(days=7)


# --- the visit --------------------------------------------------------------------------------


# Read on every home view: compiled once per process (campanella.orm.compiled).
_visit = Compiled(lambda user_id: HomeVisit.objects.filter(user_id=user_id).order_by("pk")[:1], int)


def home_visit_record(user: Any, now: datetime.datetime) -> tuple[datetime.datetime, bool]:
    """Note this home view; returns since when things are new and whether it is the first
    visit. Always two statements, the same for a first visit and a later one: the read, then
    an insert or an update that touches the row only when it is due (two tabs at once: each
    update names the value it read, one of them wins; a second insert is ignored)."""
    visit = next(iter(_visit(int(user.pk))), None)
    if visit is None:
        since = now - FIRST_LOOK_BACK
        HomeVisit.objects.bulk_create(
            [HomeVisit(user_id=user.pk, last_seen_at=now, since=since)], ignore_conflicts=True
        )
        return since, True
    same_row = HomeVisit.objects.filter(user_id=user.pk, last_seen_at=visit.last_seen_at)
    if now - visit.last_seen_at > VISIT_GAP:
        same_row.update(since=visit.last_seen_at, last_seen_at=now)
        return visit.last_seen_at, False
    # Within a visit: moved on at most once every RESOLUTION (no row matches otherwise).
    same_row.filter(last_seen_at__lt=now - RESOLUTION).update(last_seen_at=now)
    return visit.since, False


# --- what is new --------------------------------------------------------------------------------


@dataclass
class ChildNews:
    to_justify: list[tuple[str, datetime.date]] = field(default_factory=list)  # (kind, day)
    grades: list[tuple[str, str, datetime.date]] = field(default_factory=list)
    notes: list[tuple[datetime.date, str]] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.to_justify or self.grades or self.notes or self.agenda)


@dataclass
class PendingJustification:
    justification: Justification
    classroom: Classroom
    is_new: bool


@dataclass
class TeacherNews:
    pending: list[PendingJustification]
    more: bool  # more are waiting than the home lists


@dataclass
class OfficeNews:
    locked: list[str]
    stale_justifications: int


@dataclass
class WhatsNew:
    since: datetime.datetime
    first_visit: bool
    children: dict[int, ChildNews] = field(default_factory=dict)
    teacher: TeacherNews | None = None
    office: OfficeNews | None = None


ABSENCE, LATE, EXIT = "assenza", "ritardo", "uscita"
TO_JUSTIFY = Q(justification__isnull=True) | Q(
    justification__status__in=[JustificationStatus.REJECTED, JustificationStatus.WITHDRAWN]
)


# The family's news are asked on every home view of a family: their queries are compiled once
# per process (campanella.orm.compiled) for each number of children (and of their classrooms),
# as the home's own queries are (accounts.selectors); building them cost more than running them.
Day = datetime.date
Moment = datetime.datetime


def _justify_rows(model: Any, kind: str, first: Day, today: Day, ids: tuple[int, ...]) -> Any:
    found = active(
        model.objects.filter(student_id__in=ids, date__gte=first, date__lte=today)
    ).filter(TO_JUSTIFY)
    if model is LateEntry:
        found = found.filter(short=False)  # a short delay needs no justification
    return found.annotate(kind=Value(kind)).values_list("student_id", "kind", "date")


@cache
def _to_justify(children: int) -> Compiled[QuerySet[Any]]:
    def build(first: Day, today: Day, *ids: int) -> QuerySet[Any]:
        return _justify_rows(Absence, ABSENCE, first, today, ids).union(
            _justify_rows(LateEntry, LATE, first, today, ids),
            _justify_rows(EarlyExit, EXIT, first, today, ids),
        )

    return Compiled(build, Day, Day, *(int,) * children)


def to_justify(
    student_ids: list[int], first: datetime.date, today: datetime.date
) -> dict[int, list[tuple[str, datetime.date]]]:
    """Attendance events without a justification in force, per student, newest first: one
    query (a day absent hour by hour counts once)."""
    union = _to_justify(len(student_ids))(first, today, *student_ids)
    found: dict[int, list[tuple[str, datetime.date]]] = defaultdict(list)
    for student_id, kind, day in sorted(union, key=lambda row: row[2], reverse=True):
        if (kind, day) not in found[student_id]:
            found[student_id].append((kind, day))
    return found


@cache
def _new_grades(children: int) -> Compiled[QuerySet[Grade]]:
    def build(since: Moment, since_day: Day, today: Day, *ids: int) -> QuerySet[Grade]:
        fresh = Q(recorded_at__gt=since) | Q(visible_from__gt=since_day, visible_from__lte=today)
        return (
            visible_to_family(active_grades().filter(student_id__in=ids), today)
            .filter(fresh)
            .select_related("subject")
            .order_by("-recorded_at", "-pk")[: SHOWN_PER_CHILD * len(ids) * 4]
        )

    return Compiled(build, Moment, Day, Day, *(int,) * children)


def new_grades(
    student_ids: list[int], since: datetime.datetime, today: datetime.date
) -> dict[int, list[tuple[str, str, datetime.date]]]:
    """Grades recorded since, or hidden until a day after `since` and shown now: one query."""
    rows = _new_grades(len(student_ids))(since, since.date(), today, *student_ids)
    found: dict[int, list[tuple[str, str, datetime.date]]] = defaultdict(list)
    for grade in rows:
        if len(found[grade.student_id]) < SHOWN_PER_CHILD:
            found[grade.student_id].append((shown(grade), grade.subject.name, grade.date))
    return found


@cache
def _new_notes(classrooms: int, children: int) -> Compiled[QuerySet[Any]]:
    def build(since: Moment, *ids: int) -> QuerySet[Any]:
        rooms, students = ids[:classrooms], ids[classrooms:]
        return (
            active(DisciplinaryNote.objects.filter(classroom_id__in=rooms, recorded_at__gt=since))
            .filter(Q(students__id__in=students) | Q(students__isnull=True))
            .order_by("-date", "-pk")
            .values_list("pk", "classroom_id", "students__id", "date", "text")
        )

    return Compiled(build, Moment, *(int,) * (classrooms + children))


@cache
def _new_agenda(classrooms: int) -> Compiled[QuerySet[AgendaItem]]:
    def build(since: Moment, today: Day, *rooms: int) -> QuerySet[AgendaItem]:
        return (
            active(AgendaItem.objects.filter(classroom_id__in=rooms, recorded_at__gt=since))
            .filter(date__gte=today)
            .select_related("subject")
            .order_by("date", "pk")
        )

    return Compiled(build, Moment, Day, *(int,) * classrooms)


def family_news(
    enrollments: list[Enrollment], since: datetime.datetime, today: datetime.date
) -> dict[int, ChildNews]:
    """News per student of these current enrollments: four queries for any number."""
    if not enrollments:
        return {}
    ids = [e.student_id for e in enrollments]
    in_room: dict[int, list[int]] = defaultdict(list)
    for enrollment in enrollments:
        in_room[enrollment.classroom_id].append(enrollment.student_id)
    rooms = list(in_room)
    news = {student_id: ChildNews() for student_id in ids}
    first = min(e.school_year.lessons_start for e in enrollments)
    for student_id, events in to_justify(ids, first, today).items():
        news[student_id].to_justify = events
    for student_id, grades in new_grades(ids, since, today).items():
        news[student_id].grades = grades
    notes = _new_notes(len(rooms), len(ids))(since, *rooms, *ids)
    for _pk, classroom_id, student_id, day, text in notes:
        for reached in [student_id] if student_id is not None else in_room[classroom_id]:
            if reached in news and len(news[reached].notes) < SHOWN_PER_CHILD:
                news[reached].notes.append((day, text))
    for item in _new_agenda(len(rooms))(since, today, *rooms):
        for student_id in in_room[item.classroom_id]:
            if len(news[student_id].agenda) < SHOWN_PER_CHILD:
                news[student_id].agenda.append(item)
    return news


def teacher_news(
    classrooms: list[Classroom], since: datetime.datetime, today: datetime.date
) -> TeacherNews:
    """The justifications waiting for the teacher of these classrooms (taught or coordinated,
    as the home lists them), each with its classroom: one query."""
    rooms = {classroom.pk: classroom for classroom in classrooms}
    if not rooms:
        return TeacherNews(pending=[], more=False)
    enrolled = Enrollment.objects.filter(active_enrollments_on(today), classroom_id__in=rooms)
    rows = list(
        Justification.objects.filter(
            status=JustificationStatus.PENDING, student_id__in=enrolled.values("student_id")
        )
        .annotate(
            classroom_pk=Subquery(
                enrolled.filter(student_id=OuterRef("student_id")).values("classroom_id")[:1]
            )
        )
        .select_related("student")
        .order_by("start_date", "pk")[: SHOWN_TO_TEACHER + 1]
    )
    return TeacherNews(
        pending=[
            PendingJustification(j, rooms[j.classroom_pk], j.submitted_at > since)
            for j in rows[:SHOWN_TO_TEACHER]
        ],
        more=len(rows) > SHOWN_TO_TEACHER,
    )


def office_news(institute_id: int, now: datetime.datetime) -> OfficeNews:
    stale = Justification.objects.filter(
        status=JustificationStatus.PENDING,
        student__institute_id=institute_id,
        submitted_at__lt=now - OFFICE_STALE,
    )
    return OfficeNews(
        locked=locked_usernames(institute_id, now), stale_justifications=stale.count()
    )
