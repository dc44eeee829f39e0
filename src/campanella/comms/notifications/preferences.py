"""What a login receives, on which channel, and when: role defaults, own choices, quiet hours.

In-app is always on. Without a row of their own a login gets their role's defaults: families
are told by e-mail of what concerns their child, students mostly by push, staff only of what
is addressed to them in person. Everything here reads in bulk (a notice reaches thousands).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from django.conf import settings

from campanella.comms.notifications.models import (
    DEFAULT_QUIET_FROM,
    DEFAULT_QUIET_UNTIL,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
)
from campanella.people.models import Guardian, Staff, Student

K = NotificationKind


class Role(Enum):
    FAMILY = "famiglia"
    STUDENT = "studente"
    STAFF = "personale"


@dataclass(frozen=True)
class Choice:
    email: bool
    push: bool


DEFAULTS: dict[Role, dict[str, Choice]] = {
    Role.FAMILY: {
        **{kind: Choice(email=True, push=True) for kind in K.values},
        K.AGENDA: Choice(email=False, push=True),
        K.MATERIAL: Choice(email=False, push=False),
    },
    Role.STUDENT: {
        **{kind: Choice(email=False, push=True) for kind in K.values},
        K.ABSENCE: Choice(email=False, push=False),
    },
    Role.STAFF: {
        **{kind: Choice(email=False, push=False) for kind in K.values},
        K.MESSAGE: Choice(email=True, push=True),
        K.MEETING: Choice(email=True, push=True),
        K.NOTICE: Choice(email=True, push=False),
    },
}


def roles_of(user_ids: Collection[int]) -> dict[int, Role]:
    """Each login's role for the defaults (a guardian who is also staff: the family's)."""
    ids = list(user_ids)
    roles: dict[int, Role] = {}
    for user_id in Staff.objects.filter(user_id__in=ids).values_list("user_id", flat=True):
        roles[user_id] = Role.STAFF
    for user_id in Student.objects.filter(user_id__in=ids).values_list("user_id", flat=True):
        roles[user_id] = Role.STUDENT
    for user_id in Guardian.objects.filter(user_id__in=ids).values_list("user_id", flat=True):
        roles[user_id] = Role.FAMILY
    return roles


def choices_for(user_ids: Collection[int], kind: str) -> dict[int, Choice]:
    """Every login's choice for this kind: their own row, else their role's default."""
    roles = roles_of(user_ids)
    chosen = {
        user_id: Choice(email=email, push=push)
        for user_id, email, push in NotificationPreference.objects.filter(
            user_id__in=list(user_ids), kind=kind
        ).values_list("user_id", "email", "push")
    }
    return {
        user_id: chosen.get(user_id) or DEFAULTS[roles.get(user_id, Role.FAMILY)][kind]
        for user_id in user_ids
    }


def all_choices(user_id: int) -> dict[str, Choice]:
    """One login's choice for every kind (the preferences page)."""
    role = roles_of([user_id]).get(user_id, Role.FAMILY)
    own = {
        kind: Choice(email=email, push=push)
        for kind, email, push in NotificationPreference.objects.filter(user_id=user_id).values_list(
            "kind", "email", "push"
        )
    }
    return {kind: own.get(kind) or DEFAULTS[role][kind] for kind in K.values}


@dataclass(frozen=True)
class Timing:
    quiet_hours: bool = True
    quiet_from: datetime.time = DEFAULT_QUIET_FROM
    quiet_until: datetime.time = DEFAULT_QUIET_UNTIL
    daily_digest: bool = False


def timings_of(user_ids: Collection[int]) -> dict[int, Timing]:
    found = {
        row[0]: Timing(*row[1:])
        for row in NotificationSettings.objects.filter(user_id__in=list(user_ids)).values_list(
            "user_id", "quiet_hours", "quiet_from", "quiet_until", "daily_digest"
        )
    }
    return {user_id: found.get(user_id, Timing()) for user_id in user_ids}


def in_quiet_hours(moment: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight (21:00–07:00)


def after_quiet_hours(moment: datetime.datetime, timing: Timing) -> datetime.datetime:
    """`moment`, or the end of the quiet hours it falls in (Italian time)."""
    if not timing.quiet_hours:
        return moment
    zone = ZoneInfo(settings.TIME_ZONE)
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time(), timing.quiet_from, timing.quiet_until):
        return moment
    end = datetime.datetime.combine(local.date(), timing.quiet_until, tzinfo=zone)
    if end <= local:
        end = datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), timing.quiet_until, tzinfo=zone
        )
    return end
