"""The office's history page and a record's own history (issue 11: item 1): filters, pages of
50, constant queries, and who may read it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.grades.services import grade_add, grade_change
from campanella.lib.letters import italian_date
from campanella.people.models import Staff, Student, User
from campanella.register.models import Absence
from campanella.register.services import justification_submit, roll_call_save
from tests import factories as f
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

HISTORY = reverse("register:history")


def grade(cast: Cast, student: Student, text: str = "6-", teacher: User | None = None) -> Grade:
    return grade_add(
        user=teacher or cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
        student=student, day=school_day(cast), kind="scritto", text=text,
    )  # fmt: skip


def entries(cast: Cast, query: dict[str, Any] | None = None, who: User | None = None) -> str:
    response = cast.client_for(who or cast.office).get(HISTORY, query or {})
    assert response.status_code == 200
    page: str = response.content.decode()
    return page.split('data-testid="history"')[1].split("</ol>")[0]


def test_the_office_reads_a_grade_correction_in_italian(cast: Cast) -> None:
    corrected = grade(cast, cast.child, "6-")
    grade_change(user=cast.teacher, grade=corrected, text="6½", reason="somma dei punti errata")
    page = entries(cast)
    teacher = escape(Staff.objects.get(user=cast.teacher).full_name)
    assert (
        "Modifica · Voto" in page and escape(cast.child.full_name) in page and "Matematica" in page
    )
    assert "6-" in page and "6½" in page and "somma dei punti errata" in page
    assert teacher in page and italian_date(school_day(cast)) in page
    for raw in ("value", "student:", "teacher:", "5.75", "6.50", ">teacher<"):
        assert raw not in page


def test_filter_by_student_classroom_kind_author_and_dates(cast: Cast) -> None:
    grade(cast, cast.child)
    grade(cast, cast.other_child)
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    roll_call_save(
        user=cast.other_teacher, classroom=cast.classroom_2b, day=day, absent_ids=[cast.sibling.pk]
    )
    by_student = entries(cast, {"alunno": cast.child.pk})
    assert by_student.count('data-testid="history-entry"') == 2  # the grade and the absence
    assert escape(cast.other_child.full_name) not in by_student
    by_kind = entries(cast, {"alunno": cast.child.pk, "tipo": "assenza"})
    assert by_kind.count('data-testid="history-entry"') == 1 and "Assenza" in by_kind
    in_2b = entries(cast, {"classe": cast.classroom_2b.pk})
    assert (
        in_2b.count('data-testid="history-entry"') == 1 and escape(cast.sibling.full_name) in in_2b
    )
    other_teacher = Staff.objects.get(user=cast.other_teacher)
    by_author = entries(cast, {"autore": other_teacher.pk})
    assert by_author.count('data-testid="history-entry"') == 1
    Change.objects.filter(student_ref=cast.other_child.pk).update(
        at=timezone.now() - datetime.timedelta(days=40)
    )
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    recent = entries(cast, {"dal": since, "classe": cast.classroom_1a.pk})
    assert (
        escape(cast.other_child.full_name) not in recent and escape(cast.child.full_name) in recent
    )
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    old = entries(cast, {"al": until})
    assert (
        old.count('data-testid="history-entry"') == 1 and escape(cast.other_child.full_name) in old
    )


def test_a_justification_belongs_to_its_students_classroom(cast: Cast) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=tomorrow, end=tomorrow,
        reason="visita medica",
    )  # fmt: skip
    assert "visita medica" in entries(cast, {"classe": cast.classroom_1a.pk})
    assert "visita medica" not in entries(cast, {"classe": cast.classroom_2b.pk})


def test_a_note_for_several_students_is_found_by_each(cast: Cast) -> None:
    day = school_day(cast)
    teacher = cast.client_for(cast.teacher)
    url = reverse("register:note", args=[cast.classroom_1a.pk, day.isoformat()])
    teacher.post(url, {"text": "Disturbano", "students": [cast.child.pk, cast.other_child.pk]})
    assert Change.objects.filter(content_type__model="disciplinarynote").count() == 1
    for student in (cast.child, cast.other_child):
        assert "Disturbano" in entries(cast, {"alunno": student.pk})
    assert "Disturbano" not in entries(cast, {"alunno": cast.adult_student.pk})


def test_pages_of_fifty_keep_the_filters_and_queries_stay_constant(cast: Cast) -> None:
    def counted(query: dict[str, Any]) -> tuple[int, str]:
        client = cast.client_for(cast.office)
        client.get(HISTORY, query)  # the session and roles are warm
        with CaptureQueriesContext(connection) as captured:
            page = client.get(HISTORY, query).content.decode()
        return len(captured), page

    grade(cast, cast.child)
    few, _page = counted({"classe": cast.classroom_1a.pk})
    students = [f.EnrollmentFactory(classroom=cast.classroom_1a).student for _ in range(26)]
    for student in students:
        grade_change(
            user=cast.teacher, grade=grade(cast, student, "5"), text="5+", reason="ricontrollo"
        )
    many, first = counted({"classe": cast.classroom_1a.pk})
    assert many == few
    assert first.count('data-testid="history-entry"') == 50
    assert f"classe={cast.classroom_1a.pk}&amp;pagina=2" in first
    second = entries(cast, {"classe": cast.classroom_1a.pk, "pagina": 2})
    assert second.count('data-testid="history-entry"') == 3


def test_bad_filters_are_told_in_italian_and_filter_nothing(cast: Cast) -> None:
    grade(cast, cast.child)
    page = cast.client_for(cast.office).get(
        HISTORY, {"dal": "2026-12-10", "al": "2026-12-01", "alunno": "abc"}
    )
    text = page.content.decode()
    assert "Il giorno finale precede quello iniziale." in text
    assert "Scegli un&#x27;opzione valida" in text and 'aria-invalid="true"' in text


def test_only_the_office_of_the_institute_reads_its_history(cast: Cast) -> None:
    grade(cast, cast.child)
    for who in (cast.teacher, cast.principal, cast.guardian, cast.child_user, cast.outsider):
        assert cast.client_for(who).get(HISTORY).status_code == 404
    foreign = entries(cast, {"alunno": cast.child.pk, "classe": cast.classroom_1a.pk},
                      who=cast.foreign_office)  # fmt: skip
    assert 'data-testid="history-entry"' not in foreign
    assert escape(cast.child.full_name) not in foreign


def test_a_records_own_history_is_read_by_staff_who_see_the_record(cast: Cast) -> None:
    corrected = grade(cast, cast.child, "6")
    grade_change(user=cast.teacher, grade=corrected, text="7", reason="ricorretto")
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    absence = Absence.objects.get()
    grade_url = reverse("register:record_history", args=["voto", corrected.pk])
    absence_url = reverse("register:record_history", args=["assenza", absence.pk])
    for who in (cast.teacher, cast.coordinator, cast.office, cast.principal):
        page = cast.client_for(who).get(grade_url).content.decode()
        assert "ricorretto" in page and escape(cast.child.full_name) in page
        assert cast.client_for(who).get(absence_url).status_code == 200
    refused = (cast.other_teacher, cast.foreign_office, cast.guardian, cast.child_user,
               cast.outsider)  # fmt: skip
    for who in refused:
        assert cast.client_for(who).get(grade_url).status_code == 404
        assert cast.client_for(who).get(absence_url).status_code == 404
    assert (
        cast.client_for(cast.office)
        .get(reverse("register:record_history", args=["sconosciuto", absence.pk]))
        .status_code
        == 404
    )


def test_the_grade_page_and_the_students_register_link_to_their_history(cast: Cast) -> None:
    corrected = grade(cast, cast.child, "6")
    grade_change(user=cast.teacher, grade=corrected, text="6+", reason="bonus")
    teacher = cast.client_for(cast.teacher)
    detail = teacher.get(reverse("grades:detail", args=[corrected.pk])).content.decode()
    history = detail.split('data-testid="grade-history"')[1]
    assert '6 <span aria-hidden="true">→</span>' in history and "6+" in history
    assert reverse("register:record_history", args=["voto", corrected.pk]) in detail
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    absence_url = reverse("register:record_history", args=["assenza", Absence.objects.get().pk])
    register = reverse("register:student", args=[cast.child.pk])
    assert absence_url in teacher.get(register).content.decode()
    assert absence_url not in cast.client_for(cast.guardian).get(register).content.decode()
