"""API of a grade's corrections: its teacher corrects the value or cancels it, with a reason.

The same scoping and services as the grade's page (grades.views.grade_detail): a grade of a
classroom the caller does not see, or one the caller may not write (another teacher's, a
cancelled one), answers 404; a value the scale refuses or a missing reason 400
`grade_error`; a day closed by a locked evaluation 409 `giorno_chiuso`; someone else's
correction in the meantime 409 `already_changed`. Every write keeps its history.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from campanella.grades.models import Grade
from campanella.grades.services import grade_cancel, grade_change
from campanella.lib.api_errors import CONFLICT, ErrorOut
from campanella.lib.api_types import Text
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.people.selectors import classrooms_for_user

router = Router(tags=["voti"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def visible_grade(request: HttpRequest, grade_id: int) -> tuple[User, Grade]:
    user = request.user
    assert isinstance(user, User)
    scoped = Grade.objects.filter(classroom__in=classrooms_for_user(user)).select_related(
        "student", "subject", "classroom__school__institute"
    )
    return user, get_object_or_404(scoped, pk=grade_id)


class GradeChangeIn(Schema):
    grade: Text = Field(max_length=16, description="il nuovo voto (7+, 6½, 6/7, …)")
    reason: Text = Field(max_length=300, description="motivo della correzione")


class GradeCancelIn(Schema):
    reason: Text = Field(max_length=300, description="motivo dell'annullamento")


@router.put(
    "/grades/{grade_id}",
    response={204: None, **ERRORS, **CONFLICT},
    summary="Corregge il valore di un proprio voto (con il motivo)",
)
def grade_correct(request: HttpRequest, grade_id: Id, payload: GradeChangeIn) -> Status[None]:
    user, grade = visible_grade(request, grade_id)
    grade_change(user=user, grade=grade, text=payload.grade, reason=payload.reason)
    return Status(204, None)


@router.post(
    "/grades/{grade_id}/cancel",
    response={204: None, **ERRORS, **CONFLICT},
    summary="Annulla un proprio voto (con il motivo; resta nella storia)",
)
def grade_cancel_op(request: HttpRequest, grade_id: Id, payload: GradeCancelIn) -> Status[None]:
    user, grade = visible_grade(request, grade_id)
    grade_cancel(user=user, grade=grade, reason=payload.reason)
    return Status(204, None)
