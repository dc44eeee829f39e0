"""The family portfolio: one login, several children, one of them "current" in the header."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse

from campanella.people.models import Student
from campanella.people.selectors import own_student_choices, own_students

CURRENT_CHILD = "campanella-current-child"

# Pages about one child, by URL name, with the keyword that carries the child's id: switching
# child on one of them shows the same page for the chosen child.
CHILD_PAGES = {
    "people:student_detail": "pk",
    "register:student": "pk",
    "grades:student": "student_id",
}
# Pages about the child's classroom: shown for the chosen child's classroom of today.
CLASSROOM_PAGES = {"people:classroom_teachers": "pk"}
# Where a switch lands when the page shown has no equivalent for the chosen child.
CHILD_HOME = "people:student_detail"


def children_choices(request: HttpRequest) -> list[Student]:
    """The children this login may switch between, with their institute's name."""
    return own_student_choices(request.user)


def set_current_child(request: HttpRequest, student_id: int) -> Student | None:
    """The chosen child, now current, with `active_enrollments`; None if not this login's."""
    child = own_students(request.user).filter(pk=student_id).first()
    if child is None:
        return None
    request.session[CURRENT_CHILD] = student_id
    return child


def current_child_id(request: HttpRequest, ids: list[int]) -> int | None:
    """The child the page shown is about, else the one chosen last, else the first."""
    shown = child_of_page(request)
    if shown in ids:
        return shown
    wanted = request.session.get(CURRENT_CHILD)
    if wanted in ids:
        return int(wanted)
    return ids[0] if ids else None


def child_of_page(request: HttpRequest) -> int | None:
    match = request.resolver_match
    if match is None or match.view_name not in CHILD_PAGES:
        return None
    value = match.kwargs.get(CHILD_PAGES[match.view_name])
    return value if isinstance(value, int) else None


def page_for_child(target: str, child: Student) -> str:
    """The page `target` (a page of this site) as it is for `child`.

    A page about one child becomes the chosen child's same page, a page about a classroom the
    chosen child's classroom's; a page about one record (a grade, another child's anything)
    has no equivalent and gives the child's own page; a page about no child in particular
    (home, profile) stays as it is. Only the chosen child's id is ever put in the address.
    """
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return reverse(CHILD_HOME, args=[child.pk])
    name = match.view_name
    if not match.kwargs:
        return target
    enrollment = next(iter(getattr(child, "active_enrollments", [])), None)
    if name in CHILD_PAGES and (enrollment is not None or name == CHILD_HOME):
        return reverse(name, kwargs={CHILD_PAGES[name]: child.pk})
    if name in CLASSROOM_PAGES and enrollment is not None:
        return reverse(name, kwargs={CLASSROOM_PAGES[name]: enrollment.classroom_id})
    return reverse(CHILD_HOME, args=[child.pk])
