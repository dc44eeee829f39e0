"""Issue 11, item 6: the child switcher in the header shows the same page for the chosen child,
and never a page of a child who is not this family's."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.grades.models import Grade
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

SWITCH = "accounts:switch_child"


def switch(client: Client, student_id: int | str, shown: str) -> str:
    response = client.post(reverse(SWITCH), {"student": student_id, "next": shown})
    assert response.status_code == 302
    return str(response.url)


@pytest.mark.parametrize(
    "page",
    [
        "register:student",  # assenze, argomenti, note e agenda
        "grades:student",
        "people:student_detail",
    ],
)
def test_a_child_page_becomes_the_same_page_of_the_chosen_child(cast: Cast, page: str) -> None:
    client = cast.client_for(cast.guardian)
    shown = reverse(page, args=[cast.child.pk])
    landed = switch(client, cast.sibling.pk, shown)
    assert landed == reverse(page, args=[cast.sibling.pk])
    assert client.session["campanella-current-child"] == cast.sibling.pk
    assert client.get(landed).status_code == 200
    # …and back again.
    assert switch(client, cast.child.pk, landed) == shown


def test_the_grades_page_with_a_term_chosen_shows_the_other_child_s_grades(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    shown = reverse("grades:student", args=[cast.child.pk]) + "?periodo=1"
    landed = switch(client, cast.sibling.pk, shown)
    assert landed == reverse("grades:student", args=[cast.sibling.pk])
    page = client.get(landed).content.decode()
    assert f"Voti di {cast.sibling.name}" in page


def test_the_teachers_page_becomes_the_chosen_child_s_classroom(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    shown = reverse("people:classroom_teachers", args=[cast.classroom_1a.pk])
    landed = switch(client, cast.sibling.pk, shown)
    assert landed == reverse("people:classroom_teachers", args=[cast.classroom_2b.pk])
    assert client.get(landed).status_code == 200


def test_a_page_about_one_record_falls_back_to_the_child_s_page(cast: Cast) -> None:
    teacher = cast.classroom_1a.teachings.get(subject=cast.maths).teacher
    grade = Grade.objects.create(
        student=cast.child, classroom=cast.classroom_1a, subject=cast.maths, teacher=teacher,
        date=timezone.localdate(), kind="orale", value=7, recorded_by=cast.teacher,
    )  # fmt: skip
    client = cast.client_for(cast.guardian)
    for shown in (reverse("grades:detail", args=[grade.pk]), "/non-esiste/"):
        landed = switch(client, cast.sibling.pk, shown)
        assert landed == reverse("people:student_detail", args=[cast.sibling.pk])


def test_pages_about_no_child_stay(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    for shown in (reverse("accounts:home"), reverse("accounts:profile")):
        assert switch(client, cast.sibling.pk, shown) == shown


def test_a_child_not_enrolled_today_gets_their_own_page(cast: Cast) -> None:
    enrolment = cast.sibling.enrollments.get()
    enrolment.exit_date = timezone.localdate() - datetime.timedelta(days=1)
    enrolment.save()
    client = cast.client_for(cast.guardian)
    for page in ("register:student", "grades:student"):
        landed = switch(client, cast.sibling.pk, reverse(page, args=[cast.child.pk]))
        assert landed == reverse("people:student_detail", args=[cast.sibling.pk])
    shown = reverse("people:classroom_teachers", args=[cast.classroom_1a.pk])
    assert switch(client, cast.sibling.pk, shown) == reverse(
        "people:student_detail", args=[cast.sibling.pk]
    )


def test_never_a_page_of_a_child_not_theirs(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    client.post(reverse(SWITCH), {"student": cast.child.pk, "next": "/"})
    stranger = reverse("grades:student", args=[cast.other_child.pk])
    # Another family's child cannot be chosen: 404, and the current child stays.
    for student in (cast.other_child.pk, f.StudentFactory(institute=cast.institute).pk):
        refused = client.post(reverse(SWITCH), {"student": student, "next": stranger})
        assert refused.status_code == 404
    for junk in ("", "abc", "-1", str(2**63), "9" * 40):
        assert client.post(reverse(SWITCH), {"student": junk, "next": "/"}).status_code == 404
    assert client.session["campanella-current-child"] == cast.child.pk
    # A page about someone else's child becomes the chosen child's own page.
    assert switch(client, cast.sibling.pk, stranger) == reverse(
        "grades:student", args=[cast.sibling.pk]
    )
    other = reverse("people:classroom_teachers", args=[cast.classroom_2b.pk])
    assert switch(client, cast.child.pk, other) == reverse(
        "people:classroom_teachers", args=[cast.classroom_1a.pk]
    )
    # Addresses of other sites are never followed.
    assert switch(client, cast.sibling.pk, "https://evil.example/voti/alunno/1/") == "/"


def test_the_header_selects_the_child_the_page_is_about(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    client.post(reverse(SWITCH), {"student": cast.child.pk, "next": "/"})
    page = client.get(reverse("grades:student", args=[cast.sibling.pk])).content.decode()
    assert f'<option value="{cast.sibling.pk}" selected>' in page
    assert f'<option value="{cast.child.pk}">' in page
    home = client.get(reverse("accounts:home")).content.decode()
    assert f'<option value="{cast.child.pk}" selected>' in home
