"""API of a grade's page: its details as staff read them; its teacher corrects the value or the
details (description, comment for the family, weight, whether it counts, visibility date) or
cancels it, with a reason. Its history is `GET /history/voto/{id}` (register.api_history).

The same scoping and services as the grade's page (grades.views.grade_detail): a grade of a
classroom the caller does not see, or one the caller may not write (another teacher's, a
cancelled one), answers 404; a value the scale refuses, a weight out of range, a text too
long or a missing reason 400
`grade_error`; a day closed by a locked evaluation 409 `giorno_chiuso`; someone else's
correction in the meantime 409 `already_changed`. Every write keeps its history.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from campanella.grades.models import Grade
from campanella.grades.selectors import shown
from campanella.grades.services import grade_cancel, grade_change, grade_details_change, may_grade
from campanella.lib.api_errors import CONFLICT, ErrorOut
from campanella.lib.api_types import Day, Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.people.selectors import classrooms_for_user

router = Router(tags=["voti"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def visible_grade(request: HttpRequest, grade_id: int) -> tuple[User, Grade]:
    user = request.user
    assert isinstance(user, User)
    scoped = Grade.objects.filter(classroom__in=classrooms_for_user(user)).select_related(
        "student", "subject", "teacher", "classroom__school__institute"
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


class GradeDetailOut(Schema):
    id: int
    classroom_id: int
    subject_id: int
    subject: str
    student_id: int
    student: str
    teacher: str
    date: datetime.date
    kind: str
    display: str
    value: Decimal | None
    weight: Decimal
    counts_in_average: bool
    description: str
    comment: str = Field(description="il commento per la famiglia")
    visible_from: datetime.date | None = Field(description="da quando la famiglia lo vede")
    cancelled: bool
    cancel_reason: str
    writable: bool = Field(description="se chi chiede può correggerlo o annullarlo")


def grade_detail_out(user: User, grade: Grade) -> GradeDetailOut:
    writable = not grade.is_cancelled and may_grade(
        user, grade.classroom, grade.subject, grade.student
    )
    return GradeDetailOut(
        id=grade.pk, classroom_id=grade.classroom_id, subject_id=grade.subject_id,
        subject=grade.subject.name, student_id=grade.student_id,
        student=grade.student.full_name, teacher=grade.teacher.full_name,
        date=grade.date, kind=grade.kind, display=shown(grade), value=grade.value,
        weight=grade.weight, counts_in_average=grade.counts_in_average,
        description=grade.description, comment=grade.comment, visible_from=grade.visible_from,
        cancelled=grade.is_cancelled, cancel_reason=grade.cancel_reason, writable=writable,
    )  # fmt: skip


@router.get(
    "/grades/{grade_id}",
    response={200: GradeDetailOut, **ERRORS},
    summary="Un voto con i suoi dettagli (docenti e segreteria della classe)",
)
def grade_detail(request: HttpRequest, grade_id: Id) -> GradeDetailOut:
    user, grade = visible_grade(request, grade_id)
    return grade_detail_out(user, grade)


class GradeDetailsIn(Schema):
    # Their lengths are the service's (grade_error with the limit), as for a new grade.
    description: Text = Field("", description="la prova (es. verifica sulle frazioni)")
    comment: Text = Field("", description="il commento per la famiglia")
    weight: Decimal = Field(description="peso nella media, da 0 a 10")
    counts_in_average: Flag = True
    visible_from: Day | None = Field(None, description="da quando la famiglia lo vede")
    reason: Text = Field(
        "", max_length=300, description="motivo, necessario se cambiano il peso o la media"
    )


@router.put(
    "/grades/{grade_id}/details",
    response={200: GradeDetailOut, **ERRORS, **CONFLICT},
    summary="Corregge i dettagli di un proprio voto (descrizione, commento, peso, visibilità)",
)
def grade_details(request: HttpRequest, grade_id: Id, payload: GradeDetailsIn) -> GradeDetailOut:
    user, grade = visible_grade(request, grade_id)
    grade_details_change(
        user=user, grade=grade, description=payload.description, comment=payload.comment,
        weight=payload.weight, counts_in_average=payload.counts_in_average,
        visible_from=payload.visible_from, reason=payload.reason,
    )  # fmt: skip
    return grade_detail_out(user, grade)
