"""Who may import: the office, for its own institute only. Everyone else is told nothing exists."""

from __future__ import annotations

from typing import Any

import rules

from campanella.people.models import Staff
from campanella.people.roles import roles_for_user


def office_staff(user: Any) -> Staff | None:
    """The office's staff record (which names the institute), or None for anybody else."""
    roles = roles_for_user(user)
    return roles.staff if roles.is_office else None


@rules.predicate
def can_import(user: Any) -> bool:
    return office_staff(user) is not None


rules.add_rule("interop.import", can_import)


def office_or_404(user: Any) -> Staff:
    """The office's staff record for the pages of the exchange; anyone else is told nothing
    exists there."""
    from django.http import Http404

    staff = office_staff(user)
    if staff is None:
        raise Http404
    return staff
