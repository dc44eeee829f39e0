"""Login page, logout, and a home page per role with real data and bounded queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from campanella.people.models import Staff
from tests import factories as f
from tests.conftest import PASSWORD, Cast, guardian_of

pytestmark = pytest.mark.django_db


def test_login_page_is_italian_and_has_csrf(client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="it">' in page
    assert "Accedi al registro" in page
    assert "csrfmiddlewaretoken" in page


def test_wrong_password_gets_an_italian_error(cast: Cast) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "teacher", "password": "sbagliata"}
    )
    assert response.status_code == 200
    assert "Nome utente o password non corretti" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=False)
    response = client.post(reverse("accounts:login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert client.get(reverse("accounts:home")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # logout is POST only
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:home")).status_code == 302


def test_login_form_is_protected_by_csrf(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 403


def test_security_headers(cast: Cast, client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def home_of(cast: Cast, who: str) -> str:
    response = cast.client_for(getattr(cast, who)).get(reverse("accounts:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_teacher_home_shows_classes_and_today(cast: Cast) -> None:
    page = home_of(cast, "teacher")
    assert 'data-testid="teacher-home"' in page
    assert "1ª A" in page
    assert "2ª B" not in page
    assert "Matematica" in page


def test_guardian_home_shows_both_children_and_no_one_else(cast: Cast) -> None:
    page = home_of(cast, "guardian")
    assert escape(cast.child.name) in page
    assert escape(cast.sibling.name) in page
    assert escape(cast.other_child.surname) not in page
    assert "Benvenuto, Paola" in page


def test_office_home_counts_the_institute(cast: Cast) -> None:
    page = home_of(cast, "office")
    assert 'data-testid="office-home"' in page
    assert '<p class="h3 mb-0">4</p><p class="mb-0">alunni iscritti' in page


def test_principal_home_lists_classrooms_with_coordinator(cast: Cast) -> None:
    page = home_of(cast, "principal")
    assert 'data-testid="principal-home"' in page
    assert "Docente" in page  # the coordinator's surname comes from StaffFactory


def test_student_home_shows_own_classroom(cast: Cast) -> None:
    page = home_of(cast, "child_user")
    assert 'data-testid="student-home"' in page
    assert "1ª A" in page


def test_outsider_home_says_to_contact_the_office(cast: Cast) -> None:
    assert "Rivolgiti alla segreteria" in home_of(cast, "outsider")


def test_teacher_who_is_also_a_parent_sees_both_worlds(cast: Cast) -> None:
    f.GuardianshipFactory(
        student=cast.other_child,
        guardian=f.GuardianFactory(institute=cast.institute, user=cast.other_teacher),
        relation="genitore2",
    )
    page = home_of(cast, "other_teacher")
    assert 'data-testid="teacher-home"' in page
    assert 'data-testid="guardian-home"' in page
    assert escape(cast.other_child.name) in page


def count_home_queries(cast: Cast, who: str) -> int:
    client = cast.client_for(getattr(cast, who))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accounts:home")).status_code == 200
    return len(queries)


def grow(cast: Cast) -> None:
    """More of everything each role sees: classrooms, students, children, teachings."""
    teacher = Staff.objects.get(user=cast.teacher)
    coordinator = Staff.objects.get(user=cast.coordinator)
    slot = cast.school.hour_slots.get(number=1)
    for _ in range(3):
        classroom = f.ClassroomFactory(
            school=cast.school, school_year=cast.classroom_1a.school_year, coordinator=coordinator
        )
        f.ClassroomSubjectFactory(classroom=classroom, subject=cast.maths)
        f.TeachingFactory(teacher=teacher, classroom=classroom, subject=cast.maths)
        for weekday in range(5):
            classroom.timetable.create(weekday=weekday, slot=slot, subject=cast.maths)
        for _ in range(5):
            student = f.EnrollmentFactory(classroom=classroom).student
            f.GuardianshipFactory(
                student=student, guardian=guardian_of(cast.child), relation="tutore"
            )


@pytest.mark.parametrize(
    "who", ["office", "principal", "teacher", "coordinator", "guardian", "child_user"]
)
def test_home_queries_do_not_grow_with_the_data(cast: Cast, who: str) -> None:
    before = count_home_queries(cast, who)
    grow(cast)
    after = count_home_queries(cast, who)
    assert after == before, f"{who}: {before} queries before, {after} after adding data"
    assert after <= 20
