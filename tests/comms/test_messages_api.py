"""API of messages (/api/v1/messages): paged threads, one thread, start, reply, read, the
attachments; refusals with stable codes and nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.comms.messages.models import Message, MessageHours, TeacherInbox, Thread
from campanella.comms.messages.selectors import unread_count
from campanella.people.models import Staff, User
from tests.comms.routes_messages import PDF, pdf, teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_list_is_paged_and_its_queries_do_not_grow(cast: Cast) -> None:
    client = api(cast.guardian)
    teacher_thread(cast)
    client.get("/api/v1/messages")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/messages")
    for _ in range(4):
        teacher_thread(cast)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/messages?limit=2&offset=1").json()
    assert len(few) == len(many)
    assert body["count"] == 5 and body["unread"] == 5 and len(body["items"]) == 2
    assert body["items"][0]["teacher"] and body["items"][0]["unread"] is True
    assert client.get("/api/v1/messages?limit=1000").status_code == 422


def test_read_a_thread_reply_and_mark_read(cast: Cast) -> None:
    thread = teacher_thread(cast, files=[pdf()])
    client = api(cast.guardian)
    body = client.get(f"/api/v1/messages/{thread.pk}").json()
    assert body["side"] == "famiglia" and body["unread"] is True
    [message] = body["messages"]
    assert message["side"] == "docente" and message["body"].startswith("Buongiorno")
    download = client.get(message["attachments"][0]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    read = client.post(f"/api/v1/messages/{thread.pk}/read")
    assert read.json() == {"thread_id": thread.pk, "changed": True}
    assert unread_count(cast.guardian) == 0
    reply = client.post(
        f"/api/v1/messages/{thread.pk}/replies", {"body": "Grazie."},
        content_type="application/json",
    )  # fmt: skip
    assert reply.status_code == 201 and reply.json()["side"] == "famiglia"
    assert unread_count(cast.teacher) == 1


def test_start_a_thread(cast: Cast) -> None:
    maths = Staff.objects.get(user=cast.teacher)
    response = api(cast.guardian).post(
        "/api/v1/messages",
        {"student_id": cast.child.pk, "teacher_id": maths.pk, "subject": "A", "body": "B"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Thread.objects.get(pk=response.json()["thread_id"]).teacher == maths


def test_refusals_have_stable_codes_and_write_nothing(cast: Cast) -> None:
    unreachable = api(cast.other_teacher).post(
        "/api/v1/messages", {"student_id": cast.child.pk, "subject": "A", "body": "B"},
        content_type="application/json",
    )  # fmt: skip
    assert unreachable.status_code == 404
    assert unreachable.json()["code"] == "destinatario_non_raggiungibile"
    assert "Non è possibile scrivere" in unreachable.json()["message"]
    empty = api(cast.teacher).post(
        "/api/v1/messages", {"student_id": cast.child.pk, "subject": "A", "body": " "},
        content_type="application/json",
    )  # fmt: skip
    assert empty.status_code == 400 and empty.json()["code"] == "testo_mancante"
    assert not Thread.objects.exists()
    thread = teacher_thread(cast)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    MessageHours.objects.create(institute=cast.institute, weekdays=[tomorrow.weekday()])
    TeacherInbox.objects.create(user=cast.teacher, closed_off_hours=True)
    off = api(cast.guardian).post(
        f"/api/v1/messages/{thread.pk}/replies", {"body": "Urgente"},
        content_type="application/json",
    )  # fmt: skip
    assert off.status_code == 409 and off.json()["code"] == "fuori_orario"
    assert "Potrà inviarlo da" in off.json()["message"]
    outsider = api(cast.other_guardian).post(
        f"/api/v1/messages/{thread.pk}/replies", {"body": "Io"}, content_type="application/json"
    )
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    assert Message.objects.count() == 1
