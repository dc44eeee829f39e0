"""API of the class council under /api/v1/evaluation-sessions/{id}/: final marks, behaviour,
outcomes, credits and the documents (its router is added to the evaluation one by
evaluation.api).

Written and read by the session's leader only (coordinator, principal); the documents by
whoever may read them (evaluation.documents). Outsiders: 404. A session locked or at another
step: 409 (`session_locked`, `wrong_step`); input the rules refuse: 422 with the rule's code
(`mark_out_of_range`, `credit_out_of_band`, `behaviour_not_admitted`…), nothing written.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from campanella.evaluation import council, documents
from campanella.evaluation import council_selectors as cs
from campanella.evaluation.council import CouncilError, NotAllowed
from campanella.evaluation.models import EvaluationSession
from campanella.evaluation.rules import may_lead, sessions_for_user
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.api_types import Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["scrutini"])
COUNCIL_ERRORS: dict[int, Any] = {
    400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
}  # fmt: skip
SESSION = "/evaluation-sessions/{session_id}"
MAX_ROWS = 5000  # more cells than any classroom has (40 students × 30 subjects)
Against = list[Id]


def council_session(
    request: HttpRequest, session_id: int, *, lead: bool = True
) -> EvaluationSession:
    """The session if the caller may see it (and lead it, for the council's data), else 404."""
    found = cs.session_with_context(sessions_for_user(request.user)).filter(pk=session_id).first()
    if found is None or (lead and not may_lead(request.user, found)):
        raise Http404
    return found


def council_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def refused(error: CouncilError) -> Status:
    return Status(error.status, error_body(error.code, error.message, error.details))


def run(call: Any) -> Any:
    """A service call: its result, or the refusal as (status, error body)."""
    try:
        return call()
    except NotAllowed:
        raise Http404 from None
    except CouncilError as error:
        return refused(error)


class FinalMarkOut(Schema):
    student_id: int
    subject_id: int
    proposed: str = Field(description="proposta: 7, 6,5, NC o il codice del giudizio")
    final: str = Field(description="voto finale: 7, NC o il codice del giudizio; vuoto se manca")
    debt: bool


class FinalMarksOut(Schema):
    marks: list[FinalMarkOut]


class FinalMarkIn(Schema):
    student_id: Id
    subject_id: Id
    mark: Text = Field(max_length=40, description="7, NC, un giudizio («buono»); vuoto cancella")
    against: Against = Field(default_factory=list, max_length=100, description="contrari (id)")
    reason: Text = Field("", max_length=2000)


class FinalMarksIn(Schema):
    marks: list[FinalMarkIn] = Field(max_length=MAX_ROWS)


class SavedOut(Schema):
    changed: int
    deliberations: int = 0


@router.get(f"{SESSION}/final-marks", response={200: FinalMarksOut, **COUNCIL_ERRORS},
            summary="Voti finali del consiglio (proposta, voto finale, debito)")  # fmt: skip
def final_marks_read(request: HttpRequest, session_id: Id) -> FinalMarksOut:
    session = council_session(request, session_id)
    grid = cs.marks_grid(session, with_results=False)
    return FinalMarksOut(
        marks=[
            FinalMarkOut(
                student_id=m.student_id,
                subject_id=m.subject_id,
                proposed=cs.proposed_text(m),
                final=cs.final_text(m),
                debt=m.debt,
            )
            for m in sorted(grid.marks.values(), key=lambda m: (m.student_id, m.subject_id))
            if m.subject_id in {s.pk for s in grid.subjects}
        ]
    )


@router.put(f"{SESSION}/final-marks", response={200: SavedOut, **COUNCIL_ERRORS},
            summary="Delibera i voti finali (tutti o nessuno)")  # fmt: skip
def final_marks_write(request: HttpRequest, session_id: Id, body: FinalMarksIn) -> Any:
    session = council_session(request, session_id)
    cells = [
        council.MarkInput(m.student_id, m.subject_id, m.mark, tuple(m.against), m.reason)
        for m in body.marks
    ]
    saved = run(
        lambda: council.final_marks_save(user=council_user(request), session=session, marks=cells)
    )
    if isinstance(saved, Status):
        return saved
    return SavedOut(changed=saved.changed, deliberations=saved.deliberations)


class BehaviourOut(Schema):
    student_id: int
    mark: Decimal | None
    judgement: str
    reason: str
    civics_mark: Decimal | None
    civics_judgement: str


class BehaviourIn(Schema):
    student_id: Id
    mark: Text = Field(max_length=40, description="voto intero da 1 a 10; primaria: giudizio")
    reason: Text = Field("", max_length=2000)
    against: Against = Field(default_factory=list, max_length=100)


class BehavioursIn(Schema):
    entries: list[BehaviourIn] = Field(max_length=MAX_ROWS)


@router.get(f"{SESSION}/behaviour", response={200: list[BehaviourOut], **COUNCIL_ERRORS},
            summary="Comportamento ed educazione civica degli alunni",
            openapi_extra=PAGED)  # fmt: skip
def behaviour_read(
    request: HttpRequest, response: HttpResponse, session_id: Id, paging: Query[Paging]
) -> list[BehaviourOut]:
    session = council_session(request, session_id)
    students = cs.session_students(session)
    results = cs.results_by_student(session, [s.pk for s in students])
    rows = [results[s.pk] for s in students if s.pk in results]
    return [
        BehaviourOut(
            student_id=r.student_id,
            mark=r.behaviour_mark,
            judgement=r.behaviour_judgement,
            reason=r.behaviour_reason,
            civics_mark=r.civics_mark,
            civics_judgement=r.civics_judgement,
        )
        for r in page_of(rows, request, paging, response)
    ]


@router.put(f"{SESSION}/behaviour", response={200: SavedOut, **COUNCIL_ERRORS},
            summary="Delibera il comportamento (voto e motivazione)")  # fmt: skip
def behaviour_write(request: HttpRequest, session_id: Id, body: BehavioursIn) -> Any:
    session = council_session(request, session_id)
    entries = [
        council.BehaviourInput(e.student_id, e.mark, e.reason, tuple(e.against))
        for e in body.entries
    ]
    saved = run(
        lambda: council.behaviour_save(user=council_user(request), session=session, entries=entries)
    )
    return saved if isinstance(saved, Status) else SavedOut(changed=saved)


class RecoveryIn(Schema):
    subject_id: Id
    mode: Text = Field(
        "", max_length=30, description="studio_individuale, corso, sportello, pausa_didattica"
    )
    gaps: Text | None = Field(None, max_length=2000)


class OutcomeIn(Schema):
    student_id: Id
    outcome: Text = Field(max_length=30, description="ammesso, non_ammesso, sospeso, non_valutato…")
    reason: Text = Field("", max_length=2000)
    admission_mark: int | None = Field(None, ge=0, le=10)
    citizenship_assignment: Text = Field("", max_length=2000)
    invalsi_taken: Flag = True
    pcto_completed: Flag = True
    recovery: list[RecoveryIn] = Field(default_factory=list, max_length=50)
    against: Against = Field(default_factory=list, max_length=100)


class OutcomesIn(Schema):
    entries: list[OutcomeIn] = Field(max_length=MAX_ROWS)


class OutcomeOut(Schema):
    student_id: int
    outcome: str
    reason: str
    admission_mark: int | None
    citizenship_assignment: str
    debts: list[int]


@router.get(f"{SESSION}/outcomes", response={200: list[OutcomeOut], **COUNCIL_ERRORS},
            summary="Esiti degli alunni, con le materie in debito",
            openapi_extra=PAGED)  # fmt: skip
def outcomes_read(
    request: HttpRequest, response: HttpResponse, session_id: Id, paging: Query[Paging]
) -> list[OutcomeOut]:
    session = council_session(request, session_id)
    grid = cs.marks_grid(session)
    decided = [s for s in grid.students if grid.results.get(s.pk) is not None]
    return [
        OutcomeOut(
            student_id=s.pk,
            outcome=r.outcome,
            reason=r.outcome_reason,
            admission_mark=r.admission_mark,
            citizenship_assignment=r.citizenship_assignment,
            debts=[x.pk for x in grid.subjects if (m := grid.mark(s.pk, x.pk)) and m.debt],
        )
        for s in page_of(decided, request, paging, response)
        if (r := grid.results[s.pk]) is not None
    ]


@router.put(f"{SESSION}/outcomes", response={200: SavedOut, **COUNCIL_ERRORS},
            summary="Delibera gli esiti (controllati con i criteri della scuola)")  # fmt: skip
def outcomes_write(request: HttpRequest, session_id: Id, body: OutcomesIn) -> Any:
    session = council_session(request, session_id)
    entries = [
        council.OutcomeInput(
            student_id=e.student_id,
            outcome=e.outcome,
            reason=e.reason,
            admission_mark=e.admission_mark,
            citizenship_assignment=e.citizenship_assignment,
            invalsi_taken=e.invalsi_taken,
            pcto_completed=e.pcto_completed,
            recovery={r.subject_id: r.mode for r in e.recovery if r.mode},
            gaps={r.subject_id: r.gaps for r in e.recovery if r.gaps is not None},
            against=tuple(e.against),
        )
        for e in body.entries
    ]
    saved = run(
        lambda: council.outcomes_save(user=council_user(request), session=session, entries=entries)
    )
    return saved if isinstance(saved, Status) else SavedOut(changed=saved)


class CreditOut(Schema):
    student_id: int
    average: Decimal | None
    credit: int | None
    earlier_credits: int | None
    total: int | None


class CreditIn(Schema):
    student_id: Id
    credit: int = Field(ge=0, le=40)
    earlier_credits: int | None = Field(
        None, ge=0, le=40, description="vuoto: dagli scrutini passati"
    )
    criteria_met: Flag = False
    against: Against = Field(default_factory=list, max_length=100)


class CreditsIn(Schema):
    entries: list[CreditIn] = Field(max_length=MAX_ROWS)


@router.get(f"{SESSION}/credits", response={200: list[CreditOut], **COUNCIL_ERRORS},
            summary="Crediti scolastici degli ammessi (3°–5° anno)",
            openapi_extra=PAGED)  # fmt: skip
def credits_read(
    request: HttpRequest, response: HttpResponse, session_id: Id, paging: Query[Paging]
) -> list[CreditOut]:
    session = council_session(request, session_id)
    grid = cs.marks_grid(session)
    rows = []
    students = list(cs.credit_students(grid, session))
    for student in page_of(students, request, paging, response):
        result = grid.results[student.pk]
        total = None if result.credit is None else result.credit + (result.earlier_credits or 0)
        rows.append(
            CreditOut(
                student_id=student.pk,
                average=result.average,
                credit=result.credit,
                earlier_credits=result.earlier_credits,
                total=total,
            )
        )
    return rows


@router.put(f"{SESSION}/credits", response={200: SavedOut, **COUNCIL_ERRORS},
            summary="Delibera i crediti (dentro la fascia della tabella A)")  # fmt: skip
def credits_write(request: HttpRequest, session_id: Id, body: CreditsIn) -> Any:
    session = council_session(request, session_id)
    entries = [
        council.CreditInput(
            e.student_id, e.credit, e.earlier_credits, e.criteria_met, tuple(e.against)
        )
        for e in body.entries
    ]
    saved = run(
        lambda: council.credits_save(user=council_user(request), session=session, entries=entries)
    )
    return saved if isinstance(saved, Status) else SavedOut(changed=saved)


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    version: int
    session_version: int
    created_at: datetime.datetime
    url: str


@router.get(f"{SESSION}/documents", response={200: list[DocumentOut], **COUNCIL_ERRORS},
            summary="Documenti dello scrutinio (ogni versione)",
            openapi_extra=PAGED)  # fmt: skip
def documents_list(
    request: HttpRequest, response: HttpResponse, session_id: Id, paging: Query[Paging]
) -> list[DocumentOut]:
    session = council_session(request, session_id, lead=False)
    if not documents.may_read_documents(request.user, session):
        raise Http404
    return [
        DocumentOut(
            id=d.pk,
            kind=d.kind,
            title=str(d.get_kind_display()),
            version=d.version,
            session_version=d.session_version,
            created_at=d.created_at,
            url=f"/api/v1/evaluation-sessions/{session.pk}/documents/{d.pk}",
        )
        for d in page_of(
            list(documents.documents_for_user(request.user, session)), request, paging, response
        )
    ]


@router.get(f"{SESSION}/documents/{{document_id}}", response={200: None, **COUNCIL_ERRORS},
            summary="Scarica un documento (PDF)")  # fmt: skip
def document_read(request: HttpRequest, session_id: Id, document_id: Id) -> FileResponse:
    session = council_session(request, session_id, lead=False)
    found = documents.document_for_user(request.user, session, document_id)
    if found is None:
        raise Http404
    return documents.pdf_response(found)
