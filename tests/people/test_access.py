"""Who sees which classroom and student: selectors, pages and the office site.

Forbidden must look like missing (404), for every kind of wrong person.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from campanella.people.selectors import classrooms_for_user, students_for_user
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_scopes_of_students_per_role(cast: Cast) -> None:
    everyone = {cast.child, cast.sibling, cast.adult_student, cast.other_child}
    in_1a = {cast.child, cast.adult_student, cast.other_child}
    assert set(students_for_user(cast.office)) == everyone
    assert set(students_for_user(cast.principal)) == everyone
    assert set(students_for_user(cast.teacher)) == in_1a
    assert set(students_for_user(cast.coordinator)) == in_1a
    assert set(students_for_user(cast.other_teacher)) == {cast.sibling}
    assert set(students_for_user(cast.guardian)) == {cast.child, cast.sibling}
    assert set(students_for_user(cast.other_guardian)) == {cast.other_child}
    assert set(students_for_user(cast.child_user)) == {cast.child}
    assert set(students_for_user(cast.adult_user)) == {cast.adult_student}
    assert list(students_for_user(cast.outsider)) == []
    assert list(students_for_user(cast.foreign_office)) == []


def test_scopes_of_classrooms_per_role(cast: Cast) -> None:
    both = {cast.classroom_1a, cast.classroom_2b}
    assert set(classrooms_for_user(cast.office)) == both
    assert set(classrooms_for_user(cast.teacher)) == {cast.classroom_1a}
    assert set(classrooms_for_user(cast.other_teacher)) == {cast.classroom_2b}
    for user in (cast.guardian, cast.child_user, cast.outsider, cast.foreign_office):
        assert list(classrooms_for_user(user)) == []


def test_deactivated_login_sees_nothing(cast: Cast) -> None:
    cast.teacher.is_active = False
    cast.teacher.save()
    assert list(students_for_user(cast.teacher)) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("principal", 200),
        ("coordinator", 200),
        ("teacher", 200),
        ("other_teacher", 404),
        ("guardian", 404),
        ("child_user", 404),
        ("adult_user", 404),
        ("outsider", 404),
        ("foreign_office", 404),
    ],
)
def test_classroom_page_refuses_the_wrong_people(cast: Cast, who: str, status: int) -> None:
    client = cast.client_for(getattr(cast, who))
    response = client.get(reverse("people:classroom_detail", args=[cast.classroom_1a.pk]))
    assert response.status_code == status
    if status == 200:
        assert escape(cast.child.surname) in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("principal", 200),
        ("teacher", 200),
        ("guardian", 200),
        ("child_user", 200),
        ("other_teacher", 404),
        ("other_guardian", 404),
        ("adult_user", 404),
        ("outsider", 404),
        ("foreign_office", 404),
    ],
)
def test_student_page_refuses_the_wrong_people(cast: Cast, who: str, status: int) -> None:
    client = cast.client_for(getattr(cast, who))
    response = client.get(reverse("people:student_detail", args=[cast.child.pk]))
    assert response.status_code == status


def test_guardians_contacts_are_shown_to_staff_not_to_families(cast: Cast) -> None:
    url = reverse("people:student_detail", args=[cast.child.pk])
    staff_page = cast.client_for(cast.teacher).get(url).content.decode()
    family_page = cast.client_for(cast.child_user).get(url).content.decode()
    assert 'data-testid="guardian-list"' in staff_page
    assert 'data-testid="guardian-list"' not in family_page


@pytest.mark.parametrize("who", ["guardian", "child_user", "outsider"])
def test_classroom_list_is_for_staff_only(cast: Cast, who: str) -> None:
    response = cast.client_for(getattr(cast, who)).get(reverse("people:classroom_list"))
    assert response.status_code == 404


def test_classroom_list_shows_only_own_classrooms_to_a_teacher(cast: Cast) -> None:
    page = (
        cast.client_for(cast.other_teacher).get(reverse("people:classroom_list")).content.decode()
    )
    assert "2ª B" in page
    assert "1ª A" not in page


def test_pages_send_anonymous_visitors_to_login(cast: Cast, client: object) -> None:
    for url in (
        reverse("accounts:home"),
        reverse("people:classroom_list"),
        reverse("people:classroom_detail", args=[cast.classroom_1a.pk]),
        reverse("people:student_detail", args=[cast.child.pk]),
    ):
        response = client.get(url)  # type: ignore[attr-defined]
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def count_queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_people_pages_queries_do_not_grow(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    urls = [
        reverse("people:classroom_list"),
        reverse("people:classroom_detail", args=[cast.classroom_1a.pk]),
        reverse("people:student_detail", args=[cast.child.pk]),
    ]
    before = [count_queries(client, url) for url in urls]
    for _ in range(6):
        student = f.EnrollmentFactory(classroom=cast.classroom_1a).student
        f.GuardianshipFactory(
            student=cast.child,
            guardian=f.GuardianFactory(institute=cast.institute),
            relation="tutore",
        )
        f.GuardianshipFactory(student=student)
        f.ClassroomFactory(school=cast.school, school_year=cast.classroom_1a.school_year)
    assert [count_queries(client, url) for url in urls] == before
