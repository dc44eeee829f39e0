"""API of the scrutini's sessions: the list, one session with its steps and lock state, and
the moves (advance, undo, lock, reopen), authorized like the pages by `evaluation.rules`.

A session the login may not see answers 404; one it sees but may not move, 403
`not_allowed`; a refused move 409 with a stable code (`step_blocked` with the problems in
`errors`, `step_order`, `session_locked`, `not_locked`, `already_changed`); a missing reason
400 `reason_required`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from campanella.audit.concurrency import AlreadyChanged
from campanella.evaluation import rules, selectors, steps
from campanella.evaluation.models import EvaluationSession, Step
from campanella.evaluation.sessions import (
    SessionError,
    session_lock,
    session_reopen,
    step_advance,
    step_undo,
)
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_types import Text
from campanella.lib.ids import Id

router = Router(tags=["scrutini"])

ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}

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
)
def session_list(request: HttpRequest, classroom_id: Id | None = None) -> list[dict[str, Any]]:
    sessions = selectors.sessions_visible(request.user)
    if classroom_id is not None:
        sessions = sessions.filter(classroom_id=classroom_id)
    return [session_out(session) for session in sessions]


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
