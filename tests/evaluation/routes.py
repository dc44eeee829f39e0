"""Routes of the scrutinio (/scrutini/ and the API's evaluation router): what an outsider gets,
and every write with a valid body on a real object (tests/routes.py explains the tables).

Shared by the evaluation modules: each appends its own entries below its own comment."""

from __future__ import annotations

from django.urls import reverse

from campanella.evaluation.models import EvaluationSession, SessionKind, SubjectMark
from campanella.people.models import User
from campanella.school.models import Classroom, Term
from tests.conftest import Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}


# --- sessions of the cast, for every evaluation route -------------------------------------------


def a_session(c: Cast, classroom: Classroom | None = None) -> EvaluationSession:
    """The session of 1A (or `classroom`) for the cast's term, made once."""
    classroom = classroom or c.classroom_1a
    term = Term.objects.get(school=classroom.school_id, school_year=classroom.school_year_id)
    session, _created = EvaluationSession.objects.get_or_create(
        classroom=classroom, term=term, kind=SessionKind.FINAL, student=None
    )
    return session


# --- proposals (evaluation.views_proposals, evaluation.api_proposals) ---------------------------


def proposal_outsiders(c: Cast) -> tuple[User, ...]:
    """Another class's teacher, the class's coordinator who teaches another subject, the office
    and the principal (who propose nothing), the child's family, the child, another
    institute's office."""
    return (c.other_teacher, c.coordinator, c.office, c.principal, c.guardian, c.child_user,
            c.foreign_office)  # fmt: skip


def read_outsiders(c: Cast) -> tuple[User, ...]:
    """Teachers who do not coordinate, the family, the child, another institute's office."""
    return (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office)


def proposals_save(c: Cast) -> Write:
    body = {"materia": c.maths.pk, f"proposta-{c.child.pk}": "7"}
    in_2b = reverse("evaluation:proposals_save", args=[a_session(c, c.classroom_2b).pk])
    return Write(
        reverse("evaluation:proposals_save", args=[a_session(c).pk]),
        body,
        c.teacher,
        proposal_outsiders(c),
        (SubjectMark,),
        crossed=((c.other_teacher, in_2b, {**body, "materia": c.italian.pk}, 404),),
    )


def proposals_read(c: Cast) -> Write:
    return Write(
        reverse("evaluation:proposals_read", args=[a_session(c).pk]),
        {"sovrascrivi": "1"},
        c.coordinator,
        read_outsiders(c),
        (SubjectMark, EvaluationSession),
    )


def proposals_bulk(c: Cast) -> Write:
    term = Term.objects.get(school=c.school)
    body = {"periodo": f"{term.school_year_id}-{term.number}", "quali": "scelte",
            "classi": [c.classroom_1a.pk]}  # fmt: skip
    return Write(
        reverse("evaluation:proposals_bulk"),
        body,
        c.office,
        (c.teacher, c.coordinator, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (SubjectMark, EvaluationSession),
        # Another institute's office has a reading page of its own: no such period there.
        refused_for={"foreign_office": 200},
    )


def api_proposal_put(c: Cast) -> Write:
    body = {"proposal": "7"}
    session_2b = a_session(c, c.classroom_2b)
    in_2b = f"/api/v1/evaluation-sessions/{session_2b.pk}/proposals/{c.child.pk}/{c.italian.pk}"
    return Write(
        f"/api/v1/evaluation-sessions/{a_session(c).pk}/proposals/{c.child.pk}/{c.maths.pk}",
        body,
        c.teacher,
        proposal_outsiders(c),
        (SubjectMark,),
        crossed=((c.other_teacher, in_2b, body, 404),),
    )


def api_proposal_read(c: Cast) -> Write:
    return Write(
        f"/api/v1/evaluation-sessions/{a_session(c).pk}/proposals/read",
        {"overwrite": False},
        c.coordinator,
        read_outsiders(c),
        (SubjectMark, EvaluationSession),
    )


PAGES.update({
    "evaluation:proposals": (lambda c: {"session_id": a_session(c).pk}, 404, 302),
    "evaluation:proposals_save": (posted, 404, 302),
    "evaluation:proposals_read": (posted, 404, 302),
    "evaluation:proposals_bulk": (lambda c: {}, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "evaluation:proposals_save": proposals_save,
    "evaluation:proposals_read": proposals_read,
    "evaluation:proposals_bulk": proposals_bulk,
})  # fmt: skip
API.update({
    ("get", "/api/v1/evaluation-sessions/{session_id}/proposals"): 404,
    ("put", "/api/v1/evaluation-sessions/{session_id}/proposals/{student_id}/{subject_id}"): 404,
    ("post", "/api/v1/evaluation-sessions/{session_id}/proposals/read"): 404,
})  # fmt: skip
API_WRITES.update({
    ("put", "/api/v1/evaluation-sessions/{session_id}/proposals/{student_id}/{subject_id}"):
        api_proposal_put,
    ("post", "/api/v1/evaluation-sessions/{session_id}/proposals/read"): api_proposal_read,
})  # fmt: skip
