"""What a login is: office, principal, teacher, coordinator, guardian, student (any mix).

Every page asks, so the answer costs no query of its own: the authentication backend loads the
user with `roles_query()` (staff and student profiles joined, the rest as annotations) and the
roles are cached on the user object for the request. The few lists that need a query of their
own (a guardian's links, a coordinator's classrooms) are fetched only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Guardian, Guardianship, Staff, Student, User
from campanella.school.models import Classroom

CACHE_ATTRIBUTE = "_campanella_roles"


@dataclass(frozen=True)
class Roles:
    staff: Staff | None = None
    student: Student | None = None
    user_id: int | None = None
    is_guardian: bool = False  # of at least one child whose access is not revoked
    children_count: int = 0  # such children (the header offers a switch from two)
    guardian_institute_name: str = ""
    is_coordinator: bool = False

    @cached_property
    def guardian_ids(self) -> tuple[int, ...]:
        """This login's guardian records with at least one active link (one per institute)."""
        if not self.is_guardian or self.user_id is None:
            return ()
        return tuple(
            Guardian.objects.filter(
                user_id=self.user_id, guardianships__access_revoked_on__isnull=True
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )

    @cached_property
    def coordinated_classroom_ids(self) -> tuple[int, ...]:
        if self.staff is None or not self.is_coordinator:
            return ()
        return tuple(
            Classroom.objects.filter(coordinator=self.staff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )

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
    def institute_name(self) -> str:
        """The institute shown in the header: the staff's, the student's, else a child's."""
        if self.staff is not None:
            return self.staff.institute.name
        if self.student is not None:
            return self.student.institute.name
        return self.guardian_institute_name or "Campanella"

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


def roles_query() -> QuerySet[User]:
    """Users with what their roles need, in one query."""
    links = Guardianship.objects.filter(
        guardian__user=OuterRef("pk"), access_revoked_on__isnull=True
    ).order_by()
    children = (
        links.values("guardian__user").annotate(n=Count("student_id", distinct=True)).values("n")
    )
    return User.objects.select_related(
        "staff_profile__institute", "student_profile__institute"
    ).annotate(
        children_count=Coalesce(Subquery(children, output_field=IntegerField()), Value(0)),
        guardian_institute=Subquery(
            links.order_by("guardian_id").values("guardian__institute__name")[:1]
        ),
        coordinates=Exists(
            Classroom.objects.filter(coordinator__user=OuterRef("pk"), coordinator__active=True)
        ),
    )


def roles_from_row(row: User) -> Roles:
    """The roles of a user loaded by `roles_query()`."""
    staff = getattr(row, "staff_profile", None)
    if staff is not None and not staff.active:
        staff = None
    # Staff logins are never student logins.
    student = None if staff is not None else getattr(row, "student_profile", None)
    children: int = row.children_count  # type: ignore[attr-defined]
    return Roles(
        staff=staff,
        student=student,
        user_id=row.pk,
        is_guardian=children > 0,
        children_count=children,
        guardian_institute_name=row.guardian_institute or "",  # type: ignore[attr-defined]
        is_coordinator=staff is not None and bool(row.coordinates),  # type: ignore[attr-defined]
    )


def load_roles(user_id: int) -> Roles:
    return roles_from_row(roles_query().get(pk=user_id))


def remember_roles(user: Any, roles: Roles) -> None:
    setattr(user, CACHE_ATTRIBUTE, roles)


def roles_for_user(user: Any) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    roles = load_roles(user.pk)
    remember_roles(user, roles)
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a change of role in the same request, e.g. in tests)."""
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)
