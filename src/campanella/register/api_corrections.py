"""API of the register's corrections an app makes besides recording: a teacher cancels a
disciplinary note with a reason (a family's change of a justification's reason is in
register.api, beside the withdrawal on the same path: one path is one router's).

The same scoping and services as the pages (register.views.note_cancel, the justification
form): outside the caller's scope 404, a rule of the register 400 `register_error`, a day
closed by a locked evaluation 409 `giorno_chiuso`; every write keeps its history.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from campanella.lib.api_errors import CONFLICT
from campanella.lib.api_types import Text
from campanella.lib.ids import Id
from campanella.register import services
from campanella.register.api import ERRORS, acting, classroom_for
from campanella.register.models import DisciplinaryNote

router = Router(tags=["registro di classe"])


class CancelIn(Schema):
    reason: Text = Field(max_length=300, description="motivo dell'annullamento")


@router.post(
    "/classrooms/{classroom_id}/notes/{note_id}/cancel",
    response={204: None, **ERRORS, **CONFLICT},
    summary="Annulla una nota disciplinare (con il motivo; resta nella storia)",
)
def note_cancel(
    request: HttpRequest, classroom_id: Id, note_id: Id, payload: CancelIn
) -> Status[None]:
    classroom = classroom_for(request, classroom_id)
    note = get_object_or_404(DisciplinaryNote, pk=note_id, classroom=classroom)
    services.note_cancel(user=acting(request), note=note, reason=payload.reason)
    return Status(204, None)
