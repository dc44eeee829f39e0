"""What a login is: office, principal, teacher, coordinator, guardian, student (any mix).

Computed once per request and cached on the user object, so every rule and selector asks the
same question without asking the database again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Guardian, Guardianship, Staff, Student, User
from campanella.school.models import Classroom

CACHE_ATTRIBUTE = "_campanella_roles"


@dataclass(frozen=True)
class Roles:
    staff: Staff | None = None
    student: Student | None = None
    guardian_ids: tuple[int, ...] = ()
    coordinated_classroom_ids: tuple[int, ...] = field(default=())
    guardian_institute_name: str = ""

    @property
    def institute_name(self) -> str:
        """The institute shown in the header: the staff's, the student's, else a child's."""
        if self.staff is not None:
            return self.staff.institute.name
        if self.student is not None:
            return self.student.institute.name
        return self.guardian_institute_name or "Campanella"

    @property
    def is_office(self) -> bool:
        return self.staff is not None and self.staff.is_office

    @property
    def is_principal(self) -> bool:
        return self.staff is not None and self.staff.is_principal

    @property
    def is_teacher(self) -> bool:
        return self.staff is not None and self.staff.is_teacher

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinated_classroom_ids)

    @property
    def is_guardian(self) -> bool:
        return bool(self.guardian_ids)

    @property
    def is_student(self) -> bool:
        return self.student is not None

    @property
    def manages_institute_id(self) -> int | None:
        """The institute whose whole data this login sees (office and principal)."""
        if self.staff is not None and (self.staff.is_office or self.staff.is_principal):
            return self.staff.institute_id
        return None

    @property
    def institute_id(self) -> int | None:
        if self.staff is not None:
            return self.staff.institute_id
        if self.student is not None:
            return self.student.institute_id
        return None

    @property
    def codes(self) -> list[str]:
        """Stable role names for the API."""
        flags = [
            ("office", self.is_office),
            ("principal", self.is_principal),
            ("teacher", self.is_teacher),
            ("coordinator", self.is_coordinator),
            ("guardian", self.is_guardian),
            ("student", self.is_student),
        ]
        return [code for code, held in flags if held]

    @property
    def labels(self) -> list[str]:
        names = {
            "office": _("Segreteria"),
            "principal": _("Dirigente"),
            "teacher": _("Docente"),
            "coordinator": _("Coordinatore"),
            "guardian": _("Genitore"),
            "student": _("Studente"),
        }
        return [str(names[code]) for code in self.codes]


NO_ROLES = Roles()


def roles_for_user(user: Any) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    roles = load_roles(user.pk)
    setattr(user, CACHE_ATTRIBUTE, roles)
    return roles


def load_roles(user_id: int) -> Roles:
    """Every page asks this: one query for staff, student and whether there is more to fetch;
    a second only for guardians (their children's links) or coordinators (their classrooms)."""
    active_links = Guardianship.objects.filter(
        guardian__user=OuterRef("pk"), access_revoked_on__isnull=True
    )
    row = (
        User.objects.filter(pk=user_id)
        .select_related("staff_profile__institute", "student_profile__institute")
        .annotate(
            guards=Exists(active_links),
            coordinates=Exists(
                Classroom.objects.filter(coordinator__user=OuterRef("pk"), coordinator__active=True)
            ),
        )
        .get()
    )
    staff = getattr(row, "staff_profile", None)
    if staff is not None and not staff.active:
        staff = None
    # Staff logins are never student logins.
    student = None if staff is not None else getattr(row, "student_profile", None)
    guardian_ids: tuple[int, ...] = ()
    guardian_institute = ""
    if row.guards:
        # A guardian whose every child has left (access revoked) is no longer a guardian here.
        guardians = list(
            Guardian.objects.filter(user_id=user_id, guardianships__access_revoked_on__isnull=True)
            .order_by("pk")
            .values_list("pk", "institute__name")
            .distinct()
        )
        guardian_ids = tuple(pk for pk, _name in guardians)
        guardian_institute = guardians[0][1] if guardians else ""
    coordinated: tuple[int, ...] = ()
    if staff is not None and row.coordinates:
        coordinated = tuple(
            Classroom.objects.filter(coordinator=staff).order_by("pk").values_list("pk", flat=True)
        )
    return Roles(
        staff=staff,
        student=student,
        guardian_ids=guardian_ids,
        coordinated_classroom_ids=coordinated,
        guardian_institute_name=guardian_institute,
    )


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a change of role in the same request, e.g. in tests)."""
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)
