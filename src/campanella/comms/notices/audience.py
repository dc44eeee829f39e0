"""Who a notice reaches: an audience (scope × roles) resolved into logins, each once.

A guardian with two children in the audience is one recipient with both children (and their
classrooms) attached; a login that is both staff and parent is one recipient, as family. The
resolution reads ids only (a handful of queries, whatever the size of the institute).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campanella.comms.notices.models import AudienceRole, AudienceScope, RecipientKind
from campanella.people.models import Enrollment, Guardianship, Staff, Student
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom, School, SchoolYear, Teaching

KIND_RANK = {RecipientKind.FAMILY: 0, RecipientKind.STUDENT: 1, RecipientKind.STAFF: 2}


@dataclass(frozen=True)
class Audience:
    scope: str
    roles: tuple[str, ...]
    school_ids: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    classroom_ids: tuple[int, ...] = ()
    student_ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "roles": list(self.roles),
            "school_ids": list(self.school_ids),
            "years": list(self.years),
            "classroom_ids": list(self.classroom_ids),
            "student_ids": list(self.student_ids),
        }

    @property
    def reaches_staff(self) -> bool:
        return bool({AudienceRole.STAFF, AudienceRole.TEACHERS} & set(self.roles))


@dataclass
class Reached:
    """One login reached: as what, and through which students (child or self) in which
    classroom."""

    user_id: int
    kind: str
    students: dict[int, int] = field(default_factory=dict)  # student id -> classroom id


def classrooms_in_scope(
    audience: Audience, institute_id: int, year: SchoolYear
) -> QuerySet[Classroom]:
    rooms = Classroom.objects.filter(school_year=year, school__institute_id=institute_id)
    if audience.scope == AudienceScope.SCHOOLS:
        rooms = rooms.filter(school_id__in=audience.school_ids)
    elif audience.scope == AudienceScope.YEARS:
        rooms = rooms.filter(year__in=audience.years)
        if audience.school_ids:
            rooms = rooms.filter(school_id__in=audience.school_ids)
    elif audience.scope == AudienceScope.CLASSROOMS:
        rooms = rooms.filter(pk__in=audience.classroom_ids)
    return rooms


def enrollments_in_scope(
    audience: Audience, institute_id: int, year: SchoolYear, day: datetime.date
) -> QuerySet[Enrollment]:
    enrolled = Enrollment.objects.filter(
        active_enrollments_on(day),
        classroom__in=classrooms_in_scope(audience, institute_id, year),
    )
    if audience.scope == AudienceScope.FAMILIES:
        enrolled = enrolled.filter(student_id__in=audience.student_ids)
    return enrolled


def staff_in_scope(audience: Audience, institute_id: int, year: SchoolYear) -> QuerySet[Staff]:
    staff = Staff.objects.filter(institute_id=institute_id, active=True, user__isnull=False)
    roles = set(audience.roles)
    if AudienceRole.STAFF not in roles:
        staff = staff.filter(is_teacher=True)
    if audience.scope in {AudienceScope.INSTITUTE, AudienceScope.FAMILIES}:
        return staff
    rooms = classrooms_in_scope(audience, institute_id, year)
    teaching = Teaching.objects.filter(classroom__in=rooms).values("teacher_id")
    coordinating = rooms.filter(coordinator__isnull=False).values("coordinator_id")
    return staff.filter(Q(pk__in=teaching) | Q(pk__in=coordinating))


def resolve(
    audience: Audience, institute_id: int, year: SchoolYear, day: datetime.date
) -> list[Reached]:
    """Every login the audience reaches on `day`, once each."""
    reached: dict[int, Reached] = {}

    def reach(user_id: int, kind: str) -> Reached:
        found = reached.get(user_id)
        if found is None:
            found = reached[user_id] = Reached(user_id, kind)
        elif KIND_RANK[RecipientKind(kind)] < KIND_RANK[RecipientKind(found.kind)]:
            found.kind = kind
        return found

    roles = set(audience.roles)
    enrolled = enrollments_in_scope(audience, institute_id, year, day)
    if roles & {AudienceRole.FAMILIES, AudienceRole.STUDENTS}:
        classroom_of = dict(enrolled.values_list("student_id", "classroom_id"))
        if AudienceRole.FAMILIES in roles:
            links = Guardianship.objects.filter(
                student_id__in=enrolled.values("student_id"),
                access_revoked_on__isnull=True,
                receives_communications=True,
                guardian__user__isnull=False,
            ).values_list("guardian__user_id", "student_id")
            for user_id, student_id in links:
                reach(user_id, RecipientKind.FAMILY).students[student_id] = classroom_of[student_id]
        if AudienceRole.STUDENTS in roles:
            students = Student.objects.filter(
                pk__in=enrolled.values("student_id"), user__isnull=False
            ).values_list("user_id", "pk")
            for user_id, student_id in students:
                reach(user_id, RecipientKind.STUDENT).students[student_id] = classroom_of[
                    student_id
                ]
    if audience.reaches_staff:
        for user_id in staff_in_scope(audience, institute_id, year).values_list(
            "user_id", flat=True
        ):
            reach(user_id, RecipientKind.STAFF)
    return list(reached.values())


def describe(audience: Audience, institute_id: int, year: SchoolYear) -> str:
    """The audience in words, e.g. "Famiglie e studenti – classi: 1ª A, 2ª B"."""
    role_names = [str(AudienceRole(role).label) for role in audience.roles]
    who = ", ".join(role_names).capitalize()
    if audience.scope == AudienceScope.INSTITUTE:
        where = _("tutto l'istituto")
    elif audience.scope == AudienceScope.SCHOOLS:
        names = School.objects.filter(pk__in=audience.school_ids, institute_id=institute_id)
        where = _("scuole: %(names)s") % {"names": ", ".join(s.name for s in names)}
    elif audience.scope == AudienceScope.YEARS:
        where = _("classi %(years)s") % {
            "years": ", ".join(f"{y}ª" for y in sorted(audience.years))
        }
    elif audience.scope == AudienceScope.CLASSROOMS:
        rooms = Classroom.objects.filter(pk__in=audience.classroom_ids, school_year=year).order_by(
            "year", "section"
        )
        where = _("classi: %(names)s") % {"names": ", ".join(r.name for r in rooms)}
    else:
        where = _("%(count)s famiglie scelte") % {"count": len(audience.student_ids)}
    return f"{who} – {where}"[:500]
