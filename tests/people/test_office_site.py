"""The office's management site: only the office gets in, and only to its own institute."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campanella.people.models import Guardianship, Student
from campanella.school.models import Subject
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["principal", "teacher", "guardian", "child_user", "outsider"])
def test_management_site_is_missing_for_everyone_but_the_office(cast: Cast, who: str) -> None:
    client = cast.client_for(getattr(cast, who))
    assert client.get(reverse("admin:index")).status_code == 404
    assert client.get(reverse("admin:people_student_changelist")).status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(client: object) -> None:
    response = client.get(reverse("admin:index"), follow=True)  # type: ignore[attr-defined]
    final_url, status = response.redirect_chain[-1]
    assert status == 302
    assert final_url.startswith(reverse("accounts:login"))


def test_office_sees_only_its_institute(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    page = client.get(reverse("admin:people_student_changelist")).content.decode()
    assert cast.child.codice_fiscale in page
    foreign = cast.client_for(cast.foreign_office)
    assert (
        cast.child.codice_fiscale
        not in foreign.get(reverse("admin:people_student_changelist")).content.decode()
    )
    url = reverse("admin:people_student_change", args=[cast.child.pk])
    assert foreign.get(url).status_code == 302  # Django admin: "does not exist", back to list
    assert client.get(url).status_code == 200


def test_office_admin_is_in_italian(cast: Cast) -> None:
    page = cast.client_for(cast.office).get(reverse("admin:index")).content.decode()
    assert "Alunni" in page
    assert "Classi" in page


def test_office_adds_a_subject_in_its_institute(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("admin:school_subject_add"),
        {
            "institute": cast.institute.pk,
            "name": "Fisica",
            "short_name": "FIS",
            "kind": "ordinaria",
        },
    )
    assert response.status_code == 302
    assert Subject.objects.get(name="Fisica").institute == cast.institute


def test_office_cannot_pick_another_institute(cast: Cast) -> None:
    client = cast.client_for(cast.foreign_office)
    response = client.post(
        reverse("admin:school_subject_add"),
        {
            "institute": cast.institute.pk,
            "name": "Intrusa",
            "short_name": "INT",
            "kind": "ordinaria",
        },
    )
    assert response.status_code == 200  # form redisplayed with an error
    assert not Subject.objects.filter(name="Intrusa").exists()


def test_duplicate_subject_is_refused_in_italian(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("admin:school_subject_add"),
        {
            "institute": cast.institute.pk,
            "name": "Matematica",
            "short_name": "MAT2",
            "kind": "ordinaria",
        },
    )
    assert response.status_code == 200
    assert "esiste già" in response.content.decode()


def test_students_cannot_be_deleted_from_the_office_site(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("admin:people_student_delete", args=[cast.child.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Student.objects.filter(pk=cast.child.pk).exists()
    assert Guardianship.objects.filter(student=cast.child).exists()
