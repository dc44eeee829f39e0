"""Who a codice fiscale from a gateway is, in the gateway's institute only.

A gateway never creates a login: the person must already have one (guardian, staff or
student record of that institute, linked to a login). Two different logins with the same
codice fiscale are refused as ambiguous, and so is a role the gateway does not admit."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from campanella.accounts.models import IdentityGateway
from campanella.people.models import Guardian, Staff, Student, User, age_on


class MatchOutcome(enum.Enum):
    FOUND = "found"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"
    ROLE_REFUSED = "role_refused"


@dataclass(frozen=True)
class Match:
    outcome: MatchOutcome
    user: User | None = None


def _kept(user: User) -> User:
    """A login joined into another (portfolio) stands for the one kept."""
    seen: set[int] = set()
    while user.merged_into_id is not None and user.pk not in seen:
        seen.add(user.pk)
        user = user.merged_into  # type: ignore[assignment]
    return user


def login_for_fiscal_code(
    gateway: IdentityGateway, codice_fiscale: str, today: datetime.date
) -> Match:
    institute = gateway.institute_id
    code = codice_fiscale.strip().upper()
    if not code:
        return Match(MatchOutcome.UNKNOWN)
    found: set[int] = set()  # logins with this codice fiscale, in any role
    admitted: set[int] = set()  # those in a role this gateway admits
    for user_id in Guardian.objects.filter(
        institute_id=institute, codice_fiscale=code, user__isnull=False
    ).values_list("user_id", flat=True):
        found.add(user_id)
        if gateway.allow_guardians:
            admitted.add(user_id)
    for user_id in Staff.objects.filter(
        institute_id=institute, codice_fiscale=code, user__isnull=False
    ).values_list("user_id", flat=True):
        found.add(user_id)
        if gateway.allow_staff:
            admitted.add(user_id)
    for user_id, birth_date in Student.objects.filter(
        institute_id=institute, codice_fiscale=code, user__isnull=False
    ).values_list("user_id", "birth_date"):
        found.add(user_id)
        age = gateway.students_from_age
        if age is not None and age_on(birth_date, today) >= age:
            admitted.add(user_id)
    logins = {pk: _kept(user) for pk, user in User.objects.in_bulk(found).items()}
    users = {user.pk: user for user in logins.values()}
    if not users:
        return Match(MatchOutcome.UNKNOWN)
    if len(users) > 1:
        return Match(MatchOutcome.AMBIGUOUS)
    user = next(iter(users.values()))
    if not any(logins[pk].pk == user.pk for pk in admitted):
        return Match(MatchOutcome.ROLE_REFUSED, user)
    return Match(MatchOutcome.FOUND, user)
