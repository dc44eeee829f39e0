"""What a login is: office, principal, teacher, coordinator, guardian, student (any mix).

Computed once per request and cached on the user object, so every rule and selector asks the
same question without asking the database again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from campanella.people.models import Guardian, Staff, Student

CACHE_ATTRIBUTE = "_campanella_roles"


@dataclass(frozen=True)
class Roles:
    staff: Staff | None = None
    student: Student | None = None
    guardian_ids: tuple[int, ...] = ()
    coordinated_classroom_ids: tuple[int, ...] = field(default=())

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
    staff = (
        Staff.objects.filter(user=user, active=True)
        .select_related("institute")
        .prefetch_related("coordinated_classrooms")
        .first()
    )
    # Staff logins are never student logins: skip that query for them.
    student = (
        None
        if staff is not None
        else Student.objects.filter(user=user).select_related("institute").first()
    )
    # A guardian whose every child has left (access revoked) is no longer a guardian here.
    guardian_ids = tuple(
        Guardian.objects.filter(user=user, guardianships__access_revoked_on__isnull=True)
        .distinct()
        .values_list("pk", flat=True)
    )
    coordinated = tuple(c.pk for c in staff.coordinated_classrooms.all()) if staff else ()
    roles = Roles(
        staff=staff,
        student=student,
        guardian_ids=guardian_ids,
        coordinated_classroom_ids=coordinated,
    )
    setattr(user, CACHE_ATTRIBUTE, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a change of role in the same request, e.g. in tests)."""
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)
