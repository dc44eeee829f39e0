"""Who may do what with notifications: the one place pages and API ask.

A login sees, reads and configures only its own notifications, preferences and devices: every
query is filtered by the login, so another login's notification answers 404 like a missing
one. A school's delay for grade notifications is set by its institute's office or principal.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import QuerySet

from campanella.people.roles import roles_for_user
from campanella.school.models import School


def managed_schools(user: Any) -> QuerySet[School]:
    """The schools whose notification policy this login sets (none for most)."""
    institute_id = roles_for_user(user).manages_institute_id
    if institute_id is None:
        return School.objects.none()
    return School.objects.filter(institute_id=institute_id).order_by("name")


@rules.predicate
def may_set_school_policy(user: Any) -> bool:
    return roles_for_user(user).manages_institute_id is not None


rules.add_perm("comms.set_notification_policy", may_set_school_policy)
