"""Class documents' pages and API as each role meets them: the teacher's upload (and its
refusals), the family's page before and after publication, the download's authorization, the
office's missing list; query counts that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.classdocs.models import ClassDocument, DocumentKind
from campanella.people.models import Staff, User
from tests import factories as f
from tests.classdocs.support import PNG, pdf_bytes, pdf_upload, published_kind, uploaded
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def family_of_2b(c: Cast) -> User:
    """A guardian whose only child is in 2B: another classroom's family."""
    user = f.UserFactory(username="famiglia_2b")
    student = f.StudentFactory(institute=c.institute)
    f.EnrollmentFactory(student=student, classroom=c.classroom_2b)
    f.GuardianshipFactory(
        student=student, guardian=f.GuardianFactory(institute=c.institute, user=user)
    )
    return user


def page_upload(c: Cast, user: User, file: SimpleUploadedFile) -> Any:
    body = {"classe": c.classroom_1a.pk, "materia": c.maths.pk, "tipo": DocumentKind.SYLLABUS}
    return c.client_for(user).post(reverse("classdocs:upload"), {**body, "file": file}, follow=True)


def test_the_teacher_uploads_from_the_page(cast: Cast) -> None:
    page = cast.client_for(cast.teacher).get(reverse("classdocs:teacher"))
    slot = f'data-testid="slot-{cast.classroom_1a.pk}-{cast.maths.pk}-programma" data-missing="1"'
    assert slot in page.content.decode()
    response = page_upload(cast, cast.teacher, pdf_upload())
    assert "Caricato: Programma svolto di Matematica della classe" in response.content.decode()
    assert ClassDocument.objects.get().uploaded_by == cast.teacher


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PNG, "foto.pdf", "Il file non è un PDF"),
        (b"un testo qualunque\n" * 20, "testo.pdf", "Il file non è un PDF"),
    ],
)
def test_the_page_refuses_what_is_not_a_pdf(
    cast: Cast, content: bytes, name: str, message: str
) -> None:
    # The browser says application/pdf and the name ends in .pdf: only the content counts.
    response = page_upload(cast, cast.teacher, SimpleUploadedFile(name, content, "application/pdf"))
    assert message in response.content.decode()
    assert not ClassDocument.objects.exists() and not Change.objects.exists()


def test_the_page_refuses_a_file_over_the_limit(cast: Cast, settings: Any) -> None:
    settings.CLASS_DOCUMENT_MAX_MB = 1
    big = pdf_bytes().replace(b"%PDF-1.4\n", b"%PDF-1.4\n" + b"%" * (1024 * 1024 + 10) + b"\n")
    response = page_upload(cast, cast.teacher, SimpleUploadedFile("grande.pdf", big))
    assert "troppo grande" in response.content.decode()
    assert not ClassDocument.objects.exists()


def test_another_teacher_uploading_a_valid_pdf_to_a_real_slot_gets_404(cast: Cast) -> None:
    for user in (cast.other_teacher, cast.coordinator):
        assert page_upload(cast, user, pdf_upload()).status_code == 404
    assert not ClassDocument.objects.exists() and not Change.objects.exists()


def test_the_family_sees_nothing_before_publication(cast: Cast) -> None:
    document = uploaded(cast)
    published_kind(cast, hours=2)  # later today
    guardian = cast.client_for(cast.guardian)
    page = guardian.get(reverse("classdocs:classroom", args=[cast.classroom_1a.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="no-documents"' in content and f"document-{document.pk}" not in content
    assert 'data-testid="teacher-list"' in content and "Matematica" in content
    assert guardian.get(reverse("classdocs:download", args=[document.pk])).status_code == 404
    assert (
        api(cast.guardian).get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/documents").json() == []
    )
    assert api(cast.guardian).get(f"/api/v1/class-documents/{document.pk}/pdf").status_code == 404


def test_after_publication_the_classrooms_families_and_students_download(cast: Cast) -> None:
    document = uploaded(cast)
    published_kind(cast)
    for user in (cast.guardian, cast.child_user, cast.adult_user, cast.other_guardian):
        client = cast.client_for(user)
        page = client.get(reverse("classdocs:classroom", args=[cast.classroom_1a.pk]))
        assert f'data-testid="document-{document.pk}"' in page.content.decode()
        response = client.get(reverse("classdocs:download", args=[document.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert body_of(response) == pdf_bytes()
    listed = api(cast.guardian).get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/documents").json()
    assert [(d["id"], d["kind"], d["subject"]) for d in listed] == [
        (document.pk, "programma", "Matematica")
    ]
    response = api(cast.child_user).get(listed[0]["pdf_url"])
    assert response.status_code == 200 and body_of(response).startswith(b"%PDF-")


def test_another_classrooms_family_gets_404_and_nothing_leaks(cast: Cast) -> None:
    document = uploaded(cast)
    published_kind(cast)
    other = family_of_2b(cast)
    client = cast.client_for(other)
    for url in (
        reverse("classdocs:download", args=[document.pk]),
        reverse("classdocs:classroom", args=[cast.classroom_1a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert b"Matematica" not in response.content and b"%PDF" not in response.content
    token = api(other)
    assert token.get(f"/api/v1/class-documents/{document.pk}/pdf").status_code == 404
    assert token.get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/documents").status_code == 404
    missing = token.get(f"/api/v1/class-documents/{document.pk + 1000}/pdf")
    assert missing.status_code == 404  # the same answer as for a document that does not exist


def test_the_api_upload_and_its_refusals(cast: Cast, settings: Any) -> None:
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/documents"
    fields = {"kind": "programma", "subject_id": cast.maths.pk}
    teacher = api(cast.teacher)
    refused = teacher.post(url, {**fields, "file": SimpleUploadedFile("x.pdf", PNG)})
    assert refused.status_code == 400 and refused.json()["code"] == "not_pdf"
    settings.CLASS_DOCUMENT_MAX_MB = 1
    big = pdf_bytes().replace(b"%PDF-1.4\n", b"%PDF-1.4\n" + b"%" * (1024 * 1024 + 10) + b"\n")
    refused = teacher.post(url, {**fields, "file": SimpleUploadedFile("x.pdf", big)})
    assert refused.status_code == 400 and refused.json()["code"] == "too_big"
    unknown = teacher.post(url, {**fields, "kind": "pagella", "file": pdf_upload()})
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_kind"
    other = api(cast.other_teacher).post(url, {**fields, "file": pdf_upload()})
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert not ClassDocument.objects.exists()
    done = teacher.post(url, {**fields, "file": pdf_upload()})
    assert done.status_code == 201 and done.json()["version"] == 1
    published_kind(cast)
    again = teacher.post(url, {**fields, "file": pdf_upload()})
    assert again.status_code == 409 and again.json()["code"] == "already_published"


def test_the_office_sees_who_is_missing_what(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    slot = f"missing-{cast.classroom_1a.pk}-{cast.maths.pk}-programma"
    assert slot in office.get(reverse("classdocs:office")).content.decode()
    missing = api(cast.office).get("/api/v1/class-documents/missing?kind=programma").json()
    assert {(m["classroom_id"], m["subject"]) for m in missing} == {
        (cast.classroom_1a.pk, "Matematica"), (cast.classroom_1a.pk, "Italiano"),
        (cast.classroom_2b.pk, "Italiano"),
    }  # fmt: skip
    uploaded(cast)
    assert slot not in office.get(reverse("classdocs:office")).content.decode()
    assert api(cast.teacher).get("/api/v1/class-documents/missing").status_code == 404


def test_a_reminder_asked_twice_in_the_same_minute_is_sent_once(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    body = {"anno": cast.classroom_1a.school_year_id, "tipo": "programma"}
    first = office.post(reverse("classdocs:remind"), body, follow=True).content.decode()
    second = office.post(reverse("classdocs:remind"), body, follow=True).content.decode()
    assert "Sollecito in invio" in first and "nulla è stato rispedito" in second


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_read_a_constant_number_of_queries(cast: Cast) -> None:
    uploaded(cast)
    published_kind(cast)
    guardian, office = cast.client_for(cast.guardian), cast.client_for(cast.office)
    teacher, token = cast.client_for(cast.teacher), api(cast.guardian)
    classroom_url = reverse("classdocs:classroom", args=[cast.classroom_1a.pk])
    office_url = reverse("classdocs:office")
    teacher_url = reverse("classdocs:teacher")
    api_url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/documents"

    def all_pages() -> tuple[int, ...]:
        return (
            queries(guardian, classroom_url), queries(office, office_url),
            queries(teacher, teacher_url), queries(token, api_url),
        )  # fmt: skip

    all_pages()  # the token's first use is recorded once
    small = all_pages()
    for kind in ("piano", "relazione"):
        uploaded(cast, kind=kind)
        published_kind(cast, kind=kind)
    for section in "CDE":
        classroom = f.ClassroomFactory(
            school=cast.school, school_year=cast.classroom_1a.school_year, year=5, section=section
        )
        f.ClassroomSubjectFactory(classroom=classroom, subject=cast.maths, weekly_hours=3)
        f.TeachingFactory(
            teacher=Staff.objects.get(user=cast.teacher), classroom=classroom, subject=cast.maths
        )
    assert all_pages() == small


def test_the_office_history_reads_uploads_and_replacements(cast: Cast) -> None:
    uploaded(cast, text="prima")
    uploaded(cast, text="seconda")
    office = cast.client_for(cast.office)
    page = office.get(reverse("register:history"), {"tipo": "documento-di-classe"})
    content = page.content.decode()
    assert page.status_code == 200
    assert "3 modifiche" in content  # two uploads and the replacement
    assert "sostituito da una nuova versione" in content
    assert "Programma svolto" in content
