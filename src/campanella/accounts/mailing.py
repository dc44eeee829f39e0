"""Mail about access: which logins an address recovers, one message listing each of them, and
the school a login's mail is signed with.

An address recovers the logins it belongs to (docs/decisions.md, 2026-12 "address on file"):
- a login that verified it as its own (the linked e-mail, any role);
- a guardian's login whose guardian record holds it (the address the office imported);
- a staff member's login whose staff record holds it, while in service.
A child's login is never recovered through a guardian's address: the student record holds no
address, and a student recovers with an address they linked themselves (or at the office).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from campanella.accounts.tokens import recovery_path
from campanella.people.mail import send_templated_mail
from campanella.people.models import Guardianship, Staff, Student, User

LINK_DAYS = 3


def accounts_for_address(address: str) -> list[User]:
    """The active logins this address belongs to, by username."""
    wanted = address.strip()
    if "@" not in wanted:
        return []
    belongs = (
        Q(login_email__iexact=wanted)
        | Q(guardian_profiles__email__iexact=wanted)
        | Q(staff_profile__email__iexact=wanted, staff_profile__active=True)
    )
    found = User.objects.filter(belongs, is_active=True, merged_into__isnull=True)
    return list(found.distinct().order_by("username"))


@dataclass(frozen=True)
class RecoveryEntry:
    username: str
    role: str
    schools: tuple[str, ...]
    link: str


def _staff_role(staff: Staff) -> str:
    roles = [
        label
        for held, label in (
            (staff.is_principal, _("dirigente")),
            (staff.is_office, _("segreteria")),
            (staff.is_teacher, _("docente")),
        )
        if held
    ]
    return _("Personale (%(roles)s): %(name)s") % {
        "roles": ", ".join(roles),
        "name": staff.full_name,
    }


def describe(user: User) -> tuple[str, tuple[str, ...]]:
    """Who this login is for a family reading the mail, and the schools it belongs to."""
    parts: list[str] = []
    schools: list[str] = []
    links = (
        Guardianship.objects.filter(guardian__user=user, access_revoked_on__isnull=True)
        .select_related("student", "guardian__institute")
        .order_by("student__surname", "student__name")
    )
    children = [link.student.full_name for link in links]
    if children:
        parts.append(_("Genitore o tutore di %(children)s") % {"children": ", ".join(children)})
        schools += [link.guardian.institute.name for link in links]
    for staff in Staff.objects.filter(user=user, active=True).select_related("institute"):
        parts.append(_staff_role(staff))
        schools.append(staff.institute.name)
    for student in Student.objects.filter(user=user).select_related("institute"):
        parts.append(_("Alunno: %(name)s") % {"name": student.full_name})
        schools.append(student.institute.name)
    return "; ".join(parts) or _("Accesso al registro elettronico"), tuple(dict.fromkeys(schools))


def school_name(user: User) -> str:
    """The school(s) a login's mail names (sender, subject, signature)."""
    return ", ".join(describe(user)[1])


def recovery_entry(user: User, site: str) -> RecoveryEntry:
    role, schools = describe(user)
    return RecoveryEntry(user.username, role, schools, site + recovery_path(user))


def send_recovery_mail(*, to: str, users: list[User], site: str) -> None:
    """One message to `to` listing each login with its own single-use link."""
    entries = [recovery_entry(user, site) for user in users]
    schools = tuple(dict.fromkeys(school for entry in entries for school in entry.schools))
    send_templated_mail(
        to=to,
        template="accounts/email/recovery",
        school=", ".join(schools),
        context={"accounts": entries, "days": LINK_DAYS},
    )


def recover_by_address(*, address: str, site: str) -> int:
    """Mail the recovery links of the logins `address` belongs to; how many (0: no mail)."""
    users = accounts_for_address(address)
    if users:
        send_recovery_mail(to=address.strip(), users=users, site=site)
    return len(users)


def recover_account(*, user_id: int | None, address: str, site: str) -> bool:
    """Mail one login's link to one of its addresses on file (the recovery by username)."""
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not address:
        return False
    send_recovery_mail(to=address, users=[user], site=site)
    return True
