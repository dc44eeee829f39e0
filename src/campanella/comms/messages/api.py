"""API of messages under /api/v1/messages (authorized like the pages, by `rules`): a login's
threads (paged), one thread with its messages, start a thread, reply, mark read, download an
attachment. A thread the caller is not a side of answers 404 like a missing one, a family it
may not write to 404 `destinatario_non_raggiungibile`, and nothing is written.

Starting a thread and replying take JSON; their `…/with-attachments` twins take the same fields
as multipart/form-data plus `files`, checked by the service the pages call (size, kind by
content, count): a refused file answers 400 with its code and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from campanella.comms.messages import rules, selectors, services
from campanella.comms.messages.models import Message, MessageAttachment, Thread
from campanella.comms.notices.views import private_file
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_types import Text
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["messaggi"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITTEN: dict[int, Any] = {409: ErrorOut, 400: ErrorOut, **ERRORS}
MAX_LIMIT = 100
# Refusals of the input (400); the other MessageErrors are of the state of things (409).
INPUT_CODES = frozenset({
    "testo_mancante", "oggetto_mancante", "testo_troppo_lungo", "oggetto_troppo_lungo",
    "file_troppo_grande", "tipo_non_ammesso", "troppi_allegati",
})  # fmt: skip
Files = File[list[UploadedFile]]


class ThreadOut(Schema):
    id: int
    subject: str
    student_id: int
    student: str
    with_office: bool
    teacher: str | None = Field(description="il docente; null: la segreteria")
    last_message_at: datetime.datetime
    unread: bool


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class MessageOut(Schema):
    id: int
    thread_id: int
    author: str
    side: str = Field(description="famiglia, docente o segreteria")
    body: str
    created_at: datetime.datetime
    attachments: list[AttachmentOut]


class ThreadDetailOut(ThreadOut):
    side: str = Field(description="il lato di chi legge: famiglia, docente o segreteria")
    messages: list[MessageOut]


class ThreadPage(Schema):
    count: int
    limit: int
    offset: int
    unread: int
    items: list[ThreadOut]


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class ThreadIn(Schema):
    student_id: Id = Field(description="l'alunno di cui si parla")
    teacher_id: Id | None = Field(
        None, description="per una famiglia: il docente (id del personale) a cui scrivere"
    )
    to_office: bool = Field(False, description="per una famiglia: scrivere alla segreteria")
    subject: Text = Field(max_length=200)
    body: Text = Field(max_length=5000)


class ReplyIn(Schema):
    body: Text = Field(max_length=5000)


class ReadOut(Schema):
    thread_id: int
    changed: bool


def thread_out(thread: Thread, unread: bool) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "subject": thread.subject,
        "student_id": thread.student_id,
        "student": thread.student.full_name,
        "with_office": thread.with_office,
        "teacher": thread.teacher.full_name if thread.teacher is not None else None,
        "last_message_at": thread.last_message_at,
        "unread": unread,
    }


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        thread_id=message.thread_id,
        author=message.author_name,
        side=message.author_side,
        body=message.body,
        created_at=message.created_at,
        attachments=[
            AttachmentOut(
                id=a.pk, name=a.name, size=a.size, content_type=a.content_type,
                url=f"/api/v1/messages/{message.thread_id}/attachments/{a.pk}",
            )
            for a in message.attachments.all()
        ],
    )  # fmt: skip


@router.get("/messages", response={200: ThreadPage, **ERRORS},
            summary="Conversazioni (a pagine, la più recente prima)")  # fmt: skip
def threads_list(request: HttpRequest, query: Query[PageQuery]) -> ThreadPage:
    rows = selectors.inbox(request.user)
    page = list(rows[query.offset : query.offset + query.limit])
    return ThreadPage(
        count=rows.count(),
        limit=query.limit,
        offset=query.offset,
        unread=selectors.unread_count(request.user),
        items=[ThreadOut(**thread_out(t, bool(getattr(t, "unread", False)))) for t in page],
    )


def refused(error: services.MessageError) -> Status[ErrorOut]:
    status = 404 if isinstance(error, services.Unreachable) else 409
    if error.code in INPUT_CODES:
        status = 400
    return Status(status, error_body(error.code, error.message))


def started(request: HttpRequest, payload: ThreadIn, files: list[UploadedFile]) -> Any:
    assert isinstance(request.user, User)
    try:
        message = services.thread_start(
            user=request.user, student_id=payload.student_id, teacher_id=payload.teacher_id,
            to_office=payload.to_office, subject=payload.subject, body=payload.body, files=files,
        )  # fmt: skip
    except services.MessageError as error:
        return refused(error)
    return Status(201, message_out(message))


@router.post("/messages", response={201: MessageOut, **WRITTEN},
             summary="Inizia una conversazione con il primo messaggio")  # fmt: skip
def thread_create(request: HttpRequest, payload: ThreadIn) -> Any:
    """A family writes about a child to one of its teachers (`teacher_id`) or to the office
    (`to_office`); a teacher or the office to the family of `student_id`. 404
    `destinatario_non_raggiungibile` for a family or a teacher the caller may not write to;
    409 `fuori_orario` when the teacher does not receive messages now (the message says
    when); 400 for an empty text. Nothing is written on a refusal. With attachments:
    `POST /messages/with-attachments`."""
    return started(request, payload, [])


# Before `/messages/{thread_id}`, whose path would otherwise claim `with-attachments`.
@router.post("/messages/with-attachments", response={201: MessageOut, **WRITTEN},
             summary="Inizia una conversazione con allegati (multipart/form-data)")  # fmt: skip
def thread_create_with_attachments(
    request: HttpRequest, payload: Form[ThreadIn], files: Files
) -> Any:
    """multipart/form-data: the fields of `POST /messages` and `files`, one part per file (at
    most 5; size and kinds as on the page, the kind told by the content). A refused file:
    400 `file_troppo_grande`, `tipo_non_ammesso` or `troppi_allegati`, nothing written."""
    return started(request, payload, files)


@router.get("/messages/{thread_id}", response={200: ThreadDetailOut, **ERRORS},
            summary="Una conversazione con i suoi messaggi (non la segna come letta)")  # fmt: skip
def thread_detail(request: HttpRequest, thread_id: Id) -> ThreadDetailOut:
    access = rules.thread_access(request.user, thread_id)
    if access is None:
        raise Http404
    unread = access.thread.participants.filter(
        user_id=request.user.pk or 0, unread_since__isnull=False
    ).exists()
    return ThreadDetailOut(
        **thread_out(access.thread, unread),
        side=access.side,
        messages=[message_out(m) for m in selectors.thread_messages(access.thread)],
    )


@router.post("/messages/{thread_id}/replies", response={201: MessageOut, **WRITTEN},
             summary="Risponde in una conversazione")  # fmt: skip
def thread_reply(request: HttpRequest, thread_id: Id, payload: ReplyIn) -> Any:
    """409 `fuori_orario` when a family writes to a teacher who does not receive now. With
    attachments: `POST /messages/{thread_id}/replies/with-attachments`."""
    return replied(request, thread_id, payload, [])


@router.post("/messages/{thread_id}/replies/with-attachments",
             response={201: MessageOut, **WRITTEN},
             summary="Risponde con allegati (multipart/form-data)")  # fmt: skip
def thread_reply_with_attachments(
    request: HttpRequest, thread_id: Id, payload: Form[ReplyIn], files: Files
) -> Any:
    """multipart/form-data: `body` and `files`, one part per file (at most 5). A refused
    file: 400 `file_troppo_grande`, `tipo_non_ammesso` or `troppi_allegati`, nothing
    written."""
    return replied(request, thread_id, payload, files)


def replied(
    request: HttpRequest, thread_id: int, payload: ReplyIn, files: list[UploadedFile]
) -> Any:
    assert isinstance(request.user, User)
    try:
        message = services.message_send(
            user=request.user, thread_id=thread_id, body=payload.body, files=files
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.MessageError as error:
        return refused(error)
    return Status(201, message_out(message))


@router.post("/messages/{thread_id}/read", response={200: ReadOut, **ERRORS},
             summary="Segna la conversazione come letta")  # fmt: skip
def thread_mark_read(request: HttpRequest, thread_id: Id) -> ReadOut:
    assert isinstance(request.user, User)
    try:
        changed = services.thread_read_by_id(user=request.user, thread_id=thread_id)
    except services.NotAllowed:
        raise Http404 from None
    return ReadOut(thread_id=thread_id, changed=changed)


@router.get("/messages/{thread_id}/attachments/{attachment_id}",
            response={200: None, **ERRORS}, summary="Scarica un allegato")  # fmt: skip
def attachment_download(request: HttpRequest, thread_id: Id, attachment_id: Id) -> FileResponse:
    access = rules.thread_access(request.user, thread_id)
    if access is None:
        raise Http404
    found = get_object_or_404(MessageAttachment, pk=attachment_id, thread=access.thread)
    return private_file(found.file, found.name, found.content_type)
