"""API of interim reports (pagellini) under /api/v1/interim-reports, added to the report
cards' router (reportcards/api.py) and authorized like the pages, by `rules`:

* families: their children's published interim reports, the PDF, the confirmation of viewing
  (201 the first time, 200 with the first confirmation after it). Another family's, or their
  own before the publication: 404 like a missing one, nothing written.
* teachers: the entries of their own subjects in a round's classroom, read and adjusted one
  student at a time. Another subject: 404, nothing written; a mark outside the school's scale:
  400 with its code (`mark_out_of_range`, `mark_not_half`, …); a published round: 409
  `round_published`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.api_types import Text
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.reportcards import interim, interim_selectors, rules
from campanella.reportcards.models import InterimMark
from campanella.reportcards.services import NotAllowed, ReportCardError
from campanella.reportcards.views import pdf_bytes_response
from campanella.reportcards.views_interim import file_name

router = Router(tags=["pagellini"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                          422: ErrorOut}  # fmt: skip
REPORT = "/interim-reports/{round_id}/{student_id}"
ENTRIES = "/interim-reports/{round_id}/classrooms/{classroom_id}/subjects/{subject_id}/entries"
STATE_CODES = {"round_published"}


class InterimReportOut(Schema):
    round_id: int
    student_id: int
    student_name: str
    classroom: str
    title: str
    published_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    pdf_url: str
    confirmation_url: str


@router.get("/interim-reports", response={200: list[InterimReportOut], **ERRORS},
            summary="Pagellini pubblicati dei figli (o propri)", openapi_extra=PAGED)  # fmt: skip
def interim_reports_list(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[InterimReportOut]:
    out = []
    found = list(interim_selectors.family_interims(request.user))
    for item in page_of(found, request, paging, response):
        report = item.report
        base = f"/api/v1/interim-reports/{report.round_id}/{report.student_id}"
        assert report.round.publish_at is not None  # published ones only
        out.append(
            InterimReportOut(
                round_id=report.round_id,
                student_id=report.student_id,
                student_name=report.student.full_name,
                classroom=report.classroom.name,
                title=report.round.title,
                published_at=report.round.publish_at,
                confirmed_at=item.confirmed_at,
                pdf_url=f"{base}/pdf",
                confirmation_url=f"{base}/confirmation",
            )
        )
    return out


@router.get(f"{REPORT}/pdf", response={200: None, **ERRORS}, summary="Scarica il pagellino (PDF)")
def interim_report_pdf(request: HttpRequest, round_id: Id, student_id: Id) -> HttpResponse:
    access = rules.interim_access(request.user, round_id, student_id)
    if access is None:
        raise Http404
    return pdf_bytes_response(interim_selectors.report_pdf(access.report), file_name(access))


class InterimConfirmationOut(Schema):
    round_id: int
    student_id: int
    confirmed_at: datetime.datetime
    created: bool


CONFIRMED: dict[int, Any] = {200: InterimConfirmationOut, 201: InterimConfirmationOut, **ERRORS}


@router.post(f"{REPORT}/confirmation", response=CONFIRMED,
             summary="Conferma la presa visione del pagellino")  # fmt: skip
def interim_report_confirm(request: HttpRequest, round_id: Id, student_id: Id) -> Any:
    """Idempotent: 201 the first time, then 200 with the first confirmation. Only a guardian
    of the student, or the adult student, once published."""
    assert isinstance(request.user, User)
    try:
        confirmation, created = interim.interim_confirmation_record(
            user=request.user, round_id=round_id, student_id=student_id
        )
    except NotAllowed:
        raise Http404 from None
    body = InterimConfirmationOut(
        round_id=round_id,
        student_id=student_id,
        confirmed_at=confirmation.confirmed_at,
        created=created,
    )
    return Status(201 if created else 200, body)


# --- teachers ----------------------------------------------------------------------------------


class EntryOut(Schema):
    student_id: int
    student_name: str
    register_average: Decimal | None
    grades_count: int
    scale: str = Field(description="numerico, giudizio (religione) o sintetico (primaria)")
    entry: str = Field(
        description="il voto o il giudizio come si legge (7, 6½, Buono, NC); vuoto se manca"
    )
    note: str
    changed_by_hand: bool


class EntryIn(Schema):
    entry: Text = Field(
        max_length=40,
        description="un voto (6, 6½, 6,5), un giudizio (buono) oppure NC; vuoto lo cancella",
    )
    note: Text = Field("", max_length=1000, description="annotazione della disciplina")


def entry_out(mark: InterimMark) -> EntryOut:
    return EntryOut(
        student_id=mark.student_id,
        student_name=mark.student.full_name,
        register_average=mark.register_average,
        grades_count=mark.grades_count,
        scale=mark.scale,
        entry=interim_selectors.entry_text(mark),
        note=mark.note,
        changed_by_hand=mark.changed_by_hand,
    )


@router.get(ENTRIES, response={200: list[EntryOut], **ERRORS},
            summary="Valutazioni del pagellino in una propria disciplina",
            openapi_extra=PAGED)  # fmt: skip
def interim_entries(
    request: HttpRequest, response: HttpResponse, round_id: Id, classroom_id: Id,
    subject_id: Id, paging: Query[Paging],
) -> list[EntryOut]:  # fmt: skip
    found = rules.round_subject_for_user(request.user, round_id, classroom_id, subject_id)
    if found is None:
        raise Http404
    entries = list(interim_selectors.subject_entries(*found))
    return [entry_out(m) for m in page_of(entries, request, paging, response)]


@router.put(
    f"{ENTRIES}/{{student_id}}",
    response={200: EntryOut, **ERRORS},
    summary="Cambia la valutazione del pagellino di un alunno in una propria disciplina",
)
def interim_entry_put(
    request: HttpRequest,
    round_id: Id,
    classroom_id: Id,
    subject_id: Id,
    student_id: Id,
    payload: EntryIn,
) -> Any:
    found = rules.round_subject_for_user(request.user, round_id, classroom_id, subject_id)
    if found is None:
        raise Http404
    interim_round, room, own = found
    assert isinstance(request.user, User)
    try:
        interim.interim_marks_change(
            user=request.user, interim=interim_round, classroom=room, subject=own,
            entries={student_id: (payload.entry, payload.note)},
        )  # fmt: skip
    except NotAllowed:
        raise Http404 from None
    except interim.EntriesRefused as error:
        details = [{"student_id": k, "message": v} for k, v in error.errors.items()]
        return Status(400, error_body(error.code, error.message, details))
    except ReportCardError as error:
        status = 409 if error.code in STATE_CODES else 400
        return Status(status, error_body(error.code, error.message))
    fresh = next(m for m in interim_selectors.subject_entries(*found) if m.student_id == student_id)
    return entry_out(fresh)


class RereadOut(Schema):
    refreshed: int = Field(description="valutazioni prese di nuovo dal registro")
    kept: int = Field(description="valutazioni cambiate a mano: restano, la media si aggiorna")
    added: int = Field(description="valutazioni nuove (alunni o discipline arrivati dopo)")


@router.post(
    ENTRIES.removesuffix("/entries") + "/reread",
    response={200: RereadOut, **ERRORS},
    summary="Rilegge dal registro le valutazioni del pagellino in una propria disciplina",
)
def interim_entries_reread(
    request: HttpRequest, round_id: Id, classroom_id: Id, subject_id: Id
) -> Any:
    found = rules.round_subject_for_user(request.user, round_id, classroom_id, subject_id)
    if found is None:
        raise Http404
    interim_round, room, own = found
    assert isinstance(request.user, User)
    try:
        done = interim.interim_reread(
            user=request.user, interim=interim_round, classroom=room, subject=own
        )
    except NotAllowed:
        raise Http404 from None
    except ReportCardError as error:
        status = 409 if error.code in STATE_CODES else 400
        return Status(status, error_body(error.code, error.message))
    return RereadOut(refreshed=done.refreshed, kept=done.kept, added=done.added)
