"""API of notices under /api/v1/notices (authorized like the pages, by `rules`): a login's
notices (paged), one notice, mark read, confirm reading, answer a consent. A notice the caller
did not receive answers 404 like a missing one, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from campanella.comms.notices import rules, selectors, services
from campanella.comms.notices.models import NoticeRecipient
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["comunicazioni"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 100


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str


class ConsentOut(Schema):
    student_id: int | None
    agrees: bool
    text: str
    answered_at: datetime.datetime


class NoticeOut(Schema):
    id: int
    number: int
    kind: str
    title: str
    author: str
    published_at: datetime.datetime
    expires_at: datetime.datetime | None
    read_at: datetime.datetime | None
    requires_confirmation: bool
    confirmed_at: datetime.datetime | None
    asks_consent: bool
    consent_deadline: datetime.datetime | None
    withdrawn_at: datetime.datetime | None = Field(
        description="annullata: da quando (non chiede più conferma né adesione)"
    )
    withdrawal_reason: str = Field(description="il motivo dell'annullamento, o vuoto")


class NoticeDetailOut(NoticeOut):
    body: str
    protocol: str
    audience: str
    consent_question: str
    consent_per_child: bool
    consent_student_ids: list[int] = Field(
        description="per chi si risponde (figli); vuoto: per sé stessi"
    )
    consents: list[ConsentOut]
    attachments: list[AttachmentOut]


class NoticePage(Schema):
    count: int
    limit: int
    offset: int
    unread: int
    items: list[NoticeOut]


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class ReceiptOut(Schema):
    notice_id: int
    read_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None
    created: bool


class ConsentIn(Schema):
    agrees: bool
    text: str = Field("", max_length=1000)
    student_id: Id | None = Field(None, description="il figlio, se l'adesione è per figlio")


def summary(row: NoticeRecipient) -> dict[str, Any]:
    notice = row.notice
    return {
        "id": notice.pk,
        "number": notice.number,
        "kind": notice.kind,
        "title": notice.title,
        "author": notice.author_name,
        "published_at": notice.publish_at,
        "expires_at": notice.expires_at,
        "read_at": row.read_at,
        "requires_confirmation": notice.requires_confirmation,
        "confirmed_at": row.confirmed_at,
        "asks_consent": notice.asks_consent,
        "consent_deadline": notice.consent_deadline,
        "withdrawn_at": notice.withdrawn_at,
        "withdrawal_reason": notice.withdrawal_reason,
    }


@router.get("/notices", response={200: NoticePage, **ERRORS},
            summary="Comunicazioni ricevute (a pagine)")  # fmt: skip
def notices_list(request: HttpRequest, query: Query[PageQuery]) -> NoticePage:
    rows = selectors.received_notices(request.user)
    page = list(rows[query.offset : query.offset + query.limit])
    return NoticePage(
        count=rows.count(),
        limit=query.limit,
        offset=query.offset,
        unread=selectors.unread_count(request.user),
        items=[NoticeOut(**summary(row)) for row in page],
    )


def recipient_or_404(request: HttpRequest, notice_id: int) -> NoticeRecipient:
    access = rules.notice_access(request.user, notice_id)
    if access is None or access.recipient is None:
        raise Http404
    return access.recipient


@router.get("/notices/{notice_id}", response={200: NoticeDetailOut, **ERRORS},
            summary="Una comunicazione ricevuta (non la segna come letta)")  # fmt: skip
def notice_detail(request: HttpRequest, notice_id: Id) -> NoticeDetailOut:
    row = recipient_or_404(request, notice_id)
    notice = row.notice
    students = rules.consent_students(row) if notice.asks_consent else None
    return NoticeDetailOut(
        **summary(row),
        body=notice.body,
        protocol=notice.protocol,
        audience=notice.audience_label,
        consent_question=notice.consent_question,
        consent_per_child=notice.consent_per_child,
        consent_student_ids=[s.pk for s in students or []],
        consents=[
            ConsentOut(
                student_id=c.student_id, agrees=c.agrees, text=c.text, answered_at=c.answered_at
            )
            for c in selectors.own_consents(row).values()
        ],
        attachments=[
            AttachmentOut(
                id=a.pk,
                name=a.name,
                size=a.size,
                url=f"/comunicazioni/{notice.pk}/allegati/{a.pk}/",
            )
            for a in notice.attachments.all()
        ],
    )


@router.post("/notices/{notice_id}/read", response={200: ReceiptOut, **ERRORS},
             summary="Segna la comunicazione come letta")  # fmt: skip
def notice_mark_read(request: HttpRequest, notice_id: Id) -> ReceiptOut:
    assert isinstance(request.user, User)
    try:
        row = recipient_or_404(request, notice_id)
        created = services.notice_read(user=request.user, recipient=row)
    except services.NotAllowed:
        raise Http404 from None
    return ReceiptOut(
        notice_id=notice_id, read_at=row.read_at, confirmed_at=row.confirmed_at, created=created
    )


ANSWERED: dict[int, Any] = {200: ReceiptOut, 201: ReceiptOut, 409: ErrorOut, **ERRORS}


@router.post("/notices/{notice_id}/confirmation", response=ANSWERED,
             summary="Conferma la lettura (presa visione)")  # fmt: skip
def notice_confirm(request: HttpRequest, notice_id: Id) -> Any:
    """Idempotent: 201 the first time, then 200 with the first confirmation. 409
    `conferma_non_richiesta` when the notice does not ask for it."""
    assert isinstance(request.user, User)
    try:
        row, created = services.notice_confirm(user=request.user, notice_id=notice_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        return Status(409, error_body(error.code, error.message))
    body = ReceiptOut(
        notice_id=notice_id, read_at=row.read_at, confirmed_at=row.confirmed_at, created=created
    )
    return Status(201 if created else 200, body)


CONSENTED: dict[int, Any] = {
    200: ConsentOut,
    201: ConsentOut,
    400: ErrorOut,
    409: ErrorOut,
    **ERRORS,
}


@router.post("/notices/{notice_id}/consent", response=CONSENTED,
             summary="Risponde all'adesione (sì/no), per sé o per un figlio")  # fmt: skip
def notice_consent(request: HttpRequest, notice_id: Id, payload: ConsentIn) -> Any:
    """201 the first answer, 200 a changed one (until the deadline). 409 `termine_scaduto`
    after the deadline, `adesione_non_richiesta` when none is asked. A child the caller may
    not answer for: 404, nothing written."""
    assert isinstance(request.user, User)
    try:
        consent, created = services.notice_consent(
            user=request.user,
            notice_id=notice_id,
            agrees=payload.agrees,
            text=payload.text,
            student_id=payload.student_id,
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        return Status(409, error_body(error.code, error.message))
    body = ConsentOut(
        student_id=consent.student_id,
        agrees=consent.agrees,
        text=consent.text,
        answered_at=consent.answered_at,
    )
    return Status(201 if created else 200, body)
