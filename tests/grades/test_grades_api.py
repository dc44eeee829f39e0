"""Grades through the API: same rules and refusals as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.grades.models import Grade
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_teacher_posts_grades_family_reads_averages(cast: Cast) -> None:
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    today = timezone.localdate().isoformat()
    teacher = api(cast.teacher)
    for text in ("7+", "5½"):
        response = teacher.post(
            base,
            {"student_id": cast.child.pk, "date": today, "kind": "orale", "grade": text},
            content_type="application/json",
        )
        assert response.status_code == 200
    assert response.json()["display"] == "5½"
    book = {row["student_id"]: row for row in teacher.get(base).json()}
    assert book[cast.child.pk]["average"] == "6.38"
    assert book[cast.child.pk]["student"] == cast.child.full_name
    assert "subject_id" not in book[cast.child.pk]  # a row is a student, not a subject
    family = api(cast.guardian).get(f"/api/v1/students/{cast.child.pk}/grades").json()
    assert family["subjects"][0]["average"] == "6.38"
    assert [g["display"] for g in family["subjects"][0]["grades"]] == ["5½", "7+"]
    subjects = teacher.get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects").json()
    assert {s["name"] for s in subjects} == {"Matematica", "Italiano"}
    assert len(teacher.get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/terms").json()) == 1


def test_bad_grade_is_400_with_the_italian_message(cast: Cast) -> None:
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    response = api(cast.teacher).post(
        base,
        {
            "student_id": cast.child.pk,
            "date": timezone.localdate().isoformat(),
            "kind": "orale",
            "grade": "7++",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "grade_error"
    assert "Voto non valido" in response.json()["message"]


@pytest.mark.parametrize("who", ["coordinator", "other_teacher", "guardian", "outsider"])
def test_only_the_subject_teacher_posts(cast: Cast, who: str) -> None:
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    response = api(getattr(cast, who)).post(
        base,
        {
            "student_id": cast.child.pk,
            "date": timezone.localdate().isoformat(),
            "kind": "orale",
            "grade": "7",
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Grade.objects.exists()


@pytest.mark.parametrize("who", ["other_guardian", "outsider", "other_teacher"])
def test_student_grades_refuse_others(cast: Cast, who: str) -> None:
    assert (
        api(getattr(cast, who)).get(f"/api/v1/students/{cast.child.pk}/grades").status_code == 404
    )


def test_class_averages_for_the_coordinator(cast: Cast) -> None:
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    today = timezone.localdate().isoformat()
    teacher = api(cast.teacher)
    for student, text in ((cast.child, "8"), (cast.child, "7"), (cast.other_child, "6")):
        grade = {"student_id": student.pk, "date": today, "kind": "scritto", "grade": text}
        assert teacher.post(base, grade, content_type="application/json").status_code == 200
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/averages"
    body = api(cast.coordinator).get(url).json()
    assert [s["subject"] for s in body["class_averages"]] == ["Italiano", "Matematica"]
    assert body["class_averages"][1]["average"] == "6.75"  # (7.50 + 6.00) / 2
    assert body["class_averages"][0]["average"] is None
    rows = {row["student_id"]: row for row in body["students"]}
    assert rows[cast.child.pk]["averages"][1]["average"] == "7.50"
    assert rows[cast.child.pk]["overall_average"] == "7.50"
    assert body["class_overall_average"] == "6.75"
    for who in ("guardian", "child_user", "other_teacher", "outsider"):
        assert api(getattr(cast, who)).get(url).status_code == 404, who
