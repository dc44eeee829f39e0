"""Refusals of messages, each clear in Italian and writing nothing: a family that is not the
sender's to reach, a teacher not the child's, a file over the limit or of a forbidden type, a
family writing outside the hours to a teacher who closed their inbox."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from campanella.audit.models import Change
from campanella.comms.messages.hours import DAY_NAMES
from campanella.comms.messages.models import Message, MessageHours, TeacherInbox, Thread
from campanella.comms.messages.services import (
    MessageError,
    NotAllowed,
    Unreachable,
    broadcast_send,
    message_send,
    thread_start,
)
from campanella.people.models import Guardianship, Staff
from tests.comms.routes_messages import PDF, teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Thread.objects.count(), Message.objects.count(), Change.objects.count()


def test_a_teacher_cannot_write_to_a_family_of_another_classroom(cast: Cast) -> None:
    before = counts()
    with pytest.raises(Unreachable) as refused:
        thread_start(user=cast.other_teacher, student_id=cast.child.pk, subject="A", body="B")
    assert "Non è possibile scrivere alla famiglia di questo alunno" in refused.value.message
    assert refused.value.code == "destinatario_non_raggiungibile"
    assert counts() == before


def test_a_family_cannot_write_about_another_child(cast: Cast) -> None:
    before = counts()
    with pytest.raises(Unreachable):
        thread_start(
            user=cast.guardian, student_id=cast.other_child.pk, to_office=True, subject="A",
            body="B",
        )  # fmt: skip
    assert counts() == before


def test_a_family_writes_only_to_the_childs_teachers(cast: Cast) -> None:
    other = Staff.objects.get(user=cast.other_teacher)  # teaches 2ª B, the child is in 1ª A
    with pytest.raises(Unreachable) as refused:
        thread_start(
            user=cast.guardian, student_id=cast.child.pk, teacher_id=other.pk, subject="A",
            body="B",
        )  # fmt: skip
    assert "docenti della classe" in refused.value.message


def test_a_revoked_guardian_neither_reads_nor_writes(cast: Cast) -> None:
    thread = teacher_thread(cast)
    Guardianship.objects.filter(student=cast.child).update(access_revoked_on=timezone.localdate())
    with pytest.raises(NotAllowed):
        message_send(user=cast.guardian, thread_id=thread.pk, body="Ciao")
    with pytest.raises(Unreachable):
        thread_start(user=cast.guardian, student_id=cast.child.pk, to_office=True,
                     subject="A", body="B")  # fmt: skip


def test_only_the_sides_reply(cast: Cast) -> None:
    thread = teacher_thread(cast)
    before = counts()
    for outsider in (cast.other_guardian, cast.child_user, cast.other_teacher, cast.office):
        with pytest.raises(NotAllowed):
            message_send(user=outsider, thread_id=thread.pk, body="Intromissione")
    assert counts() == before


def test_another_institutes_office_cannot_write_to_our_classrooms(cast: Cast) -> None:
    before = counts()
    with pytest.raises(Unreachable):
        broadcast_send(
            user=cast.foreign_office, classroom_ids=[cast.classroom_1a.pk], subject="A", body="B"
        )
    with pytest.raises(NotAllowed):
        broadcast_send(user=cast.teacher, classroom_ids=[cast.classroom_1a.pk], subject="A",
                       body="B")  # fmt: skip
    assert counts() == before


def test_a_file_over_the_limit_is_refused(cast: Cast, settings: Any) -> None:
    settings.COMMS_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("tema.pdf", PDF + b"0" * 2048, "application/pdf")
    before = counts()
    with pytest.raises(MessageError) as refused:
        teacher_thread(cast, files=[big])
    assert refused.value.code == "file_troppo_grande"
    assert "supera il limite di 1 MB" not in refused.value.message  # 1024 bytes, not 1 MB
    assert "supera il limite" in refused.value.message
    assert counts() == before


def test_a_file_of_a_forbidden_kind_is_refused_whatever_its_name(cast: Cast) -> None:
    thread = teacher_thread(cast)
    program = SimpleUploadedFile("pagella.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    before = counts()
    with pytest.raises(MessageError) as refused:
        message_send(user=cast.guardian, thread_id=thread.pk, body="Ecco", files=[program])
    assert refused.value.code == "tipo_non_ammesso"
    assert "non è di un tipo ammesso" in refused.value.message
    assert counts() == before


def close_off_hours(cast: Cast) -> datetime.date:
    """The teacher closed their inbox; the school's hours open tomorrow only, 8:00–17:00."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    MessageHours.objects.create(
        institute=cast.institute, weekdays=[tomorrow.weekday()],
        opens_at=datetime.time(8, 0), closes_at=datetime.time(17, 0),
    )  # fmt: skip
    TeacherInbox.objects.create(user=cast.teacher, closed_off_hours=True)
    return tomorrow


def test_off_hours_a_family_is_told_when_it_may_write(cast: Cast) -> None:
    thread = teacher_thread(cast)
    tomorrow = close_off_hours(cast)
    before = counts()
    with pytest.raises(MessageError) as refused:
        message_send(user=cast.guardian, thread_id=thread.pk, body="Domanda urgente")
    text = refused.value.message
    assert refused.value.code == "fuori_orario"
    assert f"il {DAY_NAMES[tomorrow.weekday()]}, dalle 08:00 alle 17:00" in text
    opening = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(8, 0)))
    assert f"Potrà inviarlo da {date_format(opening, 'l j F')} alle 08:00." in text
    maths = Staff.objects.get(user=cast.teacher)
    with pytest.raises(MessageError):
        thread_start(user=cast.guardian, student_id=cast.child.pk, teacher_id=maths.pk,
                     subject="A", body="B")  # fmt: skip
    assert counts() == before
    # The teacher still writes, and the office still receives.
    message_send(user=cast.teacher, thread_id=thread.pk, body="Risponderò domani.")
    thread_start(user=cast.guardian, student_id=cast.child.pk, to_office=True, subject="A",
                 body="B")  # fmt: skip


def test_a_teacher_who_receives_at_every_hour_gets_messages_off_hours(cast: Cast) -> None:
    thread = teacher_thread(cast)
    close_off_hours(cast)
    TeacherInbox.objects.filter(user=cast.teacher).update(closed_off_hours=False)
    message_send(user=cast.guardian, thread_id=thread.pk, body="Domanda")


def test_within_the_hours_a_closed_inbox_receives(cast: Cast) -> None:
    thread = teacher_thread(cast)
    MessageHours.objects.create(
        institute=cast.institute, weekdays=list(range(7)),
        opens_at=datetime.time(0, 0), closes_at=datetime.time(23, 59, 59),
    )  # fmt: skip
    TeacherInbox.objects.create(user=cast.teacher, closed_off_hours=True)
    message_send(user=cast.guardian, thread_id=thread.pk, body="Domanda")


def test_empty_text_is_refused(cast: Cast) -> None:
    with pytest.raises(MessageError) as refused:
        thread_start(user=cast.teacher, student_id=cast.child.pk, subject=" ", body="B")
    assert refused.value.code == "oggetto_mancante"
    assert not Thread.objects.exists()
