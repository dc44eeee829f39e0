"""API of the register's corrections an app makes besides recording: a teacher cancels an
absence, a late entry or an early exit, a disciplinary note or an annotation, with a reason;
the principal records the disciplinary measure taken on a note (a family's change of a
justification's reason is in register.api, beside the withdrawal on the same path: one path
is one router's).

The same scoping and services as the pages (register.views.cancel_event, note_cancel,
annotation_cancel and measure, the justification form): outside the caller's scope 404, a
rule of the register 400
`register_error`, a day closed by a locked evaluation 409 `giorno_chiuso`; every write keeps
its history.
"""

from __future__ import annotations

from typing import Literal, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from campanella.lib.api_errors import CONFLICT
from campanella.lib.api_types import Day, Text
from campanella.lib.ids import Id
from campanella.register import selectors, services
from campanella.register.api import ERRORS, ClassDayOut, acting, class_day_out, classroom_for
from campanella.register.models import (
    Absence,
    Annotation,
    DisciplinaryNote,
    EarlyExit,
    LateEntry,
)

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


@router.post(
    "/classrooms/{classroom_id}/annotations/{annotation_id}/cancel",
    response={204: None, **ERRORS, **CONFLICT},
    summary="Annulla un'annotazione (con il motivo; resta nella storia)",
)
def annotation_cancel(
    request: HttpRequest, classroom_id: Id, annotation_id: Id, payload: CancelIn
) -> Status[None]:
    classroom = classroom_for(request, classroom_id)
    annotation = get_object_or_404(Annotation, pk=annotation_id, classroom=classroom)
    services.note_cancel(user=acting(request), note=annotation, reason=payload.reason)
    return Status(204, None)


class MeasureIn(Schema):
    measure: Text = Field(max_length=1000, description="il provvedimento disciplinare")


class MeasureOut(Schema):
    note_id: int
    measure: str


@router.put(
    "/classrooms/{classroom_id}/notes/{note_id}/measure",
    response={200: MeasureOut, **ERRORS, **CONFLICT},
    summary="Il provvedimento del dirigente su una nota disciplinare (resta nella storia)",
)
def note_measure(
    request: HttpRequest, classroom_id: Id, note_id: Id, payload: MeasureIn
) -> MeasureOut:
    """Only the principal of the note's institute; anyone else 404, as the page."""
    classroom = classroom_for(request, classroom_id)
    note = get_object_or_404(DisciplinaryNote, pk=note_id, classroom=classroom)
    services.note_measure(user=acting(request), note=note, measure=payload.measure)
    return MeasureOut(note_id=note.pk, measure=note.measure)


EVENT_MODELS: dict[str, type[Absence] | type[LateEntry] | type[EarlyExit]] = {
    "absences": Absence,
    "late-entries": LateEntry,
    "early-exits": EarlyExit,
}
EventKind = Literal["absences", "late-entries", "early-exits"]


@router.post(
    "/classrooms/{classroom_id}/register/{day}/events/{kind}/{event_id}/cancel",
    response={200: ClassDayOut, **ERRORS, **CONFLICT},
    summary=(
        "Annulla un'assenza, un ingresso in ritardo o un'uscita anticipata (con il motivo; "
        "resta nella storia)"
    ),
)
def attendance_event_cancel(
    request: HttpRequest,
    classroom_id: Id,
    day: Day,
    kind: EventKind,
    event_id: Id,
    payload: CancelIn,
) -> ClassDayOut:
    classroom = classroom_for(request, classroom_id)
    found = get_object_or_404(EVENT_MODELS[kind], pk=event_id, classroom=classroom, date=day)
    record = cast(Absence | LateEntry | EarlyExit, found)  # one of the three models above
    services.attendance_cancel(user=acting(request), record=record, reason=payload.reason)
    return class_day_out(selectors.class_day(classroom, day))
