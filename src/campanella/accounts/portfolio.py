"""The family portfolio: one login, several children, one of them "current" in the header."""

from __future__ import annotations

from django.http import HttpRequest

from campanella.people.models import Student
from campanella.people.selectors import own_students

CURRENT_CHILD = "campanella-current-child"


def children_choices(request: HttpRequest) -> list[Student]:
    """The children this login may switch between (empty for staff-only logins); asked by the
    header and by some pages, so kept for the rest of the request."""
    cached: list[Student] | None = getattr(request, "_campanella_children", None)
    if cached is None:
        cached = list(
            own_students(request.user).prefetch_related(None).only("pk", "name", "surname")
        )
        setattr(request, "_campanella_children", cached)  # noqa: B010 - not a declared attribute
    return cached


def set_current_child(request: HttpRequest, student_id: int) -> bool:
    if not own_students(request.user).filter(pk=student_id).exists():
        return False
    request.session[CURRENT_CHILD] = student_id
    return True


def current_child_id(request: HttpRequest, children: list[Student]) -> int | None:
    wanted = request.session.get(CURRENT_CHILD)
    ids = [child.pk for child in children]
    if wanted in ids:
        return int(wanted)
    return ids[0] if ids else None
