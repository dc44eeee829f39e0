"""API of report cards under /api/v1/report-cards (authorized like the pages, by `rules`):
a family's published report cards, the PDF, and the confirmation of viewing (presa visione).
A report card the caller may not see — another family's, or their own before publication —
answers 404 like a missing one, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.reportcards import rules, selectors, services
from campanella.reportcards.views import card_file_name, pdf_response

router = Router(tags=["pagelle"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CARD = "/report-cards/{session_id}/{student_id}"


class ReportCardOut(Schema):
    session_id: int
    student_id: int
    student_name: str
    classroom: str
    title: str
    session_kind: str
    session_version: int
    confirmed_at: datetime.datetime | None
    pdf_url: str
    confirmation_url: str


class ConfirmationOut(Schema):
    session_id: int
    student_id: int
    report_card_version: int
    confirmed_at: datetime.datetime
    created: bool


def urls(session_id: int, student_id: int) -> tuple[str, str]:
    base = f"/api/v1/report-cards/{session_id}/{student_id}"
    return f"{base}/pdf", f"{base}/confirmation"


@router.get("/report-cards", response={200: list[ReportCardOut], **ERRORS},
            summary="Pagelle pubblicate dei figli (o proprie)", openapi_extra=PAGED)  # fmt: skip
def report_cards_list(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[ReportCardOut]:
    out = []
    for item in page_of(list(selectors.family_cards(request.user)), request, paging, response):
        pdf, confirmation = urls(item.session.pk, item.student.pk)
        out.append(
            ReportCardOut(
                session_id=item.session.pk,
                student_id=item.student.pk,
                student_name=item.student.full_name,
                classroom=item.session.classroom.name,
                title=item.label,
                session_kind=item.session.kind,
                session_version=item.session.version,
                confirmed_at=item.confirmed_at,
                pdf_url=pdf,
                confirmation_url=confirmation,
            )
        )
    return out


@router.get(f"{CARD}/pdf", response={200: None, **ERRORS}, summary="Scarica la pagella (PDF)")
def report_card_pdf(request: HttpRequest, session_id: Id, student_id: Id) -> FileResponse:
    access = rules.report_card_access(request.user, session_id, student_id)
    if access is None:
        raise Http404
    try:
        card = services.report_card_current(
            session=access.session,
            student_id=student_id,
            user=request.user,  # type: ignore[arg-type]
        )
    except services.ReportCardError as error:
        raise Http404 from error
    return pdf_response(card, card_file_name(access, card))


CONFIRMED: dict[int, Any] = {200: ConfirmationOut, 201: ConfirmationOut, 409: ErrorOut, **ERRORS}


@router.post(f"{CARD}/confirmation", response=CONFIRMED,
             summary="Conferma la presa visione della pagella")  # fmt: skip
def report_card_confirm(request: HttpRequest, session_id: Id, student_id: Id) -> Any:
    """Idempotent: confirming again answers 200 with the first confirmation (201 the first
    time). Only a guardian of the student, or the adult student, once published."""
    assert isinstance(request.user, User)
    try:
        confirmation, created = services.confirmation_record(
            user=request.user, session_id=session_id, student_id=student_id
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.ReportCardError as error:
        return Status(409, error_body(error.code, error.message))
    body = ConfirmationOut(
        session_id=session_id,
        student_id=student_id,
        report_card_version=confirmation.report_card.version,
        confirmed_at=confirmation.confirmed_at,
        created=created,
    )
    return Status(201 if created else 200, body)


# Interim reports (reportcards.api_interim)
from campanella.reportcards.api_interim import router as interim_router  # noqa: E402

router.add_router("", interim_router)
