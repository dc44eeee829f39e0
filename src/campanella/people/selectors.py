"""Reads of people, scoped to what a login may see. Every page and API goes through these.

Scopes (DESIGN §4, forbidden looks like missing):
- office and principal: their whole institute;
- teacher: the classrooms they teach in or coordinate, and the students enrolled there;
- guardian: the children they are linked to; student: themselves.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from campanella.orm.compiled import Compiled, Kind
from campanella.people.models import Enrollment, Staff, Student
from campanella.people.roles import CACHE_ATTRIBUTE, Roles, active_links, roles_for_user
from campanella.school.models import Classroom, Teaching, TeachingKind, TimetableEntry

Q_ = TypeVar("Q_", bound=QuerySet[Any, Any])


class _StandIn:
    """A login whose roles carry marker ids: what a scope of this module is compiled with."""

    is_authenticated = True
    is_active = True

    def __init__(self, roles: Roles) -> None:
        self.pk = roles.user_id
        setattr(self, CACHE_ATTRIBUTE, roles)


RoleShape = tuple[bool, bool, bool, bool, bool]


def role_shape(user: Any) -> tuple[RoleShape, tuple[int, ...]] | None:
    """What the scopes of this module read of a login: the kind of login (the shape of its
    scope's query) and its ids (user, staff and institute, student); None for no login."""
    roles = roles_for_user(user)
    staff, student = roles.staff, roles.student
    if roles.user_id is None:
        return None
    shape = (
        staff is not None, staff is not None and staff.is_office,
        staff is not None and staff.is_principal, staff is not None and staff.is_teacher,
        student is not None,
    )  # fmt: skip
    ids = (
        roles.user_id,
        *((staff.pk, staff.institute_id) if staff is not None else ()),
        *((student.pk,) if student is not None else ()),
    )
    return shape, ids


def stand_in(shape: RoleShape, ids: tuple[int, ...]) -> Any:
    """A login of this shape with these ids, for `Scoped` to build its query with."""
    has_staff, office, principal, teacher, has_student = shape
    values = iter(ids)
    user_id = next(values)
    staff = None
    if has_staff:
        staff = Staff(pk=next(values), institute_id=next(values), is_office=office,
                      is_principal=principal, is_teacher=teacher, active=True)  # fmt: skip
    student = Student(pk=next(values)) if has_student else None
    return _StandIn(Roles(staff=staff, student=student, user_id=user_id))


class Scoped(Generic[Q_]):
    """A query scoped to what a login sees (the scopes of this module, unchanged), compiled
    once per process for each kind of login (campanella.orm.compiled): `build(user, *values)`
    is called once per shape with a stand-in login whose ids are markers, then the login's
    own ids and the values are put in the SQL. For the pages families open most, where
    building the scope's query cost more than running it."""

    def __init__(self, build: Callable[..., Q_], *kinds: Kind) -> None:
        self.build = build
        self.kinds = kinds
        self.shapes: dict[RoleShape, Compiled[Q_]] = {}

    def __call__(self, user: Any, *values: Any) -> Q_:
        found = role_shape(user)
        if found is None:  # no login (or an inactive one): the scope built as it is
            return self.build(user, *values)
        shape, ids = found
        compiled = self.shapes.get(shape)
        if compiled is None:
            count = len(ids)

            def build(*given: Any) -> Q_:
                return self.build(stand_in(shape, given[:count]), *given[count:])

            compiled = Compiled(build, *(int,) * count, *self.kinds, unused=frozenset(range(count)))
            self.shapes[shape] = compiled
        return compiled(*ids, *values)


def active_enrollments_on(day: datetime.date) -> Q:
    return Q(entry_date__lte=day) & (Q(exit_date__isnull=True) | Q(exit_date__gte=day))


def active_student_count(day: datetime.date) -> Count:
    """Annotation: students enrolled in the classroom on `day`."""
    active = Q(enrollments__entry_date__lte=day) & (
        Q(enrollments__exit_date__isnull=True) | Q(enrollments__exit_date__gte=day)
    )
    return Count("enrollments", filter=active, distinct=True)


def classrooms_for_user(user: Any) -> QuerySet[Classroom]:
    roles = roles_for_user(user)
    scope = Q(pk__in=[])
    if roles.manages_institute_id is not None:
        scope |= Q(school__institute_id=roles.manages_institute_id)
    if roles.staff is not None:
        if roles.is_teacher:
            taught = Teaching.objects.filter(teacher=roles.staff).values("classroom_id")
            scope |= Q(pk__in=taught)
        scope |= Q(coordinator=roles.staff)  # whoever coordinates it, now
    return Classroom.objects.filter(scope)


def family_classrooms(user: Any, day: datetime.date | None = None) -> QuerySet[Classroom]:
    """The classrooms a family belongs to on `day`: where the login's children (by the links
    active now) or the student themselves are enrolled."""
    roles = roles_for_user(user)
    day = day or timezone.localdate()
    own = Q(pk__in=[])
    if roles.user_id is not None:
        own |= Q(student_id__in=active_links(roles.user_id).values("student_id"))
    if roles.student is not None:
        own |= Q(student_id=roles.student.pk)
    enrolled = Enrollment.objects.filter(active_enrollments_on(day)).filter(own)
    return Classroom.objects.filter(pk__in=enrolled.values("classroom_id"))


def classrooms_with_teachers_for_user(user: Any) -> QuerySet[Classroom]:
    """Classrooms whose teachers a login may see: those it sees as staff, and its family's."""
    staff = classrooms_for_user(user).values("pk")
    return Classroom.objects.filter(
        Q(pk__in=staff) | Q(pk__in=family_classrooms(user).values("pk"))
    )


def students_for_user(user: Any) -> QuerySet[Student]:
    roles = roles_for_user(user)
    scope = Q(pk__in=[])
    if roles.manages_institute_id is not None:
        scope |= Q(institute_id=roles.manages_institute_id)
    if roles.staff is not None and roles.manages_institute_id is None:
        taught = classrooms_for_user(user).values("pk")  # taught or coordinated
        scope |= Q(pk__in=Enrollment.objects.filter(classroom__in=taught).values("student_id"))
    if roles.user_id is not None:  # the children of a guardian, by the links active now
        linked = active_links(roles.user_id)
        scope |= Q(pk__in=linked.values("student_id"))
    if roles.student is not None:
        scope |= Q(pk=roles.student.pk)
    return Student.objects.filter(scope)


def staff_for_user(user: Any) -> QuerySet[Staff]:
    """Staff records a login may browse: the office and principal see their institute."""
    roles = roles_for_user(user)
    if roles.manages_institute_id is None:
        return Staff.objects.none()
    return Staff.objects.filter(institute_id=roles.manages_institute_id)


# A student's enrollment on a day, with the classroom, its school and institute and the year:
# every family register page reads it, compiled once per process (campanella.orm.compiled).
_current_enrollment = Compiled(
    lambda student_id, day: (
        Enrollment.objects.filter(active_enrollments_on(day), student_id=student_id)
        .select_related("classroom__school__institute", "school_year")[:1]
    ),
    int, datetime.date,
)  # fmt: skip


def current_enrollment(student: Student, day: datetime.date | None = None) -> Enrollment | None:
    day = day or timezone.localdate()
    return next(iter(_current_enrollment(student.pk, day)), None)


_visible_enrollment = Scoped(
    lambda user, student_id, day: (
        Enrollment.objects.filter(
            active_enrollments_on(day), student_id=student_id,
            student__in=students_for_user(user),
        ).select_related("student", "classroom")[:1]
    ),
    int, datetime.date,
)  # fmt: skip


def visible_enrollment(
    user: Any, student_id: int, day: datetime.date | None = None
) -> Enrollment | None:
    """The current enrollment of a student this login may see, with the student and the
    classroom, in one query (the school and institute, which a page needs only when it computes
    anew, are left out: they were half the cost of every family page); compiled once per kind
    of login."""
    day = day or timezone.localdate()
    return next(iter(_visible_enrollment(user, student_id, day)), None)


@dataclass(frozen=True)
class ChildSummary:
    student: Student
    enrollment: Enrollment | None
    relation: str
    may_justify: bool


# The guardian's home lists the children, the header the children to switch between: on the
# pages families open most, so their queries are compiled once per process (campanella.orm.
# compiled), one shape per number of children for the enrollments.
_links_with_students = Compiled(
    lambda user_id: (
        active_links(user_id)
        .select_related("student")
        .order_by("student__surname", "student__name")
    ),
    int,
)  # fmt: skip


@cache
def _enrollments_on(students: int) -> Compiled[QuerySet[Enrollment]]:
    def build(day: datetime.date, *student_ids: int) -> QuerySet[Enrollment]:
        return Enrollment.objects.filter(
            active_enrollments_on(day), student_id__in=student_ids
        ).select_related("classroom__school", "school_year")

    return Compiled(build, datetime.date, *(int,) * students)


def children_of_user(user: Any, day: datetime.date | None = None) -> list[ChildSummary]:
    """The guardian's children with their current classroom, in 2 queries for any number."""
    roles = roles_for_user(user)
    if roles.user_id is None:
        return []
    day = day or timezone.localdate()
    links = list(_links_with_students(roles.user_id))
    ids = sorted({link.student_id for link in links})
    found: dict[int, list[Enrollment]] = {pk: [] for pk in ids}
    for enrollment in _enrollments_on(len(ids))(day, *ids) if ids else ():
        found[enrollment.student_id].append(enrollment)
    children = []
    for link in links:
        enrollments = found[link.student_id]
        link.student.active_enrollments = enrollments  # type: ignore[attr-defined]
        children.append(
            ChildSummary(
                student=link.student, enrollment=next(iter(enrollments), None),
                relation=link.get_relation_display(), may_justify=link.may_justify,
            )
        )  # fmt: skip
    return children


def enrolled_students(classroom: Classroom, day: datetime.date | None = None) -> QuerySet[Student]:
    day = day or timezone.localdate()
    active = Enrollment.objects.filter(active_enrollments_on(day), classroom=classroom)
    return Student.objects.filter(pk__in=active.values("student_id")).order_by("surname", "name")


def teacher_classrooms(staff: Staff, school_year_id: int | None) -> QuerySet[Classroom]:
    """The teacher's classrooms of a year with the subjects they teach there, prefetched."""
    classrooms = Classroom.objects.filter(
        Q(teachings__teacher=staff) | Q(coordinator=staff)
    ).distinct()
    if school_year_id is not None:
        classrooms = classrooms.filter(school_year_id=school_year_id)
    return (
        classrooms.select_related("school")
        .prefetch_related(
            Prefetch(
                "teachings",
                queryset=Teaching.objects.filter(teacher=staff).select_related("subject"),
                to_attr="own_teachings",
            )
        )
        .annotate(student_count=active_student_count(timezone.localdate()))
        .order_by("school__name", "year", "section")
    )


def teacher_timetable_on(staff: Staff, day: datetime.date) -> QuerySet[TimetableEntry]:
    """The hours a teacher has on a weekday: entries whose classroom-subject is theirs."""
    own = Teaching.objects.filter(
        teacher=staff, classroom_id=OuterRef("classroom_id"), subject_id=OuterRef("subject_id")
    )
    return (
        TimetableEntry.objects.filter(
            weekday=day.weekday(), classroom__school_year__start_date__lte=day
        )
        .filter(classroom__school_year__end_date__gte=day)
        .filter(Exists(own))
        .select_related("slot", "subject", "classroom")
        .order_by("slot__start_time")
    )


def classroom_overview(institute_id: int, school_year_id: int) -> QuerySet[Classroom]:
    """Every classroom of a year with its coordinator and head count (principal, office)."""
    return (
        Classroom.objects.filter(school__institute_id=institute_id, school_year_id=school_year_id)
        .select_related("school", "coordinator")
        .annotate(student_count=active_student_count(timezone.localdate()))
        .order_by("school__name", "year", "section")
    )


def _choices(with_student: bool) -> Compiled[QuerySet[Student]]:
    def build(user_id: int, *student_id: int) -> QuerySet[Student]:
        scope = Q(pk__in=active_links(user_id).values("student_id"))
        if with_student:
            scope |= Q(pk=student_id[0])
        return (
            Student.objects.filter(scope)
            .select_related("institute")
            .only("pk", "name", "surname", "institute__name")
            .order_by("surname", "name")
        )

    return Compiled(build, int, *(int,) * with_student)


_CHOICES = {with_student: _choices(with_student) for with_student in (False, True)}


def own_student_choices(user: Any) -> list[Student]:
    """The students of `own_students` (the same scope) with only their names and their
    institute's name: the header's children to switch between, on every family page."""
    roles = roles_for_user(user)
    if roles.user_id is None:
        return []
    if roles.student is not None:
        return list(_CHOICES[True](roles.user_id, roles.student.pk))
    return list(_CHOICES[False](roles.user_id))


def own_students(user: Any, day: datetime.date | None = None) -> QuerySet[Student]:
    """A family's view: the children linked to this login and the student themselves.

    Each student carries `active_enrollments` (0 or 1 item) with classroom, school and year.
    """
    roles = roles_for_user(user)
    day = day or timezone.localdate()
    scope = Q(pk__in=[])
    if roles.user_id is not None:
        linked = active_links(roles.user_id)
        scope |= Q(pk__in=linked.values("student_id"))
    if roles.student is not None:
        scope |= Q(pk=roles.student.pk)
    return (
        Student.objects.filter(scope)
        .prefetch_related(
            Prefetch(
                "enrollments",
                queryset=Enrollment.objects.filter(active_enrollments_on(day)).select_related(
                    "classroom__school", "school_year"
                ),
                to_attr="active_enrollments",
            )
        )
        .order_by("surname", "name")
    )


@dataclass(frozen=True)
class ClassroomTeacher:
    """A line of a classroom's "elenco docenti": names only (no login, e-mail or phone)."""

    name: str
    subjects: list[str]  # "Matematica", "Italiano (compresenza)"
    is_support: bool  # sostegno: shown as such, never with the student followed
    is_coordinator: bool


def classroom_teachers(classroom: Classroom) -> list[ClassroomTeacher]:
    """The teachers in service in a classroom with what they teach there, in one query.

    The coordinator is listed even without a subject of their own; `classroom.coordinator`
    should come with the classroom (select_related) or it costs one more query.
    """
    teachings = (
        Teaching.objects.filter(classroom=classroom, teacher__active=True)
        .select_related("teacher", "subject")
        .only("kind", "teacher__surname", "teacher__name", "subject__name")
        .order_by("teacher__surname", "teacher__name", "teacher_id", "subject__name")
    )
    subjects: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    support: set[int] = set()
    for teaching in teachings:
        names[teaching.teacher_id] = teaching.teacher.full_name
        taught = subjects.setdefault(teaching.teacher_id, [])
        if teaching.kind == TeachingKind.SUPPORT:
            support.add(teaching.teacher_id)  # one line, whatever the students followed
            continue
        label = teaching.subject.name
        if teaching.kind == TeachingKind.CO_TEACHING:
            label = f"{label} ({TeachingKind.CO_TEACHING.label})"
        if label not in taught:
            taught.append(label)
    coordinator = classroom.coordinator if classroom.coordinator_id else None
    if coordinator is not None and coordinator.pk not in names and coordinator.active:
        names[coordinator.pk] = coordinator.full_name
        subjects[coordinator.pk] = []
    lines = [
        ClassroomTeacher(
            name=name,
            subjects=subjects[pk],
            is_support=pk in support,
            is_coordinator=pk == classroom.coordinator_id,
        )
        for pk, name in names.items()
    ]
    return sorted(lines, key=lambda line: line.name.casefold())


def students_managed_by(user: Any) -> QuerySet[Student]:
    """Students whose enrolment and family links this login may change: the office and the
    principal of the students' institute, no one else."""
    roles = roles_for_user(user)
    if roles.manages_institute_id is None:
        return Student.objects.none()
    return Student.objects.filter(institute_id=roles.manages_institute_id)
