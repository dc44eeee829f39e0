"""Routes of messages (/comunicazioni/messaggi/ and /api/v1/messages): what an outsider gets,
and every write with a valid body on a real object (tests/routes.py explains the tables). The
thread is the maths teacher's of 1ª A with the child's family."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campanella.comms.messages.models import (
    Broadcast,
    Message,
    MessageAttachment,
    MessageHours,
    TeacherInbox,
    Thread,
    ThreadParticipant,
)
from campanella.comms.messages.services import thread_start
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

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "compiti.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def stored_files() -> list[str]:
    """The files of messages' attachments on disk (a refused upload must leave none)."""
    root = Path(settings.MEDIA_ROOT) / "comms" / "messages"
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


def teacher_thread(c: Cast, **changes: Any) -> Thread:
    """The maths teacher of 1ª A writes to the child's family (it is new for the guardian)."""
    values: dict[str, Any] = {
        "user": c.teacher, "student_id": c.child.pk, "subject": "Compiti di matematica",
        "body": "Buongiorno, Marco non ha consegnato i compiti.",
    }  # fmt: skip
    return thread_start(**{**values, **changes}).thread


def with_attachment(c: Cast) -> dict[str, int]:
    thread = teacher_thread(c, files=[pdf()])
    return {
        "thread_id": thread.pk,
        "attachment_id": MessageAttachment.objects.get(thread=thread).pk,
    }


def thread_of(c: Cast) -> dict[str, int]:
    return {"thread_id": teacher_thread(c).pk}


def thread_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another family, the child (a student, not a side), 2ª B's teacher, the office (a
    teacher's thread is not the office's), another institute's office."""
    return (c.other_guardian, c.child_user, c.other_teacher, c.office, c.foreign_office)


def start_write(c: Cast) -> Write:
    """The maths teacher writes to the child's family; 2ª B's teacher, another family, the
    child and another institute's office sending the same body are refused."""
    url = reverse("comms:message_create")
    return Write(
        url,
        {"destinatario": f"{c.child.pk}:famiglia", "oggetto": "Verifica", "testo": "Domani."},
        c.teacher,
        (c.other_teacher, c.other_guardian, c.child_user, c.adult_user, c.foreign_office),
        (Thread, Message, ThreadParticipant),
        # The guardian, who writes to 1ª A's teachers, naming another family's child.
        crossed=((c.guardian, url, {"destinatario": f"{c.other_child.pk}:segreteria",
                                    "oggetto": "Verifica", "testo": "Domani."}, 404),),
    )  # fmt: skip


def reply_write(c: Cast) -> Write:
    thread = teacher_thread(c)
    return Write(
        reverse("comms:message_reply", args=[thread.pk]),
        {"testo": "Grazie, provvediamo."},
        c.guardian,
        thread_outsiders(c),
        (Message, Thread.objects.filter(pk=thread.pk), ThreadParticipant),
    )


def broadcast_write(c: Cast) -> Write:
    """The office writes to 1ª A's families; another institute's office naming 1ª A gets 404."""
    return Write(
        reverse("comms:message_broadcast"),
        {"classe": [c.classroom_1a.pk], "oggetto": "Sciopero", "testo": "Venerdì sciopero."},
        c.office,
        (c.teacher, c.principal, c.guardian, c.child_user, c.foreign_office),
        (Broadcast, Thread, Message, ThreadParticipant),
    )


def hours_write(c: Cast) -> Write:
    """The office sets its institute's hours (another institute's office sets its own)."""
    return Write(
        reverse("comms:message_hours"),
        {"giorno": ["0", "2"], "dalle": "09:00", "alle": "13:00"},
        c.office,
        (c.teacher, c.coordinator, c.principal, c.guardian, c.child_user),
        (MessageHours,),
    )


PAGES.update({
    "comms:message_list": (lambda c: {}, 200, 302),  # every login: its own (here: nothing)
    "comms:message_create": (lambda c: {}, 404, 302),
    "comms:message_broadcast": (lambda c: {}, 404, 302),
    "comms:message_hours": (lambda c: {}, 404, 302),
    "comms:message_inbox_setting": (lambda c: {}, 405, 405),  # POST only: SELF_SERVICE
    "comms:message_thread": (thread_of, 404, 302),
    "comms:message_reply": (posted, 404, 302),
    "comms:message_attachment": (with_attachment, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "comms:message_create": start_write,
    "comms:message_reply": reply_write,
    "comms:message_broadcast": broadcast_write,
    "comms:message_hours": hours_write,
})  # fmt: skip
SELF_SERVICE.update(
    {
        "comms:message_inbox_setting": "a teacher's own choice to receive messages outside hours",
    }
)

THREAD = "/api/v1/messages/{thread_id}"


def api_start_write(c: Cast) -> Write:
    return Write(
        "/api/v1/messages",
        {"student_id": c.child.pk, "subject": "Verifica", "body": "Domani."},
        c.teacher,
        (c.other_teacher, c.other_guardian, c.child_user, c.adult_user, c.foreign_office),
        (Thread, Message, ThreadParticipant),
        crossed=(
            (c.guardian, "/api/v1/messages",
             {"student_id": c.other_child.pk, "to_office": True, "subject": "A", "body": "B"},
             404),
        ),
    )  # fmt: skip


def api_reply_write(c: Cast) -> Write:
    page = reply_write(c)
    thread_id = page.url.strip("/").split("/")[2]
    return Write(
        f"/api/v1/messages/{thread_id}/replies", {"body": "Grazie."}, page.rightful,
        page.outsiders, page.watch,
    )  # fmt: skip


def api_read_write(c: Cast) -> Write:
    thread = teacher_thread(c)
    return Write(
        f"/api/v1/messages/{thread.pk}/read", {}, c.guardian, thread_outsiders(c),
        (ThreadParticipant.objects.filter(thread=thread),),
    )  # fmt: skip


API.update({
    ("get", "/api/v1/messages"): 200,  # the caller's own: an outsider gets none
    ("post", "/api/v1/messages"): 404,
    ("get", THREAD): 404,
    ("post", f"{THREAD}/replies"): 404,
    ("post", f"{THREAD}/read"): 404,
    ("get", f"{THREAD}/attachments/{{attachment_id}}"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", "/api/v1/messages"): api_start_write,
    ("post", f"{THREAD}/replies"): api_reply_write,
    ("post", f"{THREAD}/read"): api_read_write,
})  # fmt: skip


def api_ids(c: Cast) -> dict[str, int]:
    ids = with_attachment(c)
    return {"{thread_id}": ids["thread_id"], "{attachment_id}": ids["attachment_id"]}


def api_broadcast_write(c: Cast) -> Write:
    page = broadcast_write(c)
    body = {"classroom_ids": [c.classroom_1a.pk], "subject": "Sciopero", "body": "Venerdì."}
    return Write("/api/v1/message-broadcasts", body, page.rightful, page.outsiders, page.watch)


def api_hours_write(c: Cast) -> Write:
    page = hours_write(c)
    body = {"weekdays": [0, 2], "opens_at": "09:00", "closes_at": "13:00"}
    return Write("/api/v1/message-hours", body, page.rightful, page.outsiders, page.watch)


def api_inbox_write(c: Cast) -> Write:
    """The teacher's own choice: whoever does not teach (a family, the office) is refused."""
    return Write(
        "/api/v1/message-inbox", {"closed_off_hours": True}, c.teacher,
        (c.guardian, c.child_user, c.office, c.foreign_office), (TeacherInbox,),
    )  # fmt: skip


API.update({
    ("get", "/api/v1/message-hours"): 404,  # the office's and the teachers'
    ("put", "/api/v1/message-hours"): 404,
    ("put", "/api/v1/message-inbox"): 404,
    ("post", "/api/v1/message-broadcasts"): 404,
})  # fmt: skip
API_WRITES.update({
    ("put", "/api/v1/message-hours"): api_hours_write,
    ("put", "/api/v1/message-inbox"): api_inbox_write,
    ("post", "/api/v1/message-broadcasts"): api_broadcast_write,
})  # fmt: skip


# --- the same writes with attachments (multipart/form-data) -----------------------------------

WITH_FILES = "with-attachments"


def api_start_with_files_write(c: Cast) -> Write:
    """The teacher's thread with a PDF: the same outsiders refused, no file stored for them."""
    json_write = api_start_write(c)
    return Write(
        f"/api/v1/messages/{WITH_FILES}",
        {**json_write.body, "files": [pdf()]},
        json_write.rightful,
        json_write.outsiders,
        (*json_write.watch, MessageAttachment, stored_files),
        crossed=(
            (c.guardian, f"/api/v1/messages/{WITH_FILES}",
             {"student_id": c.other_child.pk, "to_office": "true", "subject": "A", "body": "B",
              "files": [pdf()]},
             404),
        ),
    )  # fmt: skip


def api_reply_with_files_write(c: Cast) -> Write:
    json_write = api_reply_write(c)
    return Write(
        f"{json_write.url}/{WITH_FILES}", {"body": "Ecco il certificato.", "files": [pdf()]},
        json_write.rightful, json_write.outsiders,
        (*json_write.watch, MessageAttachment, stored_files),
    )  # fmt: skip


def api_broadcast_with_files_write(c: Cast) -> Write:
    json_write = api_broadcast_write(c)
    return Write(
        f"/api/v1/message-broadcasts/{WITH_FILES}", {**json_write.body, "files": [pdf()]},
        json_write.rightful, json_write.outsiders,
        (*json_write.watch, MessageAttachment, stored_files),
    )  # fmt: skip


API.update({
    ("post", f"/api/v1/messages/{WITH_FILES}"): 404,
    ("post", f"{THREAD}/replies/{WITH_FILES}"): 404,
    ("post", f"/api/v1/message-broadcasts/{WITH_FILES}"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", f"/api/v1/messages/{WITH_FILES}"): api_start_with_files_write,
    ("post", f"{THREAD}/replies/{WITH_FILES}"): api_reply_with_files_write,
    ("post", f"/api/v1/message-broadcasts/{WITH_FILES}"): api_broadcast_with_files_write,
})  # fmt: skip
