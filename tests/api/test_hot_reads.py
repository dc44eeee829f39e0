"""The API reads families and teachers make most (issue 16, item 4): their bodies are written
from plain values, not one schema object per row, and must still be exactly what the OpenAPI
schema describes and what ninja wrote before; their queries are counted (a regression fails);
the grades reads are kept under the classroom's grades stamp like their pages, and any change
shows at once."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import TypeAdapter

from campanella.accounts.api import MeOut
from campanella.accounts.services import api_token_issue
from campanella.grades.api import BookRowOut, StudentGradesOut
from campanella.grades.services import grade_add, grade_cancel
from campanella.lib.api_lists import json_body
from campanella.register import services as register
from campanella.register.api import FamilyRegisterOut
from campanella.school.models import HourSlot
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def read(client: Client, url: str) -> tuple[Any, int]:
    """The answer's JSON and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json(), len(queries)


def as_ninja_writes(schema: Any, body: Any) -> Any:
    """The body validated by its response schema and written back as ninja writes a schema
    object: equal only if every value has the type and the form the schema gives it."""
    adapter: TypeAdapter[Any] = TypeAdapter(schema)
    return json.loads(json_body(adapter.dump_python(adapter.validate_python(body))))


def graded(cast: Cast, day: datetime.date) -> None:
    for student, text, weight in ((cast.child, "7+", "1"), (cast.other_child, "5½", "0.5")):
        grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=student,
            day=day, kind="orale", text=text, weight=Decimal(weight), description="Equazioni",
        )  # fmt: skip
    grade_add(
        user=cast.coordinator, classroom=cast.classroom_1a, subject=cast.italian,
        student=cast.child, day=day, kind="scritto", text="6/7", comment="Bene",
    )  # fmt: skip


def test_the_family_grades_body_is_the_schema_and_kept(cast: Cast) -> None:
    graded(cast, school_day(cast))
    family = api(cast.guardian)
    url = f"/api/v1/students/{cast.child.pk}/grades"
    body, first = read(family, url)
    assert body == as_ninja_writes(StudentGradesOut, body)
    assert [s["subject"] for s in body["subjects"]] == ["Italiano", "Matematica"]
    maths = body["subjects"][1]
    assert maths["average"] == "7.25"
    assert maths["grades"][0]["display"] == "7+"
    assert maths["grades"][0]["value"] == "7.25"
    assert maths["grades"][0]["weight"] == "1.00"
    assert body["overall_average"] is not None
    again, kept = read(family, url)
    assert again == body
    # the rate limit's counter (api.throttle), token, roles, the enrollment, family or staff,
    # stamp, grades, setting
    assert first <= 9
    assert kept <= first - 2  # kept: neither the grades nor the averaging setting read again


def test_a_new_or_cancelled_grade_shows_at_once_in_the_kept_answers(cast: Cast) -> None:
    day = school_day(cast)
    graded(cast, day)
    family, teacher = api(cast.guardian), api(cast.teacher)
    mine = f"/api/v1/students/{cast.child.pk}/grades"
    book = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    read(family, mine), read(teacher, book)
    grade = grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=day, kind="scritto", text="9",
    )  # fmt: skip
    assert grade.pk in {g["id"] for s in read(family, mine)[0]["subjects"] for g in s["grades"]}
    rows = {r["student_id"]: r for r in read(teacher, book)[0]}
    assert grade.pk in {g["id"] for g in rows[cast.child.pk]["grades"]}
    grade_cancel(user=cast.teacher, grade=grade, reason="Errore")
    assert grade.pk not in {g["id"] for g in read(teacher, book)[0][0]["grades"]}


def test_a_grade_linked_to_the_lesson_signed_after_it_shows_its_lesson(cast: Cast) -> None:
    day = school_day(cast)
    graded(cast, day)
    family = api(cast.guardian)
    url = f"/api/v1/students/{cast.child.pk}/grades"
    before = read(family, url)[0]["subjects"][1]["grades"][0]
    assert before["lesson_id"] is None
    slot = HourSlot.objects.get(school=cast.school, number=1)
    lesson = register.lesson_sign(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, slot=slot, subject=cast.maths,
        topic="Equazioni",
    )  # fmt: skip
    after = read(family, url)[0]["subjects"][1]["grades"][0]
    assert after["lesson_id"] == lesson.pk


def test_the_grade_book_body_is_the_schema_and_kept(cast: Cast) -> None:
    graded(cast, school_day(cast))
    teacher = api(cast.teacher)
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    body, first = read(teacher, url)
    assert body == as_ninja_writes(list[BookRowOut], body)
    assert [row["student"] for row in body] == sorted(row["student"] for row in body)
    rows = {row["student_id"]: row for row in body}
    assert rows[cast.other_child.pk]["grades"][0]["weight"] == "0.50"
    assert rows[cast.adult_student.pk] == {
        "student_id": cast.adult_student.pk, "student": cast.adult_student.full_name,
        "average": None, "grades": [],
    }  # fmt: skip
    again, kept = read(teacher, url)
    assert again == body
    # The token (and its last use), the roles, the book's scope with its stamp, the terms,
    # students, grades, the averaging setting.
    assert first <= 9  # as above, with the rate limit's counter
    assert kept <= first - 2


def test_the_family_register_body_is_the_schema(cast: Cast) -> None:
    day = school_day(cast)
    slot = HourSlot.objects.get(school=cast.school, number=1)
    register.lesson_sign(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, slot=slot, subject=cast.maths,
        topic="Frazioni",
    )  # fmt: skip
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    register.agenda_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, kind="compiti",
        day=day, text="Esercizi 1-5",
    )  # fmt: skip
    body, queries = read(api(cast.guardian), f"/api/v1/students/{cast.child.pk}/register")
    assert body == as_ninja_writes(FamilyRegisterOut, body)
    assert body["events"][0]["kind"] == "assenza"
    assert body["events"][0]["date"] == day.isoformat()
    assert body["lessons"][0]["topic"] == "Frazioni"
    assert body["agenda"][0]["text"] == "Esercizi 1-5"
    # the rate limit's counter, token, the student, the enrollment, the register's nine reads
    assert queries <= 15


def test_me_body_is_the_schema(cast: Cast) -> None:
    body, queries = read(api(cast.guardian), "/api/v1/me")
    assert body == as_ninja_writes(MeOut, body)
    assert [s["id"] for s in body["students"]] == [cast.child.pk, cast.sibling.pk] or [
        s["id"] for s in body["students"]
    ] == [cast.sibling.pk, cast.child.pk]
    assert body["students"][0]["classroom"]["school"] == cast.school.name
    assert body["roles"] == ["guardian"]
    assert queries <= 7  # the rate limit's counter, token, roles, the children and enrollments


def test_query_counts_do_not_grow_with_the_grades(cast: Cast) -> None:
    family, teacher = api(cast.guardian), api(cast.teacher)
    mine = f"/api/v1/students/{cast.child.pk}/grades"
    book = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    day = school_day(cast)
    graded(cast, day)
    read(family, "/api/v1/me"), read(teacher, "/api/v1/me")  # the tokens' last use written
    counts = [read(family, mine)[1], read(teacher, book)[1]]
    for n in range(6):
        grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=day, kind="orale", text=str(4 + n),
        )  # fmt: skip
    assert [read(family, mine)[1], read(teacher, book)[1]] == counts


def test_a_staff_reader_sees_what_families_do_not_yet(cast: Cast) -> None:
    day = school_day(cast)
    hidden = grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=day, kind="orale", text="8", visible_from=timezone.localdate() + datetime.timedelta(3),
    )  # fmt: skip
    url = f"/api/v1/students/{cast.child.pk}/grades"
    assert read(api(cast.guardian), url)[0]["subjects"] == []
    seen = read(api(cast.teacher), url)[0]["subjects"][0]["grades"]
    assert [g["id"] for g in seen] == [hidden.pk]
    assert read(api(cast.guardian), url)[0]["subjects"] == []  # not the staff's kept answer
