"""Routes of class documents (/documenti/ and the API): what an outsider gets, and every write
with a valid body on a real object (tests/routes.py explains the tables). The objects are the
cast's: 1ª A's Matematica, taught by `teacher`; its programma svolto uploaded (published for the
reads, not yet for the writes that need it unpublished)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from campanella.classdocs.models import (
    ClassDocument,
    DocumentDeadline,
    DocumentKind,
    DocumentPublication,
    DocumentReminder,
)
from tests.classdocs.support import pdf_upload, published_document, uploaded
from tests.conftest import Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}


def teacher_outsiders(c: Cast) -> tuple[Any, ...]:
    """2B's Italian teacher, 1A's Italian teacher (another subject), the office (publishes,
    does not write a teacher's slot), the families and students, another institute's office."""
    return (
        c.other_teacher, c.coordinator, c.office, c.guardian, c.child_user, c.adult_user,
        c.foreign_office,
    )  # fmt: skip


def office_outsiders(c: Cast) -> tuple[Any, ...]:
    return (c.coordinator, c.teacher, c.guardian, c.child_user, c.adult_user, c.foreign_office)


def upload_body(c: Cast) -> dict[str, Any]:
    return {
        "classe": c.classroom_1a.pk,
        "materia": c.maths.pk,
        "tipo": DocumentKind.SYLLABUS,
        "file": pdf_upload(),
    }


def upload_write(c: Cast) -> Write:
    return Write(
        reverse("classdocs:upload"), upload_body(c), c.teacher, teacher_outsiders(c),
        (ClassDocument,),
    )  # fmt: skip


def withdraw_write(c: Cast) -> Write:
    document = uploaded(c)
    return Write(
        reverse("classdocs:withdraw", args=[document.pk]), {}, c.teacher, teacher_outsiders(c),
        (ClassDocument,),
    )  # fmt: skip


def year_of(c: Cast) -> int:
    return c.classroom_1a.school_year_id


def deadline_write(c: Cast) -> Write:
    year = c.classroom_1a.school_year
    return Write(
        reverse("classdocs:deadline"),
        {"anno": year.pk, "tipo": DocumentKind.SYLLABUS, "scadenza": year.end_date.isoformat()},
        c.office, office_outsiders(c), (DocumentDeadline,),
    )  # fmt: skip


def publish_write(c: Cast) -> Write:
    return Write(
        reverse("classdocs:publish"),
        {"anno": year_of(c), "tipo": DocumentKind.SYLLABUS, "data": "2027-06-10", "ora": "14:00"},
        c.office, office_outsiders(c), (DocumentPublication,),
    )  # fmt: skip


def publish_document_write(c: Cast) -> Write:
    document = uploaded(c)
    day = timezone.localdate().isoformat()
    return Write(
        reverse("classdocs:publish_document", args=[document.pk]), {"data": day, "ora": "00:00"},
        c.office, office_outsiders(c), (ClassDocument,),
    )  # fmt: skip


def remind_write(c: Cast) -> Write:
    return Write(
        reverse("classdocs:remind"), {"anno": year_of(c), "tipo": DocumentKind.SYLLABUS},
        c.office, office_outsiders(c), (DocumentReminder,),
    )  # fmt: skip


def a_published_document(c: Cast) -> dict[str, int]:
    return {"document_id": published_document(c).pk}


PAGES.update({
    "classdocs:index": (lambda c: {}, 200, 302),  # every login: its own (here: nothing)
    "classdocs:teacher": (lambda c: {}, 404, 302),
    "classdocs:upload": (posted, 404, 302),
    "classdocs:office": (lambda c: {}, 404, 302),
    "classdocs:deadline": (posted, 404, 302),
    "classdocs:publish": (posted, 404, 302),
    "classdocs:remind": (posted, 404, 302),
    "classdocs:classroom": (lambda c: {"classroom_id": c.classroom_1a.pk}, 404, 302),
    "classdocs:download": (a_published_document, 404, 302),
    "classdocs:withdraw": (posted, 404, 302),
    "classdocs:publish_document": (posted, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "classdocs:upload": upload_write,
    "classdocs:withdraw": withdraw_write,
    "classdocs:deadline": deadline_write,
    "classdocs:publish": publish_write,
    "classdocs:publish_document": publish_document_write,
    "classdocs:remind": remind_write,
})  # fmt: skip

DOCUMENTS = "/api/v1/classrooms/{classroom_id}/documents"


def api_upload_write(c: Cast) -> Write:
    return Write(
        f"/api/v1/classrooms/{c.classroom_1a.pk}/documents",
        {"kind": DocumentKind.SYLLABUS, "subject_id": c.maths.pk, "file": pdf_upload()},
        c.teacher, teacher_outsiders(c), (ClassDocument,),
    )  # fmt: skip


def api_ids(c: Cast) -> dict[str, int]:
    """The real objects the class documents' API paths name: 1A's published document."""
    return {"{document_id}": published_document(c).pk}


API_IDS = api_ids
API.update({
    ("get", DOCUMENTS): 404,
    ("post", DOCUMENTS): 404,
    ("get", "/api/v1/class-documents/missing"): 404,
    ("get", "/api/v1/class-documents/{document_id}/pdf"): 404,
})  # fmt: skip
API_WRITES.update({("post", DOCUMENTS): api_upload_write})
