"""Pages of messages: the header's count (one indexed query), the inbox, a thread (opening
marks it read), writing, replying, the office's message to classrooms, the hours."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.comms.messages.models import (
    Message,
    MessageHours,
    TeacherInbox,
    Thread,
    ThreadParticipant,
)
from campanella.comms.messages.selectors import unread_count
from campanella.comms.messages.services import message_send
from campanella.people.models import Staff
from tests.comms.routes_messages import PDF, pdf, teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_unread_count_is_one_query_on_the_unread_index(cast: Cast) -> None:
    for _ in range(3):
        teacher_thread(cast)
    with CaptureQueriesContext(connection) as captured:
        assert unread_count(cast.guardian) == 3
    assert len(captured) == 1
    sql = captured[0]["sql"]
    assert "comms_threadparticipant" in sql and "JOIN" not in sql.upper()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "message_participant_unread" in plan, plan


def page_queries(client: Any, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_header_and_the_inbox_cost_the_same_for_many_threads(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    teacher_thread(cast)
    few = page_queries(client, reverse("comms:message_list"))
    for _ in range(5):
        teacher_thread(cast)
    assert page_queries(client, reverse("comms:message_list")) == few
    page = client.get(reverse("comms:message_list")).content.decode()
    assert 'data-testid="unread-messages"' in page
    assert '6<span class="visually-hidden"> da leggere' in page
    assert page.count("Compiti di matematica") == 6


def test_opening_a_thread_marks_it_read_and_costs_the_same_for_many_messages(cast: Cast) -> None:
    thread = teacher_thread(cast, files=[pdf()])
    client = cast.client_for(cast.guardian)
    url = reverse("comms:message_thread", args=[thread.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Marco non ha consegnato i compiti" in response.content.decode()
    assert "compiti.pdf" in response.content.decode()
    assert unread_count(cast.guardian) == 0
    few = page_queries(client, url)
    for n in range(4):
        message_send(user=cast.teacher, thread_id=thread.pk, body=f"Altro {n}", files=[pdf()])
    assert page_queries(client, url) == few


def test_a_family_replies_from_the_page(cast: Cast) -> None:
    thread = teacher_thread(cast)
    client = cast.client_for(cast.guardian)
    response = client.post(
        reverse("comms:message_reply", args=[thread.pk]),
        {"testo": "Grazie, ne parliamo a casa.", "allegati": [pdf("giustifica.pdf")]},
        follow=True,
    )
    assert "Messaggio inviato." in response.content.decode()
    reply = Message.objects.filter(thread=thread).latest("pk")
    assert reply.body == "Grazie, ne parliamo a casa." and reply.attachments.count() == 1
    download = cast.client_for(cast.teacher).get(
        reverse("comms:message_attachment", args=[thread.pk, reply.attachments.get().pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"


def test_a_refused_file_is_told_in_italian_and_nothing_is_written(cast: Cast) -> None:
    thread = teacher_thread(cast)
    before = Message.objects.count()
    bad = SimpleUploadedFile("foto.png", b"not really a picture", "image/png")
    response = cast.client_for(cast.guardian).post(
        reverse("comms:message_reply", args=[thread.pk]), {"testo": "Ecco", "allegati": [bad]},
        follow=True,
    )  # fmt: skip
    assert "non è di un tipo ammesso" in response.content.decode()
    assert Message.objects.count() == before


def test_off_hours_the_page_says_when_the_family_may_write(cast: Cast) -> None:
    thread = teacher_thread(cast)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    MessageHours.objects.create(
        institute=cast.institute, weekdays=[tomorrow.weekday()],
        opens_at=datetime.time(8, 0), closes_at=datetime.time(13, 0),
    )  # fmt: skip
    TeacherInbox.objects.create(user=cast.teacher, closed_off_hours=True)
    before = cast.client_for(cast.guardian).get(reverse("comms:message_thread", args=[thread.pk]))
    assert 'data-testid="closed-now"' in before.content.decode()
    response = cast.client_for(cast.guardian).post(
        reverse("comms:message_reply", args=[thread.pk]), {"testo": "Urgente"}, follow=True
    )
    page = response.content.decode()
    assert "Il docente riceve i messaggi delle famiglie" in page and "Potrà inviarlo da" in page
    assert Message.objects.filter(thread=thread).count() == 1


def test_a_family_starts_a_thread_with_a_teacher_of_the_child(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    page = client.get(reverse("comms:message_create")).content.decode()
    maths = Staff.objects.get(user=cast.teacher)
    assert f'value="{cast.child.pk}:{maths.pk}"' in page
    assert f'value="{cast.child.pk}:segreteria"' in page
    assert f'value="{cast.other_child.pk}:' not in page
    response = client.post(
        reverse("comms:message_create"),
        {"destinatario": f"{cast.child.pk}:{maths.pk}", "oggetto": "Colloquio",
         "testo": "Possiamo vederci?"},
    )  # fmt: skip
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("comms:message_thread", args=[thread.pk])
    assert thread.teacher == maths and unread_count(cast.teacher) == 1


def test_writing_to_a_family_not_ones_own_is_refused_in_italian(cast: Cast) -> None:
    response = cast.client_for(cast.other_teacher).post(
        reverse("comms:message_create"),
        {"destinatario": f"{cast.child.pk}:famiglia", "oggetto": "A", "testo": "B"},
    )
    assert response.status_code == 404
    assert "Non è possibile scrivere alla famiglia di questo alunno" in response.content.decode()
    assert not Thread.objects.exists()


def test_the_office_writes_to_a_classrooms_families(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    assert cast.classroom_1a.name in client.get(reverse("comms:message_broadcast")).content.decode()
    response = client.post(
        reverse("comms:message_broadcast"),
        {"classe": [cast.classroom_1a.pk], "oggetto": "Sciopero", "testo": "Venerdì."},
        follow=True,
    )
    assert "Messaggio inviato alle famiglie di 2 alunni." in response.content.decode()
    assert unread_count(cast.guardian) == 1


def test_the_office_sets_the_hours_and_a_teacher_closes_the_inbox(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    response = office.post(
        reverse("comms:message_hours"),
        {"giorno": ["0", "1", "2", "3", "4"], "dalle": "08:30", "alle": "14:00"},
        follow=True,
    )
    assert "dal lunedì al venerdì, dalle 08:30 alle 14:00" in response.content.decode()
    hours = MessageHours.objects.get(institute=cast.institute)
    assert hours.weekdays == [0, 1, 2, 3, 4] and hours.closes_at == datetime.time(14, 0)
    refused = office.post(
        reverse("comms:message_hours"), {"giorno": ["0"], "dalle": "14:00", "alle": "08:00"}
    )
    assert "L&#x27;orario di fine deve essere successivo" in refused.content.decode()
    teacher = cast.client_for(cast.teacher)
    page = teacher.get(reverse("comms:message_hours")).content.decode()
    assert "dalle 08:30 alle 14:00" in page and 'data-testid="hours-form"' not in page
    teacher.post(reverse("comms:message_inbox_setting"), {"fuori_orario": "chiuso"})
    assert TeacherInbox.objects.get(user=cast.teacher).closed_off_hours
    assert (
        cast.client_for(cast.teacher)
        .post(reverse("comms:message_hours"), {"giorno": ["0"], "dalle": "08:00", "alle": "09:00"})
        .status_code
        == 404
    )
    assert (
        cast.client_for(cast.guardian)
        .post(reverse("comms:message_inbox_setting"), {"fuori_orario": "chiuso"})
        .status_code
        == 404
    )


def test_participants_rows_follow_the_sides(cast: Cast) -> None:
    thread = teacher_thread(cast)
    assert set(ThreadParticipant.objects.filter(thread=thread).values_list("user", flat=True)) == {
        cast.guardian.pk,
        cast.teacher.pk,
    }
