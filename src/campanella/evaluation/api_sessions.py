"""API of the scrutini's sessions: the list, one session with its steps and lock state,
opening the sessions of a period, postponing one student, and the moves (advance, undo, lock,
reopen), authorized like the pages by `evaluation.rules` and written by `evaluation.sessions`.

A session (or a period, a classroom, a student) the login may not see answers 404; one it sees
but may not move, 403 `not_allowed`; a refused move 409 with a stable code (`step_blocked`
with the problems in `errors`, `step_order`, `session_locked`, `not_locked`,
`already_changed`); a missing reason 400 `reason_required`; sessions that do not fit the
period (kind, classrooms) 400 `invalid_session`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from campanella.audit.concurrency import AlreadyChanged
from campanella.evaluation import rules, selectors, steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.evaluation.sessions import (
    SessionError,
    session_defer,
    session_lock,
    session_reopen,
    sessions_create,
    step_advance,
    step_undo,
)
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.api_types import Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import Student
from campanella.people.roles import roles_for_user
from campanella.school.models import Classroom, Term

router = Router(tags=["scrutini"])

ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}
MAX_CLASSROOMS = 500  # more than any institute has

# The status of each refusal of evaluation.sessions, by its code.
STATUS = {
    "not_allowed": 403,
    "reason_required": 400,
    "reason_too_long": 400,
    "invalid_session": 400,
}


class SessionOut(Schema):
    id: int
    classroom_id: int
    classroom: str = Field(description="es. 1ª A")
    term_id: int
    term: str = Field(description="es. 1° trimestre 2026/2027")
    kind: str = Field(description="intermedio, finale, integrativo, rinviato")
    kind_label: str
    student_id: int | None = Field(description="solo per uno scrutinio rinviato")
    step: str = Field(description="la fase in corso (chiuso: scrutinio chiuso)")
    step_label: str
    locked: bool
    locked_at: datetime.datetime | None
    version: int = Field(description="cresce a ogni riapertura")


class StepOut(Schema):
    step: str
    label: str
    state: str = Field(description="done, current, todo")


class SessionDetailOut(SessionOut):
    steps: list[StepOut] = Field(description="le fasi di questo scrutinio, in ordine")
    next_step: str | None
    previous_step: str | None
    problems: list[str] = Field(description="cosa impedisce di lasciare la fase in corso")
    may_lead: bool = Field(description="chi chiede può far avanzare, tornare indietro, chiudere")
    may_reopen: bool = Field(description="chi chiede può riaprire (il dirigente, se chiuso)")


class MoveIn(Schema):
    from_step: Step | None = Field(
        default=None,
        description="la fase vista da chi chiede: se nel frattempo è cambiata, 409 already_changed",
    )


class ReopenIn(Schema):
    reason: Text = Field(max_length=300, description="il motivo della riapertura")


def session_out(session: EvaluationSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "classroom_id": session.classroom_id,
        "classroom": session.classroom.name,
        "term_id": session.term_id,
        "term": str(session.term),
        "kind": session.kind,
        "kind_label": session.get_kind_display(),
        "student_id": session.student_id,
        "step": session.step,
        "step_label": steps.step_label(session.step),
        "locked": session.is_locked,
        "locked_at": session.locked_at,
        "version": session.version,
    }


def detail_out(session: EvaluationSession, user: Any) -> SessionDetailOut:
    applicable = steps.applicable_steps(session)
    current = applicable.index(Step(session.step)) if session.step in applicable else -1
    following = steps.next_step(session)
    earlier = steps.previous_step(session)
    locked = session.is_locked
    return SessionDetailOut(
        **session_out(session),
        steps=[
            StepOut(
                step=step.value,
                label=steps.step_label(step),
                state=(
                    "done"
                    if index < current or (step == Step.LOCKED and locked)
                    else "current"
                    if index == current
                    else "todo"
                ),
            )
            for index, step in enumerate(applicable)
        ],
        next_step=following.value if following else None,
        previous_step=earlier.value if earlier else None,
        problems=[] if locked or following is None else steps.step_problems(session),
        may_lead=rules.may_lead(user, session),
        may_reopen=locked and rules.may_reopen(user, session),
    )


def visible(request: HttpRequest, session_id: int) -> EvaluationSession:
    session = selectors.session_for_user(request.user, session_id)
    if session is None:
        raise Http404
    return session


def refused(error: SessionError) -> Status:
    details = [{"message": problem} for problem in error.problems]
    return Status(STATUS.get(error.code, 409), error_body(error.code, error.message, details))


@router.get(
    "/evaluation-sessions",
    response={200: list[SessionOut], **ERRORS},
    summary="Scrutini visibili a chi chiede, per periodo e classe",
    openapi_extra=PAGED,
)
def session_list(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    classroom_id: Id | None = None,
) -> list[dict[str, Any]]:
    sessions = selectors.sessions_visible(request.user)
    if classroom_id is not None:
        sessions = sessions.filter(classroom_id=classroom_id)
    return [session_out(session) for session in page_of(sessions, request, paging, response)]


@router.get(
    "/evaluation-sessions/{session_id}",
    response={200: SessionDetailOut, **ERRORS},
    summary="Uno scrutinio: le fasi, la fase in corso, cosa la blocca, la chiusura",
)
def session_detail(request: HttpRequest, session_id: Id) -> SessionDetailOut:
    return detail_out(visible(request, session_id), request.user)


def moved(request: HttpRequest, session_id: int, move: Any, **kwargs: Any) -> Any:
    session = visible(request, session_id)
    try:
        move(session=session, user=request.user, **kwargs)
    except SessionError as error:
        return refused(error)
    except AlreadyChanged as error:
        return Status(409, error_body(error.code, error.message))
    return Status(200, detail_out(visible(request, session_id), request.user))


@router.post(
    "/evaluation-sessions/{session_id}/advance",
    response={200: SessionDetailOut, **MOVE_ERRORS},
    summary="Passa alla fase successiva (coordinatore o dirigente)",
    description="409 `step_blocked` con i problemi in `errors` se la fase non è completa.",
)
def advance(request: HttpRequest, session_id: Id, body: MoveIn) -> Any:
    return moved(request, session_id, step_advance, from_step=body.from_step)


@router.post(
    "/evaluation-sessions/{session_id}/undo",
    response={200: SessionDetailOut, **MOVE_ERRORS},
    summary="Torna alla fase precedente, conservando quanto registrato (fino alla chiusura)",
)
def undo(request: HttpRequest, session_id: Id, body: MoveIn) -> Any:
    return moved(request, session_id, step_undo, from_step=body.from_step)


@router.post(
    "/evaluation-sessions/{session_id}/lock",
    response={200: SessionDetailOut, **MOVE_ERRORS},
    summary="Chiude lo scrutinio: da allora nulla di ciò che lo alimenta si modifica",
    description="Dalla fase del verbale, con tutte le fasi complete (409 `step_blocked`).",
)
def lock(request: HttpRequest, session_id: Id, body: MoveIn) -> Any:
    return moved(request, session_id, session_lock, from_step=body.from_step)


@router.post(
    "/evaluation-sessions/{session_id}/reopen",
    response={200: SessionDetailOut, **MOVE_ERRORS},
    summary="Riapre uno scrutinio chiuso (solo il dirigente, con il motivo)",
)
def reopen(request: HttpRequest, session_id: Id, body: ReopenIn) -> Any:
    return moved(request, session_id, session_reopen, reason=body.reason)


# --- opening sessions and postponing a student ---------------------------------------------


class SessionsCreateIn(Schema):
    term_id: Id = Field(description="il periodo (trimestre, quadrimestre…) dell'istituto")
    kind: SessionKind = Field(
        description="intermedio (periodi prima dell'ultimo), finale o integrativo (ultimo "
        "periodo); rinviato si apre per un alunno con …/students/{student_id}/defer"
    )
    classroom_ids: list[Id] = Field(
        default_factory=list,
        max_length=MAX_CLASSROOMS,
        description="le classi scelte, della scuola e dell'anno del periodo",
    )
    all_classrooms: Flag = Field(
        False, description="tutte le classi della scuola e dell'anno del periodo"
    )


class SkippedOut(Schema):
    classroom_id: int
    classroom: str
    reason: str = Field(description="perché la classe non ha lo scrutinio (integrativo)")


class SessionsCreatedOut(Schema):
    created: list[SessionOut] = Field(description="gli scrutini aperti ora")
    existing: list[SessionOut] = Field(description="gli scrutini che erano già aperti")
    skipped: list[SkippedOut]


def shaped(ids: list[int]) -> list[SessionOut]:
    """The sessions with these ids, in the list's order, in one query."""
    if not ids:
        return []
    found = selectors.with_shape(EvaluationSession.objects.filter(pk__in=ids)).order_by(
        "classroom__year", "classroom__section", "classroom__track", "pk"
    )
    return [SessionOut(**session_out(session)) for session in found]


@router.post(
    "/evaluation-sessions",
    response={200: SessionsCreatedOut, 201: SessionsCreatedOut, **MOVE_ERRORS},
    summary="Apre gli scrutini di un periodo per le classi scelte o tutte (segreteria, dirigente)",
    description=(
        "Idempotente: una classe che ha già il suo scrutinio lo mantiene (in `existing`). "
        "201 se ne ha aperto almeno uno, altrimenti 200. Un periodo o una classe di un altro "
        "istituto: 404; chi non è segreteria né dirigente: 403 `not_allowed`; un tipo che non "
        "si addice al periodo, classi di un'altra scuola o anno, nessuna classe: 400 "
        "`invalid_session`."
    ),
)
def sessions_open(request: HttpRequest, body: SessionsCreateIn) -> Any:
    staff = roles_for_user(request.user).staff
    if staff is None:
        raise Http404
    institute_id = staff.institute_id
    term = (
        Term.objects.filter(pk=body.term_id, school__institute_id=institute_id)
        .select_related("school", "school_year")
        .first()
    )
    if term is None:  # another institute's, or none at all
        raise Http404
    if body.all_classrooms and body.classroom_ids:
        return Status(
            400,
            error_body(
                "invalid_session", "Indicare le classi scelte oppure tutte le classi, non entrambe."
            ),
        )
    in_institute = Classroom.objects.filter(school__institute_id=institute_id)
    if body.all_classrooms:
        chosen = in_institute.filter(school_id=term.school_id, school_year_id=term.school_year_id)
    else:
        wanted = set(body.classroom_ids)
        chosen = in_institute.filter(pk__in=wanted)
        if len(chosen) != len(wanted):  # another institute's, or none at all
            raise Http404
    try:
        made = sessions_create(
            classrooms=list(chosen), term=term, kind=body.kind, user=request.user
        )
    except SessionError as error:
        return refused(error)
    answer = SessionsCreatedOut(
        created=shaped([s.pk for s in made.created]),
        existing=shaped([s.pk for s in made.existing]),
        skipped=[
            SkippedOut(classroom_id=classroom.pk, classroom=classroom.name, reason=reason)
            for classroom, reason in made.skipped
        ],
    )
    return Status(201 if made.created else 200, answer)


@router.post(
    "/evaluation-sessions/{session_id}/students/{student_id}/defer",
    response={200: SessionDetailOut, 201: SessionDetailOut, **MOVE_ERRORS},
    summary="Rinvia lo scrutinio di un alunno a una seduta propria (coordinatore, segreteria, "
    "dirigente)",
    description=(
        "Risponde lo scrutinio rinviato dell'alunno: 201 se aperto ora, 200 se c'era già. "
        "Un alunno che non è dello scrutinio: 404; chi vede lo scrutinio ma non può rinviarlo: "
        "403 `not_allowed`; uno scrutinio chiuso: 409 `session_locked`; uno scrutinio che non "
        "è intermedio o finale: 400 `invalid_session`."
    ),
)
def session_defer_api(request: HttpRequest, session_id: Id, student_id: Id) -> Any:
    session = visible(request, session_id)
    already = EvaluationSession.objects.filter(
        classroom_id=session.classroom_id,
        term_id=session.term_id,
        kind=SessionKind.DEFERRED,
        student_id=student_id,
    )
    # The session's students, or one already postponed from it (asking again answers it).
    student = (
        Student.objects.filter(
            Q(pk__in=selectors.session_students(session).values("pk"))
            | Q(pk__in=already.values("student_id")),
            pk=student_id,
        ).first()
        if session.kind in (SessionKind.INTERMEDIATE, SessionKind.FINAL)
        else selectors.session_students(session).filter(pk=student_id).first()
    )
    if student is None:
        raise Http404
    existed = already.exists()
    try:
        deferred = session_defer(session=session, student=student, user=request.user)
    except SessionError as error:
        return refused(error)
    except AlreadyChanged as error:
        return Status(409, error_body(error.code, error.message))
    return Status(200 if existed else 201, detail_out(visible(request, deferred.pk), request.user))
