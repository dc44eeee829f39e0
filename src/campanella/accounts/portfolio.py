"""The family portfolio: one login, several children, one of them "current" in the header."""

from __future__ import annotations

from django.http import HttpRequest

from campanella.people.models import Student
from campanella.people.selectors import own_students

CURRENT_CHILD = "campanella-current-child"


def children_choices(request: HttpRequest) -> list[Student]:
    """The children this login may switch between, with their institute's name."""
    return list(
        own_students(request.user)
        .prefetch_related(None)
        .select_related("institute")
        .only("pk", "name", "surname", "institute__name")
        .order_by("surname", "name")
    )


def set_current_child(request: HttpRequest, student_id: int) -> bool:
    if not own_students(request.user).filter(pk=student_id).exists():
        return False
    request.session[CURRENT_CHILD] = student_id
    return True


def current_child_id(request: HttpRequest, ids: list[int]) -> int | None:
    wanted = request.session.get(CURRENT_CHILD)
    if wanted in ids:
        return int(wanted)
    return ids[0] if ids else None
