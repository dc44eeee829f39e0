"""What the home page shows to each role, in a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone

from campanella.accounts.whats_new import (
    ChildNews,
    OfficeNews,
    TeacherNews,
    family_news,
    office_news,
    teacher_news,
)
from campanella.grades.selectors import active_grades, shown, visible_to_family
from campanella.orm.compiled import Compiled
from campanella.people.models import Enrollment, Staff, Student
from campanella.people.roles import Roles, roles_for_user
from campanella.people.selectors import (
    ChildSummary,
    active_enrollments_on,
    children_of_user,
    classroom_overview,
    teacher_classrooms,
    teacher_timetable_on,
)
from campanella.school.models import Classroom, Closure, SchoolYear, Term, TimetableEntry
from campanella.school.selectors import current_school_year


@dataclass
class TeacherHome:
    classrooms: list[Classroom]
    today: list[TimetableEntry]
    closed_today: list[Closure]


@dataclass
class ChildHome:
    child: ChildSummary
    today: list[TimetableEntry]
    closed_today: list[Closure]
    latest_grades: list[tuple[str, str, datetime.date]] = field(default_factory=list)
    news: ChildNews | None = None  # since the last visit (accounts.whats_new)


LATEST_GRADES = 3


# The home is the page families open most: its queries are compiled once per process for each
# number of children (campanella.orm.compiled), a handful of shapes.


@dataclass(frozen=True, slots=True)
class LatestGrade:
    """What `shown` reads of a grade, and where the home lists it (plain values: building a
    Grade and its subject for each cost more than reading them)."""

    student_id: int
    value: Decimal | None
    level: str
    judgement: str
    subject: str
    date: datetime.date


@cache
def _latest(children: int) -> Compiled[QuerySet[Any]]:
    def build(today: datetime.date, *student_ids: int) -> QuerySet[Any]:
        return (
            visible_to_family(active_grades().filter(student_id__in=student_ids), today)
            .order_by("-date", "-pk")
            .values_list("student_id", "value", "level", "judgement", "subject__name", "date")[
                : LATEST_GRADES * children * 4
            ]
        )

    return Compiled(build, datetime.date, *(int,) * children)


@cache
def _hours(classrooms: int) -> Compiled[QuerySet[TimetableEntry]]:
    def build(weekday: int, *classroom_ids: int) -> QuerySet[TimetableEntry]:
        return (
            TimetableEntry.objects.filter(classroom_id__in=classroom_ids, weekday=weekday)
            .select_related("slot", "subject")
            .order_by("slot__number")
        )

    return Compiled(build, int, *(int,) * classrooms)


@cache
def _closures(institutes: int) -> Compiled[QuerySet[Closure]]:
    def build(day: datetime.date, *institute_ids: int) -> QuerySet[Closure]:
        return Closure.objects.filter(
            institute_id__in=institute_ids, start_date__lte=day, end_date__gte=day
        )

    return Compiled(build, datetime.date, *(int,) * institutes)


def latest_grades(student_ids: list[int]) -> dict[int, list[tuple[str, str, datetime.date]]]:
    """The newest grades a family may see, per child, in one query: (display, subject, date)."""
    found: dict[int, list[tuple[str, str, datetime.date]]] = defaultdict(list)
    if not student_ids:
        return found
    for row in _latest(len(student_ids))(timezone.localdate(), *student_ids):
        grade = LatestGrade(*row)
        if len(found[grade.student_id]) < LATEST_GRADES:
            # `shown` reads only the value, level and judgement, which a LatestGrade has.
            text = shown(cast(Any, grade))
            found[grade.student_id].append((text, grade.subject, grade.date))
    return found


@dataclass
class OfficeHome:
    school_year: SchoolYear | None
    terms: list[Term]
    student_count: int
    classroom_count: int
    staff_count: int


@dataclass
class HomeContext:
    roles: Roles
    today: datetime.date
    school_year: SchoolYear | None = None
    office: OfficeHome | None = None
    principal_classrooms: list[Classroom] = field(default_factory=list)
    teacher: TeacherHome | None = None
    children: list[ChildHome] = field(default_factory=list)
    student: ChildHome | None = None
    # What is new since the last visit (accounts.whats_new); None: not asked.
    since: datetime.datetime | None = None
    first_visit: bool = False
    teacher_news: TeacherNews | None = None
    office_news: OfficeNews | None = None


def closures_on(institute_id: int, day: datetime.date) -> list[Closure]:
    return list(
        Closure.objects.filter(institute_id=institute_id, start_date__lte=day, end_date__gte=day)
    )


def closures_for(school_id: int, closures: list[Closure]) -> list[Closure]:
    return [c for c in closures if c.school_id is None or c.school_id == school_id]


def timetables_on(classroom_ids: list[int], day: datetime.date) -> dict[int, list[TimetableEntry]]:
    """Today's hours of several classrooms in one query."""
    by_classroom: dict[int, list[TimetableEntry]] = defaultdict(list)
    if not classroom_ids:
        return by_classroom
    for entry in _hours(len(classroom_ids))(day.weekday(), *classroom_ids):
        by_classroom[entry.classroom_id].append(entry)
    return by_classroom


def office_home(institute_id: int, year: SchoolYear | None, day: datetime.date) -> OfficeHome:
    if year is None:
        return OfficeHome(None, [], 0, 0, 0)
    enrolled = Enrollment.objects.filter(active_enrollments_on(day), school_year=year)
    return OfficeHome(
        school_year=year,
        terms=list(Term.objects.filter(school_year=year).select_related("school")),
        student_count=Student.objects.filter(pk__in=enrolled.values("student_id")).count(),
        classroom_count=Classroom.objects.filter(school_year=year).count(),
        staff_count=Staff.objects.filter(institute_id=institute_id, active=True).count(),
    )


def teacher_home(staff: Staff, year: SchoolYear | None, day: datetime.date) -> TeacherHome:
    classrooms = list(teacher_classrooms(staff, year.pk if year else None))
    closed = closures_on(staff.institute_id, day)
    today = [
        entry
        for entry in teacher_timetable_on(staff, day)
        if not closures_for(entry.classroom.school_id, closed)
    ]
    return TeacherHome(classrooms=classrooms, today=today, closed_today=closed)


def family_home(user: Any, day: datetime.date) -> list[ChildHome]:
    children = children_of_user(user, day)
    classroom_ids = [c.enrollment.classroom_id for c in children if c.enrollment]
    hours = timetables_on(classroom_ids, day)
    institute_ids = {c.student.institute_id for c in children}
    closed = list(_closures(len(institute_ids))(day, *sorted(institute_ids))) if children else []
    grades = latest_grades([c.student.pk for c in children])
    homes = []
    for child in children:
        if child.enrollment is None:
            homes.append(ChildHome(child, [], []))
            continue
        closed_here = [
            c
            for c in closures_for(child.enrollment.classroom.school_id, closed)
            if c.institute_id == child.student.institute_id
        ]
        today = [] if closed_here else hours.get(child.enrollment.classroom_id, [])
        homes.append(ChildHome(child, today, closed_here, grades.get(child.student.pk, [])))
    return homes


def student_home(student: Student, day: datetime.date) -> ChildHome:
    enrollment = (
        student.enrollments.filter(active_enrollments_on(day))
        .select_related("classroom__school", "school_year")
        .first()
    )
    summary = ChildSummary(student=student, enrollment=enrollment, relation="", may_justify=False)
    if enrollment is None:
        return ChildHome(summary, [], [])
    closed = closures_for(enrollment.classroom.school_id, closures_on(student.institute_id, day))
    today = [] if closed else timetables_on([enrollment.classroom_id], day)[enrollment.classroom_id]
    return ChildHome(summary, today, closed, latest_grades([student.pk]).get(student.pk, []))


def attach_news(homes: list[ChildHome], since: datetime.datetime, today: datetime.date) -> None:
    enrollments = [home.child.enrollment for home in homes if home.child.enrollment is not None]
    news = family_news(enrollments, since, today)
    for home in homes:
        home.news = news.get(home.child.student.pk)


def home_for_user(
    user: Any,
    *,
    today: datetime.date,
    since: datetime.datetime | None = None,
    first_visit: bool = False,
) -> HomeContext:
    """The home of a login; with `since` (its previous visit) also what is new since then."""
    roles = roles_for_user(user)
    context = HomeContext(roles=roles, today=today, since=since, first_visit=first_visit)
    if roles.institute_id is not None:
        context.school_year = current_school_year(roles.institute_id, today)
    if roles.is_office and roles.staff is not None:
        context.office = office_home(roles.staff.institute_id, context.school_year, today)
    if roles.is_principal and roles.staff is not None and context.school_year is not None:
        context.principal_classrooms = list(
            classroom_overview(roles.staff.institute_id, context.school_year.pk)
        )
    if (roles.is_teacher or roles.is_coordinator) and roles.staff is not None:
        context.teacher = teacher_home(roles.staff, context.school_year, today)
    if roles.is_guardian:
        context.children = family_home(user, today)
    if roles.student is not None:
        context.student = student_home(roles.student, today)
    if since is not None:
        add_news(context, since, today)
    return context


def add_news(context: HomeContext, since: datetime.datetime, today: datetime.date) -> None:
    roles = context.roles
    attach_news([*context.children, *([context.student] if context.student else [])], since, today)
    if context.teacher is not None and roles.staff is not None:
        context.teacher_news = teacher_news(context.teacher.classrooms, since, today)
    if context.office is not None and roles.staff is not None:
        context.office_news = office_news(roles.staff.institute_id, timezone.now())
