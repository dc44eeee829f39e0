"""Issue 11, item 2: a classroom's teachers ("elenco docenti") for its families, students
and staff; names and subjects only, support teachers without the student they follow."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campanella.accounts.services import api_token_issue
from campanella.people.models import Staff
from campanella.people.selectors import classroom_teachers, classrooms_with_teachers_for_user
from campanella.school.models import Classroom, SubjectKind, TeachingKind
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def staff(user: object) -> Staff:
    return Staff.objects.get(user=user)


def main_of(html: str) -> str:
    """The page's own content (the header shows the login's own username)."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def add_support_teacher(cast: Cast) -> Staff:
    """A support teacher in 1A following `child` (the other families must not learn that)."""
    support = f.SubjectFactory(
        institute=cast.institute, name="Sostegno", short_name="SOS", kind=SubjectKind.SUPPORT
    )
    teacher = f.StaffFactory(institute=cast.institute, surname="Sostegni", name="Lia")
    f.TeachingFactory(
        teacher=teacher, classroom=cast.classroom_1a, subject=support,
        kind=TeachingKind.SUPPORT, support_student=cast.child,
    )  # fmt: skip
    return teacher


def test_who_may_see_which_classroom_s_teachers(cast: Cast) -> None:
    both = {cast.classroom_1a, cast.classroom_2b}
    expected = {
        cast.office: both,
        cast.principal: both,
        cast.coordinator: {cast.classroom_1a},
        cast.teacher: {cast.classroom_1a},
        cast.other_teacher: {cast.classroom_2b},
        cast.guardian: both,  # child in 1A, sibling in 2B
        cast.other_guardian: {cast.classroom_1a},
        cast.child_user: {cast.classroom_1a},
        cast.adult_user: {cast.classroom_1a},
        cast.outsider: set(),
        cast.foreign_office: set(),
    }
    for user, classrooms in expected.items():
        assert set(classrooms_with_teachers_for_user(user)) == classrooms, user.username


def test_a_revoked_link_or_a_closed_enrolment_ends_the_view(cast: Cast) -> None:
    link = cast.sibling.guardianships.get()
    link.access_revoked_on = timezone.localdate()
    link.save()
    assert set(classrooms_with_teachers_for_user(cast.guardian)) == {cast.classroom_1a}
    enrolment = cast.other_child.enrollments.get()
    enrolment.exit_date = timezone.localdate() - datetime.timedelta(days=1)
    enrolment.save()
    assert list(classrooms_with_teachers_for_user(cast.other_guardian)) == []


def test_the_list_names_teachers_subjects_support_and_coordinator(cast: Cast) -> None:
    add_support_teacher(cast)
    co_teacher = f.StaffFactory(institute=cast.institute, surname="Compresenti", name="Ugo")
    f.TeachingFactory(
        teacher=co_teacher, classroom=cast.classroom_1a, subject=cast.maths,
        kind=TeachingKind.CO_TEACHING,
    )  # fmt: skip
    retired = f.StaffFactory(institute=cast.institute, surname="Andati", active=False)
    f.TeachingFactory(teacher=retired, classroom=cast.classroom_1a, subject=cast.maths)
    classroom = Classroom.objects.select_related("coordinator").get(pk=cast.classroom_1a.pk)
    with CaptureQueriesContext(connection) as queries:
        lines = classroom_teachers(classroom)
    assert len(queries) == 1
    by_name = {line.name: line for line in lines}
    assert set(by_name) == {
        "Compresenti Ugo",
        "Sostegni Lia",
        staff(cast.coordinator).full_name,
        staff(cast.teacher).full_name,
    }
    assert by_name["Compresenti Ugo"].subjects == ["Matematica (compresenza)"]
    assert by_name["Sostegni Lia"].is_support and by_name["Sostegni Lia"].subjects == []
    coordinator = by_name[staff(cast.coordinator).full_name]
    assert coordinator.is_coordinator and coordinator.subjects == ["Italiano"]
    assert by_name[staff(cast.teacher).full_name].subjects == ["Matematica"]
    assert not by_name[staff(cast.teacher).full_name].is_coordinator


def test_a_coordinator_without_lessons_in_the_classroom_is_listed(cast: Cast) -> None:
    cast.classroom_2b.coordinator = staff(cast.teacher)
    cast.classroom_2b.save()
    lines = classroom_teachers(cast.classroom_2b)
    assert [(line.name, line.is_coordinator) for line in lines] == sorted(
        [(staff(cast.teacher).full_name, True), (staff(cast.other_teacher).full_name, False)]
    )


@pytest.mark.parametrize("who", ["guardian", "other_guardian", "child_user", "teacher", "office"])
def test_families_students_and_staff_see_the_page(cast: Cast, who: str) -> None:
    add_support_teacher(cast)
    teacher = staff(cast.teacher)
    teacher.email = "docente@example.org"
    teacher.save()
    cast.teacher.username = "YYXX0001.5555555"
    cast.teacher.save()
    page = cast.client_for(getattr(cast, who)).get(
        reverse("people:classroom_teachers", args=[cast.classroom_1a.pk])
    )
    assert page.status_code == 200
    html = main_of(page.content.decode())
    assert escape(teacher.full_name) in html and "Matematica" in html
    assert escape(staff(cast.coordinator).full_name) in html and "coordinatore" in html
    assert "Sostegni Lia" in html and "sostegno" in html
    # Names only: no login, no e-mail, and not the student the support teacher follows.
    assert "docente@example.org" not in html and cast.teacher.username not in html
    assert escape(cast.child.surname) not in html


@pytest.mark.parametrize(
    ("who", "classroom"),
    [
        ("other_guardian", "classroom_2b"),  # another family's classroom
        ("child_user", "classroom_2b"),  # the sibling's classroom is not the student's
        ("other_teacher", "classroom_1a"),
        ("outsider", "classroom_1a"),
        ("foreign_office", "classroom_1a"),
    ],
)
def test_outsiders_get_404(cast: Cast, who: str, classroom: str) -> None:
    page = cast.client_for(getattr(cast, who)).get(
        reverse("people:classroom_teachers", args=[getattr(cast, classroom).pk])
    )
    assert page.status_code == 404


def test_queries_do_not_grow_with_teachers(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    url = reverse("people:classroom_teachers", args=[cast.classroom_1a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        subject = f.SubjectFactory(institute=cast.institute, name=f"Materia {n}")
        f.TeachingFactory(
            teacher=f.StaffFactory(institute=cast.institute),
            classroom=cast.classroom_1a,
            subject=subject,
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("Materia ") == 6
    assert len(many) == len(few)


def test_the_staff_classroom_page_lists_its_teachers(cast: Cast) -> None:
    page = cast.client_for(cast.principal).get(
        reverse("people:classroom_detail", args=[cast.classroom_1a.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="teacher-list"' in html
    assert escape(staff(cast.teacher).full_name) in html
    assert escape(staff(cast.other_teacher).full_name) not in html


def test_the_family_finds_the_list_from_home_and_the_child_page(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    home = client.get(reverse("accounts:home")).content.decode()
    for classroom in (cast.classroom_1a, cast.classroom_2b):
        assert reverse("people:classroom_teachers", args=[classroom.pk]) in home
    child_page = client.get(reverse("people:student_detail", args=[cast.child.pk]))
    teachers = reverse("people:classroom_teachers", args=[cast.classroom_1a.pk])
    assert teachers in child_page.content.decode()
    assert client.get(teachers).status_code == 200


def api_get(user: object, path: str) -> Any:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(path)


def test_the_api_gives_the_same_list_to_the_same_people(cast: Cast) -> None:
    add_support_teacher(cast)
    path = f"/api/v1/classrooms/{cast.classroom_1a.pk}/teachers"
    response = api_get(cast.guardian, path)
    assert response.status_code == 200
    lines = {line["name"]: line for line in response.json()}
    assert lines["Sostegni Lia"] == {
        "name": "Sostegni Lia", "subjects": [], "is_support": True, "is_coordinator": False,
    }  # fmt: skip
    assert lines[staff(cast.coordinator).full_name]["is_coordinator"] is True
    assert lines[staff(cast.teacher).full_name]["subjects"] == ["Matematica"]
    assert api_get(cast.child_user, path).status_code == 200
    for user in (cast.outsider, cast.other_teacher, cast.foreign_office):
        assert api_get(user, path).status_code == 404
    other = f"/api/v1/classrooms/{cast.classroom_2b.pk}/teachers"
    assert api_get(cast.other_guardian, other).status_code == 404
