"""API of the message settings and the office's letters to whole classrooms, as their pages
(comms.messages.views hours_page, teacher_inbox, broadcast): the institute's hours in which
teachers receive families' messages (read by its office and teachers, set by the office); a
teacher's choice to close their inbox outside them; the office writing once to the families of
whole classrooms (one thread per student), in JSON or, with attachments, as multipart/form-data
(`/message-broadcasts/with-attachments`: the files checked by the pages' service and stored
once for every thread). Who may not answers 404, and nothing is written.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictInt

from campanella.comms.messages import hours, rules, services
from campanella.comms.messages.api import ERRORS, WRITTEN, Files, refused
from campanella.comms.messages.models import TeacherInbox
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_types import ClockTime, Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["messaggi"])
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]


def acting(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class MessageHoursOut(Schema):
    weekdays: list[int] = Field(description="0 = lunedì … 6 = domenica")
    opens_at: ClockTime
    closes_at: ClockTime
    described: str = Field(description="l'orario in italiano, come sulla pagina")
    open_now: bool
    closed_off_hours: bool = Field(description="per un docente: non riceve fuori orario")


def hours_out(user: User, institute_id: int) -> MessageHoursOut:
    current = hours.hours_of(institute_id)
    return MessageHoursOut(
        weekdays=list(current.weekdays), opens_at=current.opens_at, closes_at=current.closes_at,
        described=hours.describe(current), open_now=hours.is_open(current, timezone.now()),
        closed_off_hours=TeacherInbox.objects.filter(user=user, closed_off_hours=True).exists(),
    )  # fmt: skip


@router.get("/message-hours", response={200: MessageHoursOut, **ERRORS},
            summary="L'orario in cui i docenti ricevono i messaggi delle famiglie")  # fmt: skip
def message_hours(request: HttpRequest) -> MessageHoursOut:
    institute_id = rules.hours_institute_id(request.user)
    if institute_id is None:
        raise Http404
    return hours_out(acting(request), institute_id)


class MessageHoursIn(Schema):
    weekdays: list[Weekday] = Field(max_length=7, description="0 = lunedì … 6 = domenica")
    opens_at: ClockTime
    closes_at: ClockTime


@router.put("/message-hours", response={200: MessageHoursOut, **WRITTEN},
            summary="Imposta l'orario dei messaggi (segreteria)")  # fmt: skip
def message_hours_set(request: HttpRequest, payload: MessageHoursIn) -> Any:
    """400 `orario_non_valido` when the end does not follow the start."""
    user = acting(request)
    try:
        services.message_hours_set(
            user=user, weekdays=payload.weekdays, opens_at=payload.opens_at,
            closes_at=payload.closes_at,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.MessageError as error:
        return Status(400, error_body(error.code, error.message))
    institute_id = rules.hours_institute_id(user)
    assert institute_id is not None  # the office, who just set them
    return hours_out(user, institute_id)


class InboxIn(Schema):
    closed_off_hours: Flag = Field(description="true: le famiglie non scrivono fuori orario")


class InboxOut(Schema):
    closed_off_hours: bool


@router.put("/message-inbox", response={200: InboxOut, 400: ErrorOut, **ERRORS},
            summary="Il docente sceglie se ricevere i messaggi fuori orario")  # fmt: skip
def message_inbox_set(request: HttpRequest, payload: InboxIn) -> InboxOut:
    try:
        inbox = services.teacher_inbox_set(
            user=acting(request), closed_off_hours=payload.closed_off_hours
        )
    except services.NotAllowed:
        raise Http404 from None
    return InboxOut(closed_off_hours=inbox.closed_off_hours)


class BroadcastIn(Schema):
    classroom_ids: list[Id] = Field(min_length=1, max_length=500)
    subject: Text = Field(max_length=200)
    body: Text = Field(max_length=5000)


class BroadcastOut(Schema):
    id: int
    subject: str
    classroom_ids: list[int]
    thread_count: int = Field(description="le conversazioni aperte, una per alunno")
    created_at: datetime.datetime


@router.post("/message-broadcasts", response={201: BroadcastOut, **WRITTEN},
             summary="La segreteria scrive alle famiglie di intere classi")  # fmt: skip
def broadcast_create(request: HttpRequest, payload: BroadcastIn) -> Any:
    """A classroom of another institute: 404 `destinatario_non_raggiungibile`; an empty
    subject or text 400. With attachments: `POST /message-broadcasts/with-attachments`."""
    return broadcast_sent(request, payload, [])


@router.post("/message-broadcasts/with-attachments", response={201: BroadcastOut, **WRITTEN},
             summary="La segreteria scrive a intere classi, con allegati (multipart)")  # fmt: skip
def broadcast_create_with_attachments(
    request: HttpRequest, payload: Form[BroadcastIn], files: Files
) -> Any:
    """multipart/form-data: `classroom_ids` (one part per classroom), `subject`, `body` and
    `files`, one part per file (at most 5), each stored once for all the threads. A refused
    file: 400 `file_troppo_grande`, `tipo_non_ammesso` or `troppi_allegati`, nothing
    written."""
    return broadcast_sent(request, payload, files)


def broadcast_sent(request: HttpRequest, payload: BroadcastIn, files: list[UploadedFile]) -> Any:
    try:
        sent = services.broadcast_send(
            user=acting(request), classroom_ids=payload.classroom_ids,
            subject=payload.subject, body=payload.body, files=files,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.MessageError as error:
        return refused(error)
    return Status(201, BroadcastOut(
        id=sent.pk, subject=sent.subject, classroom_ids=list(sent.classroom_ids),
        thread_count=sent.thread_count, created_at=sent.created_at,
    ))  # fmt: skip
