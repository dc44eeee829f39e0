"""Writes of messages: starting a thread, replying, unread state, recipients for the
notifications, the office writing to whole classrooms in bulk, and the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campanella.audit.models import Change
from campanella.comms.messages.models import (
    Broadcast,
    Message,
    MessageAttachment,
    Side,
    Thread,
    ThreadParticipant,
)
from campanella.comms.messages.selectors import unread_count
from campanella.comms.messages.services import (
    broadcast_send,
    message_send,
    thread_read,
    thread_start,
)
from campanella.people.models import Staff
from tests import factories as f
from tests.comms.routes_messages import pdf, teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_teacher_writes_to_the_whole_family_of_a_student(cast: Cast) -> None:
    second = f.UserFactory(username="second_parent")
    f.GuardianshipFactory(
        student=cast.child,
        guardian=f.GuardianFactory(institute=cast.institute, user=second),
        relation="genitore2",
    )
    thread = teacher_thread(cast)
    message = thread.messages.get()
    assert thread.teacher == Staff.objects.get(user=cast.teacher) and not thread.with_office
    assert message.author_side == Side.TEACHER and message.author_name.startswith("Prof.")
    assert set(message.recipients()) == {cast.guardian, second}
    assert unread_count(cast.guardian) == 1 and unread_count(second) == 1
    assert unread_count(cast.teacher) == 0
    assert Change.objects.filter(object_id=message.pk, reason="Messaggio").exists()
    assert Change.objects.filter(object_id=thread.pk, reason="Nuova conversazione").exists()


def test_a_reply_is_new_for_the_other_side_only(cast: Cast) -> None:
    thread = teacher_thread(cast)
    reply = message_send(user=cast.guardian, thread_id=thread.pk, body="Grazie, provvediamo.")
    assert reply.author_side == Side.FAMILY
    assert list(reply.recipients()) == [cast.teacher]
    assert unread_count(cast.teacher) == 1
    assert unread_count(cast.guardian) == 0  # the author has read what they wrote
    thread.refresh_from_db()
    assert thread.last_message_at == reply.created_at


def test_opening_marks_read_for_that_login_only(cast: Cast) -> None:
    thread = teacher_thread(cast)
    message_send(user=cast.guardian, thread_id=thread.pk, body="Va bene.")
    assert thread_read(user=cast.teacher, thread=thread) is True
    assert thread_read(user=cast.teacher, thread=thread) is False
    assert unread_count(cast.teacher) == 0


def test_a_family_writes_to_a_teacher_of_the_child_or_to_the_office(cast: Cast) -> None:
    maths = Staff.objects.get(user=cast.teacher)
    to_teacher = thread_start(
        user=cast.guardian, student_id=cast.child.pk, teacher_id=maths.pk,
        subject="Colloquio", body="Possiamo parlarne?",
    )  # fmt: skip
    assert to_teacher.thread.teacher == maths and list(to_teacher.recipients()) == [cast.teacher]
    to_office = thread_start(
        user=cast.guardian, student_id=cast.child.pk, to_office=True,
        subject="Certificato", body="Serve un certificato di frequenza.",
    )  # fmt: skip
    assert to_office.thread.with_office
    assert list(to_office.recipients()) == [cast.office]  # every office login of the institute


def test_a_message_keeps_its_checked_attachments(cast: Cast) -> None:
    thread = teacher_thread(cast, files=[pdf("Esercizi di casa.pdf")])
    attachment = MessageAttachment.objects.get(thread=thread)
    assert (
        attachment.name == "Esercizi di casa.pdf" and attachment.content_type == "application/pdf"
    )
    assert attachment.file.read().startswith(b"%PDF")


def test_the_office_writes_to_a_whole_classroom_in_bulk(cast: Cast) -> None:
    # 1ª A: the child (guardian), the adult student (a guardian without login), other_child.
    f.GuardianshipFactory(
        student=cast.adult_student, guardian=f.GuardianFactory(institute=cast.institute)
    )
    with CaptureQueriesContext(connection) as captured:
        sent = broadcast_send(
            user=cast.office, classroom_ids=[cast.classroom_1a.pk], subject="Sciopero",
            body="Venerdì le lezioni potrebbero non svolgersi.", files=[pdf("avviso.pdf")],
        )  # fmt: skip
    few = len(captured)
    threads = Thread.objects.filter(broadcast=sent)
    assert sent.thread_count == 3 == threads.count()
    assert set(threads.values_list("student_id", flat=True)) == {
        cast.child.pk,
        cast.adult_student.pk,
        cast.other_child.pk,
    }
    assert Message.objects.filter(thread__broadcast=sent).count() == 3
    assert MessageAttachment.objects.filter(thread__broadcast=sent).count() == 3
    assert len(set(MessageAttachment.objects.values_list("file", flat=True))) == 1  # stored once
    assert unread_count(cast.guardian) == 1 and unread_count(cast.other_guardian) == 1
    assert unread_count(cast.office) == 0
    message = Message.objects.get(thread__student=cast.child, thread__broadcast=sent)
    assert list(message.recipients()) == [cast.guardian]
    assert Change.objects.filter(object_id=sent.pk, reason__startswith="Messaggio alle").exists()
    # The same number of queries for a classroom three times as big.
    for _ in range(6):
        student = f.StudentFactory(institute=cast.institute)
        f.EnrollmentFactory(student=student, classroom=cast.classroom_1a)
        f.GuardianshipFactory(
            student=student,
            guardian=f.GuardianFactory(institute=cast.institute, user=f.UserFactory()),
        )
    with CaptureQueriesContext(connection) as captured:
        bigger = broadcast_send(
            user=cast.office, classroom_ids=[cast.classroom_1a.pk, cast.classroom_2b.pk],
            subject="Sciopero", body="Di nuovo.", files=[pdf("avviso.pdf")],
        )  # fmt: skip
    assert bigger.thread_count == 10
    assert len(captured) <= few  # (the first run also reads the content types once)
    assert Broadcast.objects.count() == 2


def test_a_new_guardian_joins_the_thread_at_the_next_message(cast: Cast) -> None:
    thread = teacher_thread(cast)
    late = f.UserFactory(username="late_parent")
    f.GuardianshipFactory(
        student=cast.child,
        guardian=f.GuardianFactory(institute=cast.institute, user=late),
        relation="genitore2",
    )
    message_send(user=cast.teacher, thread_id=thread.pk, body="Un'altra cosa.")
    assert ThreadParticipant.objects.filter(thread=thread, user=late, side=Side.FAMILY).exists()
    assert unread_count(late) == 1
