"""API of the proposals of a scrutinio (added to the evaluation router in evaluation/api.py).

Authorized like the pages: a session this login may not see answers 404; a teacher lists and
changes only their own subjects' proposals (another subject: 404, nothing written); reading
from the register is the coordinator's, the principal's and the office's. Refusals have stable
codes: 400 for a proposal that is not valid (`mark_out_of_range`, `gaps_missing`, …), 409 when
the session is past the proposals step (`step_closed`) or locked (`session_locked`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from campanella.evaluation import rules
from campanella.evaluation.models import EvaluationSession, SessionKind
from campanella.evaluation.proposal_selectors import JUDGEMENT, failing, session_grid
from campanella.evaluation.proposals import (
    NotAllowed,
    ProposalError,
    proposal_change,
    proposals_read,
    shown_proposal,
)
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_types import Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import Student, User

router = Router(tags=["scrutini"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                          422: ErrorOut}  # fmt: skip
STATE_CODES = {"step_closed", "session_locked", "nothing_to_read"}
MAX_LIMIT = 500
READABLE = (SessionKind.INTERMEDIATE, SessionKind.FINAL)
NOT_READABLE = (
    "Le proposte si leggono dal registro per lo scrutinio della classe (intermedio o finale), "
    "non per uno scrutinio rinviato o integrativo."
)


def scoped_session(request: HttpRequest, session_id: int) -> EvaluationSession:
    sessions = rules.sessions_for_user(request.user).select_related(
        "classroom__school__institute", "term__school_year"
    )
    return get_object_or_404(sessions, pk=session_id)


def refusal(error: ProposalError) -> Status:
    status = 409 if error.code in STATE_CODES else 400
    return Status(status, error_body(error.code, error.message))


class ProposalOut(Schema):
    """A student in a subject: what the register says and the proposal (empty if none)."""

    student_id: int
    student: str
    subject_id: int
    subject: str
    teacher_id: int | None
    teacher: str
    scale: str = Field(description="numerico, giudizio (religione) o sintetico (primaria)")
    register_average: Decimal | None
    grades_count: int
    hours_absent: int
    read_at: datetime.datetime | None
    proposal: str = Field(description="come si scrive: 7, 6½, Buono, NC; vuoto se manca")
    proposed_mark: Decimal | None
    proposed_judgement: str
    changed_by_hand: bool
    failing: bool
    gaps: str
    recovery_mode: str


class ProposalPageOut(Schema):
    count: int = Field(description="quante righe in tutto")
    limit: int
    offset: int
    items: list[ProposalOut]


class PageQuery(Schema):
    subject_id: Id | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=100_000)


def proposal_out(grid: Any, student: Student, column: Any) -> ProposalOut:
    mark = grid.mark(student.pk, column.subject.pk)
    teacher = column.teacher
    return ProposalOut(
        student_id=student.pk, student=student.full_name, subject_id=column.subject.pk,
        subject=column.subject.name, teacher_id=teacher.pk if teacher else None,
        teacher=teacher.full_name if teacher else "", scale=column.scale,
        register_average=mark.register_average if mark else None,
        grades_count=mark.grades_count if mark else 0,
        hours_absent=mark.hours_absent if mark else 0,
        read_at=mark.read_at if mark else None, proposal=shown_proposal(mark),
        proposed_mark=mark.proposed_mark if mark else None,
        proposed_judgement=mark.proposed_judgement if mark else "",
        changed_by_hand=bool(mark and mark.changed_by_hand),
        failing=bool(mark and mark.proposed and column.scale != JUDGEMENT and failing(mark)),
        gaps=mark.gaps if mark else "", recovery_mode=mark.recovery_mode if mark else "",
    )  # fmt: skip


@router.get(
    "/evaluation-sessions/{session_id}/proposals",
    response={200: ProposalPageOut, **ERRORS},
    summary="Proposte di voto dello scrutinio (un docente vede solo le sue materie), a pagine",
)
def proposal_list(request: HttpRequest, session_id: Id, query: Query[PageQuery]) -> ProposalPageOut:
    session = scoped_session(request, session_id)
    if rules.sees_all_proposals(request.user, session):
        wanted = None
    else:
        wanted = set(rules.proposal_subjects(request.user, session).values_list("pk", flat=True))
    if query.subject_id is not None:
        if wanted is not None and query.subject_id not in wanted:
            raise Http404
        wanted = {query.subject_id}
    grid = session_grid(session, wanted)
    if query.subject_id is not None and not grid.subjects:
        raise Http404
    cells = [
        (student, column)
        for student in grid.students
        for column in grid.subjects
        if grid.due(student.pk, column.subject.pk)
    ]
    page = cells[query.offset : query.offset + query.limit]
    return ProposalPageOut(
        count=len(cells), limit=query.limit, offset=query.offset,
        items=[proposal_out(grid, student, column) for student, column in page],
    )  # fmt: skip


class ProposalIn(Schema):
    proposal: Text = Field(
        max_length=40, description="un voto (6, 6½, 6,5), un giudizio (buono, suff.) oppure NC"
    )
    gaps: Text = Field("", max_length=2000, description="carenze (per una proposta insufficiente)")
    recovery_mode: str = Field("", description="studio_individuale, corso, sportello, "
                                              "pausa_didattica; vuoto se nessuna")  # fmt: skip


@router.put(
    "/evaluation-sessions/{session_id}/proposals/{student_id}/{subject_id}",
    response={200: ProposalOut, **ERRORS},
    summary="Cambia la proposta di un alunno in una propria materia",
)
def proposal_put(
    request: HttpRequest, session_id: Id, student_id: Id, subject_id: Id, payload: ProposalIn
) -> Any:
    session = scoped_session(request, session_id)
    grid = session_grid(session, [subject_id])
    student = next((s for s in grid.students if s.pk == student_id), None)
    if student is None or not grid.subjects or not grid.due(student_id, subject_id):
        raise Http404
    user = request.user
    assert isinstance(user, User)
    try:
        proposal_change(
            user=user, session=session, student=student, subject=grid.subjects[0].subject,
            mark=payload.proposal, gaps=payload.gaps, recovery_mode=payload.recovery_mode,
        )  # fmt: skip
    except NotAllowed:
        raise Http404 from None
    except ProposalError as error:
        return refusal(error)
    fresh = session_grid(session, [subject_id])
    return proposal_out(fresh, student, fresh.subjects[0])


class ReadIn(Schema):
    overwrite: Flag = Field(False, description="sostituisce anche le proposte cambiate dai docenti")


class ReadOut(Schema):
    created: int
    updated: int
    kept: int = Field(description="proposte cambiate dai docenti e mantenute")
    skipped: list[str]


@router.post(
    "/evaluation-sessions/{session_id}/proposals/read",
    response={200: ReadOut, **ERRORS},
    summary="Legge le proposte dal registro (coordinatore, dirigente, segreteria)",
)
def proposal_read(request: HttpRequest, session_id: Id, payload: ReadIn) -> Any:
    session = scoped_session(request, session_id)
    user = request.user
    assert isinstance(user, User)
    if session.kind not in READABLE:
        if not rules.may_read_proposals(user, session.classroom):
            raise Http404
        return Status(409, error_body("session_not_readable", NOT_READABLE))
    try:
        outcome = proposals_read(
            user=user, classrooms=[session.classroom], term=session.term,
            overwrite=payload.overwrite,
        )  # fmt: skip
    except NotAllowed:
        raise Http404 from None
    except ProposalError as error:
        return refusal(error)
    return ReadOut(
        created=outcome.created, updated=outcome.updated, kept=outcome.kept,
        skipped=[f"{classroom.name}: {why}" for classroom, why in outcome.skipped],
    )  # fmt: skip
