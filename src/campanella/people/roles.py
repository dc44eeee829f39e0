"""What a login is: office, principal, teacher, coordinator, guardian, student (any mix).

Every page asks, so the answer costs no query of its own: the authentication backend loads the
user with `roles_query()` (staff and student profiles joined) and the roles are cached on the
user object for the request. Being a guardian or a coordinator is asked of the database only
when a page wants to know; the scopes in `people.selectors` do not need to ask, since they
follow the links themselves (a revoked link or a new coordinator counts at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from campanella.orm.compiled import Compiled
from campanella.people.models import Guardianship, Staff, Student, User
from campanella.school.models import Classroom

CACHE_ATTRIBUTE = "_campanella_roles"


@dataclass(frozen=True)
class Roles:
    staff: Staff | None = None
    student: Student | None = None
    user_id: int | None = None
    # The institute asks this login (office or principal) for the two-step verification:
    # read with the user in the one query every request makes (`roles_query`).
    totp_required: bool = False

    @cached_property
    def is_guardian(self) -> bool:
        """Of at least one child whose access is not revoked."""
        return self.user_id is not None and any(_any_link(self.user_id))

    @cached_property
    def is_coordinator(self) -> bool:
        return self.staff is not None and self.coordinated_classroom_ids != ()

    @cached_property
    def coordinated_classroom_ids(self) -> tuple[int, ...]:
        if self.staff is None:
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
# Asked by every home and by the pages that list a login's roles: compiled once per process.
_any_link = Compiled(lambda user_id: active_links(user_id).values("pk")[:1], int)


def active_links(user_id: int | None) -> QuerySet[Guardianship]:
    """A login's links whose access has not been revoked (the child has not left the school)."""
    if user_id is None:
        return Guardianship.objects.none()
    return Guardianship.objects.filter(guardian__user_id=user_id, access_revoked_on__isnull=True)


def roles_query() -> QuerySet[User]:
    """Users with their staff and student profiles, in one query (the institute, which few
    pages need, is fetched when asked for: joining it as an object doubled the cost of every
    request); of the institute only its two-step verification rules, two booleans that the
    access policy asks of every request of the office and the principal."""
    return User.objects.select_related(*ROLE_RELATIONS).annotate(**role_annotations())


# What `roles_query` joins to a user, also reached from a row that points to a user (the
# session, accounts.sessions): `prefix` is the path to the user, e.g. "user__".
ROLE_RELATIONS = ("staff_profile", "student_profile")
ROLE_ANNOTATIONS = ("totp_for_office", "totp_for_principal")


def role_annotations(prefix: str = "") -> dict[str, F]:
    institute = f"{prefix}staff_profile__institute__"
    return {
        "totp_for_office": F(f"{institute}totp_required_for_office"),
        "totp_for_principal": F(f"{institute}totp_required_for_principal"),
    }


def roles_from_row(row: User) -> Roles:
    """The roles of a user loaded by `roles_query()`."""
    staff = getattr(row, "staff_profile", None)
    if staff is not None and not staff.active:
        staff = None
    # Staff logins are never student logins.
    student = None if staff is not None else getattr(row, "student_profile", None)
    totp = staff is not None and bool(
        (staff.is_office and getattr(row, "totp_for_office", False))
        or (staff.is_principal and getattr(row, "totp_for_principal", False))
    )
    return Roles(staff=staff, student=student, user_id=row.pk, totp_required=totp)


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


def is_office_of(user: Any, institute_id: int) -> bool:
    """The login is the office (segreteria) of that institute."""
    roles = roles_for_user(user)
    return roles.staff is not None and roles.is_office and roles.staff.institute_id == institute_id


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a change of role in the same request, e.g. in tests)."""
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)
