"""Attachments sent through the API (issue 16, item 3): a new thread, a reply and the office's
letter to whole classrooms as multipart/form-data, through the pages' service and its checks.
Each file stored is downloadable by the other side with the same bytes; each refusal (too big,
a kind not allowed, too many) answers 400 with its code and writes nothing, no row and no file
on disk; an outsider sending a valid body to a real thread is refused and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.comms.messages.models import Broadcast, Message, MessageAttachment, Thread
from campanella.comms.messages.services import MAX_ATTACHMENTS
from campanella.people.models import Staff, User
from tests.comms.routes_messages import PDF, pdf, teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def files_on_disk(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def downloaded(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def written() -> tuple[int, ...]:
    return (
        Thread.objects.count(), Message.objects.count(), MessageAttachment.objects.count(),
        Broadcast.objects.count(), Change.objects.count(),
    )  # fmt: skip


def test_a_family_starts_a_thread_with_files_the_teacher_downloads(cast: Cast) -> None:
    maths = Staff.objects.get(user=cast.teacher)
    scan = SimpleUploadedFile("certificato.png", PNG, "image/png")
    response = api(cast.guardian).post(
        "/api/v1/messages/with-attachments",
        {"student_id": cast.child.pk, "teacher_id": maths.pk, "subject": "Assenza",
         "body": "In allegato il certificato.", "files": [pdf("giustifica.pdf"), scan]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["name"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("giustifica.pdf", "application/pdf", len(PDF)),
        ("certificato.png", "image/png", len(PNG)),
    ]
    teacher = api(cast.teacher)
    thread = teacher.get(f"/api/v1/messages/{body['thread_id']}").json()
    urls = [a["url"] for a in thread["messages"][0]["attachments"]]
    assert [downloaded(teacher, url) for url in urls] == [PDF, PNG]
    assert api(cast.other_guardian).get(urls[0]).status_code == 404


def test_a_teacher_replies_with_a_file_the_family_downloads(cast: Cast, media: Path) -> None:
    thread = teacher_thread(cast)
    response = api(cast.teacher).post(
        f"/api/v1/messages/{thread.pk}/replies/with-attachments",
        {"body": "Ecco gli esercizi.", "files": [pdf("esercizi.pdf")]},
    )
    assert response.status_code == 201, response.content
    [attachment] = response.json()["attachments"]
    assert downloaded(api(cast.guardian), attachment["url"]) == PDF
    assert len(files_on_disk(media)) == 1
    # The JSON reply of existing clients still works, without files.
    plain = api(cast.guardian).post(
        f"/api/v1/messages/{thread.pk}/replies", {"body": "Grazie."},
        content_type="application/json",
    )  # fmt: skip
    assert plain.status_code == 201 and plain.json()["attachments"] == []


def test_the_office_letter_stores_each_file_once_for_every_thread(cast: Cast, media: Path) -> None:
    response = api(cast.office).post(
        "/api/v1/message-broadcasts/with-attachments",
        {"classroom_ids": [cast.classroom_1a.pk], "subject": "Sciopero",
         "body": "Venerdì le lezioni potrebbero non svolgersi.", "files": [pdf("avviso.pdf")]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    sent = Broadcast.objects.get(pk=response.json()["id"])
    rows = MessageAttachment.objects.filter(thread__broadcast=sent)
    assert rows.count() == sent.thread_count >= 2
    assert len(files_on_disk(media)) == 1 == len({row.file.name for row in rows})
    family = api(cast.guardian)
    thread = Thread.objects.get(broadcast=sent, student=cast.child)
    [message] = family.get(f"/api/v1/messages/{thread.pk}").json()["messages"]
    assert downloaded(family, message["attachments"][0]["url"]) == PDF


def too_big(settings: Any) -> list[SimpleUploadedFile]:
    settings.COMMS_ATTACHMENT_MAX_BYTES = 1024
    return [SimpleUploadedFile("tema.pdf", PDF + b"0" * 2048, "application/pdf")]


def wrong_kind(settings: Any) -> list[SimpleUploadedFile]:
    # A program named like a PDF: the kind is told by the content.
    return [pdf("a.pdf"), SimpleUploadedFile("pagella.pdf", b"MZ\x90\x00" + b"\x00" * 200)]


def too_many(settings: Any) -> list[SimpleUploadedFile]:
    return [pdf(f"pagina-{n}.pdf") for n in range(MAX_ATTACHMENTS + 1)]


REFUSALS: dict[str, tuple[Callable[[Any], list[SimpleUploadedFile]], str]] = {
    "file_troppo_grande": (too_big, "supera il limite"),
    "tipo_non_ammesso": (wrong_kind, "non è di un tipo ammesso"),
    "troppi_allegati": (too_many, "Al massimo 5 allegati"),
}


def requests(cast: Cast) -> dict[str, tuple[User, str, dict[str, Any]]]:
    """Each operation with attachments, a valid body for its rightful caller."""
    thread = teacher_thread(cast)
    return {
        "thread": (cast.teacher, "/api/v1/messages/with-attachments",
                   {"student_id": cast.child.pk, "subject": "Verifica", "body": "Domani."}),
        "reply": (cast.guardian, f"/api/v1/messages/{thread.pk}/replies/with-attachments",
                  {"body": "Ecco."}),
        "broadcast": (cast.office, "/api/v1/message-broadcasts/with-attachments",
                      {"classroom_ids": [cast.classroom_1a.pk], "subject": "Gita",
                       "body": "Il programma."}),
    }  # fmt: skip


@pytest.mark.parametrize("operation", ["thread", "reply", "broadcast"])
@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_a_refused_file_answers_its_code_and_writes_nothing(
    cast: Cast, settings: Any, media: Path, operation: str, code: str
) -> None:
    user, url, fields = requests(cast)[operation]
    make_files, message = REFUSALS[code]
    before = written()
    response = api(user).post(url, {**fields, "files": make_files(settings)})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and message in response.json()["message"]
    assert written() == before
    assert files_on_disk(media) == []


def test_without_the_files_part_the_body_is_refused_as_invalid(cast: Cast) -> None:
    response = api(cast.teacher).post(
        "/api/v1/messages/with-attachments",
        {"student_id": cast.child.pk, "subject": "Verifica", "body": "Domani."},
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert not Thread.objects.exists()


def test_outsiders_sending_valid_files_to_real_objects_are_refused(cast: Cast, media: Path) -> None:
    thread = teacher_thread(cast)
    before = written()
    attempts = [
        (cast.other_guardian, f"/api/v1/messages/{thread.pk}/replies/with-attachments",
         {"body": "Io."}),
        (cast.other_teacher, f"/api/v1/messages/{thread.pk}/replies/with-attachments",
         {"body": "Io."}),
        (cast.other_teacher, "/api/v1/messages/with-attachments",
         {"student_id": cast.child.pk, "subject": "Verifica", "body": "Domani."}),
        (cast.guardian, "/api/v1/messages/with-attachments",
         {"student_id": cast.other_child.pk, "to_office": "true", "subject": "A", "body": "B"}),
        (cast.foreign_office, "/api/v1/message-broadcasts/with-attachments",
         {"classroom_ids": [cast.classroom_1a.pk], "subject": "Gita", "body": "Il programma."}),
        (cast.teacher, "/api/v1/message-broadcasts/with-attachments",
         {"classroom_ids": [cast.classroom_1a.pk], "subject": "Gita", "body": "Il programma."}),
    ]  # fmt: skip
    for user, url, fields in attempts:
        response = api(user).post(url, {**fields, "files": [pdf()]})
        assert response.status_code == 404, (user.username, url, response.content)
        assert written() == before, (user.username, url)
    assert files_on_disk(media) == []


def test_more_parts_than_django_reads_is_an_error_body_not_a_page(
    cast: Cast, settings: Any, media: Path
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    thread = teacher_thread(cast)
    before = written()
    response = api(cast.guardian).post(
        f"/api/v1/messages/{thread.pk}/replies/with-attachments",
        {"body": "Ecco.", "files": [pdf(f"p{n}.pdf") for n in range(4)]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "troppi_file" and "al massimo 3" in response.json()["message"]
    assert written() == before and files_on_disk(media) == []


def test_a_body_over_what_django_reads_is_an_error_body_not_a_page(
    cast: Cast, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    thread = teacher_thread(cast)
    before = written()
    response = api(cast.guardian).post(
        f"/api/v1/messages/{thread.pk}/replies",
        data={"body": "x" * 4500},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "richiesta_troppo_grande"
    assert "al massimo 4 KiB" in response.json()["message"]
    assert written() == before
