"""The scopes compiled once per kind of login (people.selectors.Scoped) see exactly what the
scopes built anew see, for every kind of login of the shared cast and every student, classroom
and grade book (issue 11: item 15: the family pages read their scope this way)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from campanella.grades.views import book_scope, sees_as_family
from campanella.people.models import Enrollment, Student, User
from campanella.people.roles import forget_roles
from campanella.people.selectors import (
    active_enrollments_on,
    classrooms_for_user,
    students_for_user,
    visible_enrollment,
)
from campanella.school.models import Classroom, ClassroomSubject
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def logins(cast: Cast) -> list[User]:
    return [
        cast.office, cast.principal, cast.coordinator, cast.teacher, cast.other_teacher,
        cast.guardian, cast.child_user, cast.adult_user, cast.other_guardian, cast.outsider,
        cast.foreign_office,
    ]  # fmt: skip


def fresh(user: User) -> User:
    loaded = User.objects.get(pk=user.pk)
    forget_roles(loaded)
    return loaded


def test_visible_enrollments_are_the_scope_built_anew(cast: Cast) -> None:
    today = timezone.localdate()
    students = list(Student.objects.all())
    seen_somewhere = 0
    for login in logins(cast):
        user = fresh(login)
        for student in students:
            expected = (
                Enrollment.objects.filter(
                    active_enrollments_on(today), student_id=student.pk,
                    student__in=students_for_user(user),
                ).first()
            )  # fmt: skip
            found = visible_enrollment(user, student.pk)
            assert found == expected, (login.username, student.pk)
            seen_somewhere += found is not None
    assert seen_somewhere > len(students)  # the scopes differ, and they see something


def test_grade_books_and_staff_classrooms_are_the_scope_built_anew(cast: Cast) -> None:
    factory = RequestFactory()
    links = list(ClassroomSubject.objects.all())
    assert links
    opened = 0
    for login in logins(cast):
        user = fresh(login)
        request = factory.get("/")
        request.user = user
        visible = set(classrooms_for_user(user).values_list("pk", flat=True))
        for link in links:
            try:
                scope = book_scope(request, link.classroom_id, link.subject_id)
            except Http404:
                assert link.classroom_id not in visible, (login.username, link.pk)
            else:
                assert link.classroom_id in visible, (login.username, link.pk)
                assert (scope.classroom.pk, scope.subject.pk) == (
                    link.classroom_id,
                    link.subject_id,
                )
                opened += 1
        for classroom in Classroom.objects.all():
            staff = user.staff_profile if hasattr(user, "staff_profile") else None
            expected = staff is None or not staff.active or classroom.pk not in visible
            assert sees_as_family(user, classroom) == expected, (login.username, classroom.pk)
    assert opened


def test_without_a_login_the_scope_is_built_as_it_is(cast: Cast) -> None:
    """An anonymous or deactivated login has no roles: nothing compiled, nothing seen."""
    from django.contrib.auth.models import AnonymousUser

    inactive = fresh(cast.guardian)
    inactive.is_active = False
    for user in (AnonymousUser(), inactive):
        assert visible_enrollment(user, cast.child.pk) is None
