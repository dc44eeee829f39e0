"""The proposals' pages and API (issue 12, items 3 and 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campanella.accounts.services import api_token_issue
from campanella.evaluation.models import EvaluationSession, RecoveryMode, Step, SubjectMark
from campanella.evaluation.proposals import proposals_read
from campanella.people.models import User
from campanella.school.models import Term
from tests import factories as f
from tests.conftest import Cast
from tests.evaluation.routes import a_session
from tests.evaluation.test_proposals import grade, new_teacher, weekday_in

pytestmark = pytest.mark.django_db


def page_of(session: EvaluationSession) -> str:
    return reverse("evaluation:proposals", args=[session.pk])


def save_url(session: EvaluationSession) -> str:
    return reverse("evaluation:proposals_save", args=[session.pk])


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def session(cast: Cast) -> EvaluationSession:
    term = Term.objects.get(school=cast.school)
    grade(cast.child, cast.maths, weekday_in(term, 0), "4", classroom=cast.classroom_1a)
    grade(cast.adult_student, cast.maths, weekday_in(term, 0), "8", classroom=cast.classroom_1a)
    proposals_read(user=cast.coordinator, classrooms=[cast.classroom_1a], term=term)
    return a_session(cast)


# --- the session's page ------------------------------------------------------------------------


def test_a_teacher_sees_and_edits_only_their_subject(
    cast: Cast, session: EvaluationSession
) -> None:
    response = cast.client_for(cast.teacher).get(page_of(session))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le tue proposte: Matematica" in html
    assert f'id="proposta-{cast.child.pk}"' in html and 'value="4"' in html
    assert "Chi manca" not in html and 'data-testid="read-form"' not in html
    assert "Italiano" not in html


def test_the_coordinator_sees_the_whole_grid_who_is_missing_and_reads(
    cast: Cast, session: EvaluationSession
) -> None:
    html = cast.client_for(cast.coordinator).get(page_of(session)).content.decode()
    assert "Le tue proposte: Italiano" in html  # coordinator and Italian teacher
    assert "Chi manca" in html and 'data-testid="all-proposals"' in html
    assert 'data-testid="read-form"' in html and "Attenzione:" in html
    assert escape(cast.other_child.surname) in html  # without a maths proposal (no grades)


@pytest.mark.parametrize("who", ["office", "principal"])
def test_office_and_principal_see_the_grid_and_propose_nothing(
    cast: Cast, session: EvaluationSession, who: str
) -> None:
    html = cast.client_for(getattr(cast, who)).get(page_of(session)).content.decode()
    assert "Chi manca" in html and 'data-testid="read-form"' in html
    assert "Le tue proposte" not in html


def test_saving_is_all_or_nothing_and_a_failing_proposal_asks_for_gaps(
    cast: Cast, session: EvaluationSession
) -> None:
    client = cast.client_for(cast.teacher)
    child, adult = cast.child.pk, cast.adult_student.pk
    body = {"materia": cast.maths.pk, f"proposta-{child}": "5", f"carenze-{child}": "",
            f"recupero-{child}": "", f"proposta-{adult}": "9", f"carenze-{adult}": "",
            f"recupero-{adult}": ""}  # fmt: skip
    response = client.post(save_url(session), body)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nessuna proposta salvata" in html and "indicare le carenze" in html
    assert f'id="carenze-{child}" name="carenze-{child}"' in html
    assert 'aria-invalid="true"' in html
    assert not SubjectMark.objects.filter(changed_by_hand=True).exists()
    body.update({f"carenze-{child}": "Equazioni", f"recupero-{child}": RecoveryMode.COURSE})
    response = client.post(save_url(session), body)
    assert response.status_code == 302
    marks = {m.student_id: m for m in SubjectMark.objects.filter(subject=cast.maths)}
    assert (marks[child].proposed_mark, marks[child].gaps) == (Decimal(5), "Equazioni")
    assert marks[adult].proposed_mark == Decimal(9) and marks[adult].changed_by_hand
    assert not marks[cast.other_child.pk].changed_by_hand  # not sent: left alone


def test_enter_saves_a_row_and_answers_with_the_rows(
    cast: Cast, session: EvaluationSession
) -> None:
    client = cast.client_for(cast.teacher)
    body = {"materia": cast.maths.pk, f"proposta-{cast.other_child.pk}": "6½"}
    response = client.post(save_url(session), body, headers={"Campanella-Fragment": "righe"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-salvato="si"' in html and "Salvato." in html
    body[f"proposta-{cast.other_child.pk}"] = "7+"
    response = client.post(save_url(session), body, headers={"Campanella-Fragment": "righe"})
    assert 'data-salvato="no"' in response.content.decode()
    assert SubjectMark.objects.get(student=cast.other_child, subject=cast.maths).proposed_mark == (
        Decimal("6.5")
    )


def test_a_session_past_the_proposals_step_shows_the_grid_read_only(
    cast: Cast, session: EvaluationSession
) -> None:
    EvaluationSession.objects.filter(pk=session.pk).update(step=Step.OPENING)
    html = cast.client_for(cast.teacher).get(page_of(session)).content.decode()
    assert "oltre la fase delle proposte" in html
    assert f'id="proposta-{cast.child.pk}"' not in html
    html = cast.client_for(cast.coordinator).get(page_of(session)).content.decode()
    assert 'data-testid="read-form"' not in html


def test_the_coordinator_reads_again_with_overwrite(cast: Cast, session: EvaluationSession) -> None:
    client = cast.client_for(cast.teacher)
    client.post(
        save_url(session), {"materia": cast.maths.pk, f"proposta-{cast.adult_student.pk}": "10"}
    )
    read = reverse("evaluation:proposals_read", args=[session.pk])
    response = cast.client_for(cast.coordinator).post(read, {}, follow=True)
    assert "1 modificate dai docenti e mantenute" in response.content.decode()
    mark = SubjectMark.objects.get(student=cast.adult_student, subject=cast.maths)
    assert mark.proposed_mark == Decimal(10)
    cast.client_for(cast.coordinator).post(read, {"sovrascrivi": "1"})
    mark.refresh_from_db()
    assert mark.proposed_mark == Decimal(8) and not mark.changed_by_hand


def queries_of_page(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_page_queries_do_not_grow_with_students_or_subjects(
    cast: Cast, session: EvaluationSession
) -> None:
    coordinator, teacher = cast.client_for(cast.coordinator), cast.client_for(cast.teacher)
    before = (
        queries_of_page(coordinator, page_of(session)),
        queries_of_page(teacher, page_of(session)),
    )
    for n in range(3):
        subject = f.SubjectFactory(institute=cast.institute, name=f"Materia {n}")
        f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=subject, weekly_hours=2)
        f.TeachingFactory(classroom=cast.classroom_1a, subject=subject, teacher=new_teacher(cast))
    for _ in range(5):
        f.EnrollmentFactory(classroom=cast.classroom_1a)
    term = Term.objects.get(school=cast.school)
    proposals_read(user=cast.coordinator, classrooms=[cast.classroom_1a], term=term)
    after = (
        queries_of_page(coordinator, page_of(session)),
        queries_of_page(teacher, page_of(session)),
    )
    assert after == before


# --- reading for many classrooms ---------------------------------------------------------------


def test_the_office_reads_every_classroom_of_a_period(cast: Cast) -> None:
    term = Term.objects.get(school=cast.school)
    page = reverse("evaluation:proposals_bulk")
    client = cast.client_for(cast.office)
    html = client.get(page).content.decode()
    assert "Tutte le classi" in html and cast.classroom_2b.name in html
    response = client.post(
        page, {"periodo": f"{term.school_year_id}-{term.number}", "quali": "tutte"}, follow=True
    )
    html = response.content.decode()
    assert "Proposte lette dal registro per 2 classi" in html
    assert EvaluationSession.objects.count() == 2
    assert SubjectMark.objects.count() == 3 * 2 + 1 * 1  # 1A: 3 × 2 subjects; 2B: 1 × 1
    # One locked session: skipped and said, the others read.
    EvaluationSession.objects.filter(classroom=cast.classroom_2b).update(
        step=Step.LOCKED, locked_at=timezone.now()
    )
    response = client.post(
        page, {"periodo": f"{term.school_year_id}-{term.number}", "quali": "tutte"}, follow=True
    )
    assert "2ª B non letta: Lo scrutinio di 2ª B è chiuso" in response.content.decode()


def test_choosing_no_classroom_is_said(cast: Cast) -> None:
    term = Term.objects.get(school=cast.school)
    response = cast.client_for(cast.principal).post(
        reverse("evaluation:proposals_bulk"),
        {"periodo": f"{term.school_year_id}-{term.number}", "quali": "scelte"},
    )
    assert "Scegli almeno una classe" in response.content.decode()
    assert not EvaluationSession.objects.exists()


# --- the API -----------------------------------------------------------------------------------


def listed(client: Client, session: EvaluationSession, query: str = "") -> Any:
    response = client.get(f"/api/v1/evaluation-sessions/{session.pk}/proposals{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_api_lists_a_teachers_subjects_and_everything_for_the_coordinator(
    cast: Cast, session: EvaluationSession
) -> None:
    mine = listed(api(cast.teacher), session)
    assert mine["count"] == 3 and {row["subject"] for row in mine["items"]} == {"Matematica"}
    child = next(row for row in mine["items"] if row["student_id"] == cast.child.pk)
    assert child["proposal"] == "4" and child["failing"] and child["register_average"] == "4.00"
    everything = listed(api(cast.coordinator), session, "?limit=4&offset=4")
    assert everything["count"] == 6 and len(everything["items"]) == 2
    other = api(cast.teacher).get(
        f"/api/v1/evaluation-sessions/{session.pk}/proposals?subject_id={cast.italian.pk}"
    )
    assert other.status_code == 404
    too_many = api(cast.teacher).get(f"/api/v1/evaluation-sessions/{session.pk}/proposals?limit=0")
    assert too_many.status_code == 422


def test_api_changes_a_proposal_with_stable_error_codes(
    cast: Cast, session: EvaluationSession
) -> None:
    client = api(cast.teacher)
    url = f"/api/v1/evaluation-sessions/{session.pk}/proposals/{cast.child.pk}/{cast.maths.pk}"

    def put(body: dict[str, Any]) -> Any:
        return client.put(url, body, content_type="application/json")

    assert put({"proposal": "11"}).json()["code"] == "mark_out_of_range"
    refused = put({"proposal": "5"})
    assert (refused.status_code, refused.json()["code"]) == (400, "gaps_missing")
    assert put({"proposal": "5", "gaps": "x", "recovery_mode": "boh"}).json()["code"] == (
        "recovery_mode_invalid"
    )
    done = put({"proposal": "5", "gaps": "Frazioni", "recovery_mode": "corso"})
    assert done.status_code == 200 and done.json()["changed_by_hand"]
    EvaluationSession.objects.filter(pk=session.pk).update(step=Step.MARKS)
    closed = put({"proposal": "6"})
    assert (closed.status_code, closed.json()["code"]) == (409, "step_closed")


def test_api_reads_and_refuses_a_locked_session(cast: Cast, session: EvaluationSession) -> None:
    url = f"/api/v1/evaluation-sessions/{session.pk}/proposals/read"
    client = api(cast.coordinator)
    response = client.post(url, {"overwrite": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["created"] == 0
    EvaluationSession.objects.filter(pk=session.pk).update(
        step=Step.LOCKED, locked_at=timezone.now()
    )
    response = client.post(url, {"overwrite": False}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "nothing_to_read")
