"""API of class documents (authorized like the pages, by `rules`): a classroom's documents, a
teacher's upload (multipart), the office's list of who is missing what, a document's PDF.
A classroom or document the caller may not see answers 404 like a missing one, and an upload
to a slot that is not the caller's writes nothing (404); a file that is not a PDF or is over the
size limit answers 400 with a stable `code` (`not_pdf`, `broken_pdf`, `too_big`, …)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from campanella.classdocs import rules, selectors, services
from campanella.classdocs.models import ClassDocument, DocumentKind
from campanella.classdocs.views import pdf_response
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.ids import Id
from campanella.people.models import User
from campanella.school.models import Classroom, SchoolYear, Subject
from campanella.school.selectors import current_school_year

router = Router(tags=["documenti di classe"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DocumentOut(Schema):
    id: int
    classroom_id: int
    kind: str
    kind_label: str
    subject_id: int | None
    subject: str | None
    version: int
    current: bool
    size: int
    uploaded_at: datetime.datetime
    pdf_url: str


class MissingOut(Schema):
    classroom_id: int
    classroom: str
    kind: str
    kind_label: str
    subject_id: int | None
    subject: str | None
    teachers: list[str]
    due_on: datetime.date | None
    overdue: bool


def document_out(document: ClassDocument) -> DocumentOut:
    return DocumentOut(
        id=document.pk,
        classroom_id=document.classroom_id,
        kind=document.kind,
        kind_label=document.get_kind_display(),
        subject_id=document.subject_id,
        subject=document.subject.name if document.subject else None,
        version=document.version,
        current=document.current,
        size=document.size,
        uploaded_at=document.uploaded_at,
        pdf_url=f"/api/v1/class-documents/{document.pk}/pdf",
    )


@router.get("/classrooms/{classroom_id}/documents", response={200: list[DocumentOut], **ERRORS},
            summary="I documenti di una classe (alle famiglie solo quelli pubblicati)",
            openapi_extra=PAGED)  # fmt: skip
def classroom_document_list(
    request: HttpRequest, response: HttpResponse, classroom_id: Id, paging: Query[Paging]
) -> list[DocumentOut]:
    access = rules.classroom_access(request.user, classroom_id)
    if access is None:
        raise Http404
    found = list(selectors.classroom_documents(access))
    return [document_out(d) for d in page_of(found, request, paging, response)]


UPLOADED: dict[int, Any] = {201: DocumentOut, 400: ErrorOut, 409: ErrorOut, **ERRORS}


@router.post("/classrooms/{classroom_id}/documents", response=UPLOADED,
             summary="Carica il PDF di un documento di classe (docente della materia)")  # fmt: skip
def classroom_document_upload(
    request: HttpRequest,
    classroom_id: Id,
    kind: Form[str],
    file: File[UploadedFile],
    subject_id: Form[Id | None] = None,
) -> Any:
    """multipart/form-data: `kind` (piano, programma, relazione, 15-maggio), `subject_id`
    (not for 15-maggio), `file` (PDF). 201 with the new version."""
    assert isinstance(request.user, User)
    classroom = Classroom.objects.select_related("school").filter(pk=classroom_id).first()
    subject = Subject.objects.filter(pk=subject_id).first() if subject_id else None
    if classroom is None or (subject_id and subject is None):
        raise Http404
    try:
        document = services.document_upload(
            user=request.user, classroom=classroom, subject=subject, kind=kind,
            upload=file, size=file.size or 0, name=file.name or "",
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.ClassDocumentError as error:
        status = 409 if error.code in {"already_published", "conflict"} else 400
        return Status(status, error_body(error.code, error.message))
    return Status(201, document_out(document))


@router.get("/class-documents/missing", response={200: list[MissingOut], **ERRORS},
            summary="Documenti mancanti per classe (segreteria e dirigente)",
            openapi_extra=PAGED)  # fmt: skip
def missing_list(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    school_year_id: Id | None = None,
    kind: str | None = None,
    classroom_id: Id | None = None,
) -> list[MissingOut]:
    """The current school year unless `school_year_id`; every kind unless `kind`."""
    institute_id = rules.managed_institute_id(request.user)
    if institute_id is None:
        raise Http404
    years = SchoolYear.objects.filter(institute_id=institute_id)
    year = (
        years.filter(pk=school_year_id).first()
        if school_year_id
        else current_school_year(institute_id)
    )
    if year is None or (kind is not None and kind not in DocumentKind.values):
        raise Http404
    return [
        MissingOut(
            classroom_id=slot.classroom.pk,
            classroom=slot.classroom.name,
            kind=slot.kind,
            kind_label=slot.kind_label,
            subject_id=slot.subject.pk if slot.subject else None,
            subject=slot.subject.name if slot.subject else None,
            teachers=[t.full_name for t in slot.teachers],
            due_on=slot.deadline.due_on if slot.deadline else None,
            overdue=slot.overdue,
        )
        for slot in page_of(
            list(selectors.missing_slots(institute_id, year, kind, classroom_id)),
            request, paging, response,
        )
    ]  # fmt: skip


@router.get("/class-documents/{document_id}/pdf", response={200: None, **ERRORS},
            summary="Scarica il PDF di un documento di classe")  # fmt: skip
def document_pdf(request: HttpRequest, document_id: Id) -> FileResponse:
    document = rules.document_for_user(request.user, document_id)
    if document is None:
        raise Http404
    return pdf_response(document)
