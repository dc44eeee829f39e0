"""The council's pages: what each step shows and to whom, the forms that write, the refusals
re-shown in Italian with nothing written, and the marks grid's constant queries."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.evaluation import council_selectors as cs
from campanella.evaluation.models import (
    Deliberation,
    EvaluationSession,
    SessionDocument,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.school.models import ClassroomSubject, Teaching
from tests.conftest import Cast
from tests.evaluation.council_support import (
    at_step,
    completed,
    council_session,
    decide,
    opened,
    propose,
    staff,
)
from tests.factories import EnrollmentFactory, StaffFactory, SubjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def url(name: str, session: EvaluationSession) -> str:
    return reverse(f"evaluation:{name}", args=[session.pk])


def test_the_opening_page_lists_the_classrooms_teachers_and_saves_the_council(cast: Cast) -> None:
    session = council_session(cast)
    client = cast.client_for(cast.coordinator)
    page = client.get(url("council_opening", session)).content.decode()
    for user in (cast.coordinator, cast.teacher):
        assert f'name="presente-{staff(user).pk}"' in page
    body = {
        "data": session.term.end_date.isoformat(),
        "inizio": "15:00",
        "luogo": "Aula magna",
        "verbale": "4",
        "presidente": staff(cast.principal).pk,
        "segretario": staff(cast.coordinator).pk,
        f"membro-{staff(cast.coordinator).pk}": "1",
        f"presente-{staff(cast.coordinator).pk}": "1",
        f"membro-{staff(cast.teacher).pk}": "1",  # absent: no "presente"
    }
    response = client.post(url("council_opening", session), body)
    assert response.status_code == 302
    page = client.get(url("council_opening", session)).content.decode()
    assert "non ha un sostituto" in page  # the perfect board: what blocks leaving the step


def test_the_opening_takes_people_whose_ids_have_many_digits(cast: Cast) -> None:
    """Ids grow past 9,999 in any real database: the chair, secretary and substitute are ids,
    not small numbers typed in a field."""
    session = council_session(cast)
    institute = cast.school.institute
    substitute = StaffFactory(pk=98_765_432_101, institute=institute)
    absent = staff(cast.teacher).pk
    body = {
        "data": session.term.end_date.isoformat(),
        "inizio": "15:00",
        "luogo": "Aula magna",
        "presidente": staff(cast.principal).pk,
        "segretario": substitute.pk,  # a member present in the absent teacher's place
        f"membro-{absent}": "1",
        f"sostituto-{absent}": substitute.pk,
        f"protocollo-{absent}": "123",
        f"data-{absent}": session.term.end_date.isoformat(),
    }
    response = cast.client_for(cast.coordinator).post(url("council_opening", session), body)
    assert response.status_code == 302, response.content.decode().split("Nulla")[-1][:600]
    session.refresh_from_db()
    assert session.secretary_id == substitute.pk
    member = cs.council_members(session)
    assert {m.substitute_id for m in member if m.teacher_id == absent} == {substitute.pk}


def test_a_refused_opening_is_shown_in_italian_and_writes_nothing(cast: Cast) -> None:
    session = council_session(cast)
    client = cast.client_for(cast.coordinator)
    response = client.post(url("council_opening", session), {"luogo": "Aula"})
    assert response.status_code == 200
    assert "Nulla è stato salvato" in response.content.decode()
    assert "Indicare la data" in response.content.decode()
    session.refresh_from_db()
    assert session.place == ""


def test_the_marks_grid_starts_from_the_proposals_and_saves_the_councils_marks(
    cast: Cast,
) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    propose(session, cast, {(cast.child, cast.maths): 5, (cast.child, cast.italian): 7})
    client = cast.client_for(cast.coordinator)
    page = client.get(url("council_marks", session)).content.decode()
    assert (
        f'name="m-{cast.child.pk}-{cast.maths.pk}" id="m-{cast.child.pk}-{cast.maths.pk}" value="5"'
        in page
    )
    response = client.post(
        url("council_marks", session),
        {f"m-{cast.child.pk}-{cast.maths.pk}": "6", f"m-{cast.child.pk}-{cast.italian.pk}": "7"},
    )
    assert response.status_code == 302
    page = client.get(url("council_marks", session)).content.decode()
    assert "proposta: 5" in page
    assert Deliberation.objects.filter(session=session, subject=cast.maths).count() == 1
    assert "all&#x27;unanimità" in page or "all'unanimità" in page


def test_a_mark_out_of_scale_is_shown_on_its_cell_and_nothing_is_saved(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    client = cast.client_for(cast.coordinator)
    response = client.post(
        url("council_marks", session),
        {f"m-{cast.child.pk}-{cast.maths.pk}": "11", f"m-{cast.child.pk}-{cast.italian.pk}": "7"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "fuori scala" in page
    assert 'value="11"' in page and 'aria-invalid="true"' in page
    assert not SubjectMark.objects.exists()


def test_a_step_page_is_read_only_at_another_step_and_for_who_does_not_lead(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.BEHAVIOUR), cast)
    decide(session, cast)
    coordinator = cast.client_for(cast.coordinator)
    page = coordinator.get(url("council_marks", session)).content.decode()
    assert "council-readonly" in page and "<input" not in page.split("marks-grid")[1]
    response = coordinator.post(
        url("council_marks", session), {f"m-{cast.child.pk}-{cast.maths.pk}": "9"}
    )
    assert response.status_code == 200
    assert "si modifica solo in quella fase" in response.content.decode()
    teacher = cast.client_for(cast.teacher)
    page = teacher.get(url("council_behaviour", session)).content.decode()
    assert "behaviour-form" not in page
    assert (
        teacher.post(
            url("council_behaviour", session),
            {f"voto-{cast.child.pk}": "9", f"motivo-{cast.child.pk}": "x"},
        ).status_code
        == 404
    )
    assert StudentResult.objects.get(student=cast.child).behaviour_mark == Decimal(8)


def test_behaviour_civics_outcomes_and_credits_pages_write_through_their_services(
    cast: Cast,
) -> None:
    session = opened(council_session(cast, step=Step.BEHAVIOUR, year=3), cast)
    decide(session, cast, marks={cast.child: (4, 7)})
    client = cast.client_for(cast.coordinator)
    assert (
        client.post(
            url("council_behaviour", session),
            {f"voto-{cast.child.pk}": "9", f"motivo-{cast.child.pk}": "Esemplare"},
        ).status_code
        == 302
    )
    at_step(session, Step.CIVICS)
    assert (
        client.post(url("council_civics", session), {f"voto-{cast.child.pk}": "9"}).status_code
        == 302
    )
    at_step(session, Step.OUTCOMES)
    page = client.get(url("council_outcomes", session)).content.decode()
    assert f'name="recupero-{cast.child.pk}-{cast.maths.pk}"' in page
    response = client.post(
        url("council_outcomes", session),
        {
            f"esito-{cast.child.pk}": "sospeso",
            f"recupero-{cast.child.pk}-{cast.maths.pk}": "corso",
            f"carenze-{cast.child.pk}-{cast.maths.pk}": "Equazioni",
            f"esito-{cast.adult_student.pk}": "ammesso",
            f"esito-{cast.other_child.pk}": "ammesso",
        },
    )
    assert response.status_code == 302, response.content.decode()
    at_step(session, Step.CREDITS)
    page = client.get(url("council_credits", session)).content.decode()
    assert "9–10" in page  # M = 7,25 (7, 7, civics 7, behaviour 8): the band of Table A
    response = client.post(
        url("council_credits", session), {f"credito-{cast.adult_student.pk}": "15"}
    )
    assert response.status_code == 200
    assert "fuori dalla fascia" in response.content.decode()
    assert StudentResult.objects.get(student=cast.adult_student).credit is None


def test_the_minutes_page_closes_the_session_and_generates_the_documents(cast: Cast) -> None:
    session = completed(cast)
    client = cast.client_for(cast.coordinator)
    assert (
        client.post(url("council_minutes", session), {"verbale": "9", "fine": "18:00"}).status_code
        == 302
    )
    assert client.post(url("council_minutes", session), {"azione": "documenti"}).status_code == 302
    minutes = SessionDocument.objects.get(session=session, kind="verbale")
    page = client.get(url("council_minutes", session)).content.decode()
    assert reverse("evaluation:council_document", args=[session.pk, minutes.pk]) in page
    download = client.get(reverse("evaluation:council_document", args=[session.pk, minutes.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    teacher = cast.client_for(cast.teacher)
    assert (
        teacher.get(
            reverse("evaluation:council_document", args=[session.pk, minutes.pk])
        ).status_code
        == 200
    )
    letter = SessionDocument.objects.get(session=session, kind="lettere_debito")
    assert (
        teacher.get(
            reverse("evaluation:council_document", args=[session.pk, letter.pk])
        ).status_code
        == 404
    )
    listing = teacher.get(url("council_documents", session)).content.decode()
    assert "Verbale" in listing and "debit" not in listing


# --- queries that do not grow with students or subjects -------------------------------------


def grow(cast: Cast, session: EvaluationSession, students: int, subjects: int) -> None:
    """More students and subjects in 1A, each with a proposal and a final mark."""
    first = ClassroomSubject.objects.count()
    for number in range(first, first + subjects):
        subject = SubjectFactory(
            institute=cast.institute, name=f"Materia {number}", short_name=f"M{number}"
        )
        ClassroomSubject.objects.create(
            classroom=cast.classroom_1a, subject=subject, weekly_hours=2
        )
        Teaching.objects.create(
            teacher=StaffFactory(institute=cast.institute, is_teacher=True),
            classroom=cast.classroom_1a,
            subject=subject,
        )
    for _ in range(students):
        EnrollmentFactory(classroom=cast.classroom_1a)
    grid_marks = []
    for student in cs.session_students(session):
        for subject in cs.session_subjects(session):
            grid_marks.append(
                SubjectMark(
                    session=session,
                    student=student,
                    subject=subject,
                    proposed_mark=Decimal(6),
                    final_mark=Decimal(5),
                    debt=True,
                )
            )
    SubjectMark.objects.bulk_create(grid_marks, ignore_conflicts=True)


def marks_page_queries(cast: Cast, session: EvaluationSession) -> int:
    client = cast.client_for(cast.coordinator)
    client.get(url("council_marks", session))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("council_marks", session))
    assert response.status_code == 200
    return len(captured)


def test_the_marks_page_queries_do_not_grow_with_students_or_subjects(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    grow(cast, session, students=2, subjects=2)
    small = marks_page_queries(cast, session)
    grow(cast, session, students=4, subjects=4)
    assert marks_page_queries(cast, session) == small


STEP_PAGES = {
    "council_opening": Step.OPENING,
    "council_attendance": Step.ATTENDANCE,
    "council_behaviour": Step.BEHAVIOUR,
    "council_civics": Step.CIVICS,
    "council_outcomes": Step.OUTCOMES,
    "council_credits": Step.CREDITS,
    "council_minutes": Step.MINUTES,
}


@pytest.mark.parametrize("name", sorted(STEP_PAGES))
def test_other_step_pages_do_not_grow_either(cast: Cast, name: str) -> None:
    step = STEP_PAGES[name]
    session = opened(council_session(cast, step=step, year=3), cast)

    def queries_with(students: int, subjects: int) -> int:
        grow(cast, session, students=students, subjects=subjects)
        StudentResult.objects.bulk_create(
            [
                StudentResult(session=session, student=s, outcome="ammesso", behaviour_mark=8)
                for s in cs.session_students(session)
            ],
            ignore_conflicts=True,
        )
        client = cast.client_for(cast.coordinator)
        client.get(url(name, session))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(name, session))
        assert response.status_code == 200
        return len(captured)

    assert queries_with(2, 2) == queries_with(4, 4)


def test_the_marks_page_of_28_students_and_12_subjects_renders_in_under_100_ms(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    grow(cast, session, students=25, subjects=10)
    client = cast.client_for(cast.coordinator)
    client.get(url("council_marks", session))
    times = []
    for _ in range(5):
        start = time.process_time()
        response = client.get(url("council_marks", session))
        times.append(time.process_time() - start)
    assert response.content.decode().count('class="cmp-mark') == 28 * 12
    assert sorted(times)[2] < 0.1 * 2  # CPU time, with room for a shared machine (bench: < 100 ms)


def test_a_primary_classrooms_grid_is_of_giudizi(cast: Cast) -> None:
    from campanella.school.models import SchoolKind

    cast.school.kind = SchoolKind.PRIMARY
    cast.school.save()
    session = opened(council_session(cast, step=Step.MARKS), cast)
    propose(session, cast, {(cast.child, cast.maths): "buono"})
    client = cast.client_for(cast.coordinator)
    page = client.get(url("council_marks", session)).content.decode()
    cell = f"m-{cast.child.pk}-{cast.maths.pk}"
    assert f'<select name="{cell}"' in page
    assert 'value="buono" selected>' in page
    response = client.post(url("council_marks", session), {cell: "distinto"})
    assert response.status_code == 302
    mark = SubjectMark.objects.get(session=session, student=cast.child, subject=cast.maths)
    assert (mark.final_judgement, mark.debt) == ("distinto", False)
    assert client.post(url("council_marks", session), {cell: "8"}).status_code == 200
    mark.refresh_from_db()
    assert mark.final_judgement == "distinto"
