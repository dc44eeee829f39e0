"""Messages, meetings and teaching materials tell their people through notifications, once
the write commits: a message the other side of its thread, a booking the teacher, a slot the
teacher cancels the families booked in it, a file or link shared the classroom's students and
families (not a draft, not a folder). Nothing is told of a write that rolled back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from campanella.comms.materials import services as materials
from campanella.comms.materials.models import MaterialKind
from campanella.comms.meetings.services import slot_cancel
from campanella.comms.messages.services import broadcast_send, message_send
from campanella.comms.notifications.models import Notification, NotificationKind
from tests.comms.meetings_support import booked
from tests.comms.routes_messages import teacher_thread
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def told(kind: str) -> set[tuple[int, str]]:
    return set(Notification.objects.filter(kind=kind).values_list("user_id", "key"))


def test_a_message_tells_the_other_side_of_its_thread(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        thread = teacher_thread(cast)
    first = thread.messages.get()
    assert told(NotificationKind.MESSAGE) == {(cast.guardian.pk, f"message:{first.pk}")}
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(user=cast.guardian, thread_id=thread.pk, body="Grazie.")
    assert (cast.teacher.pk, f"message:{reply.pk}") in told(NotificationKind.MESSAGE)
    assert not Notification.objects.filter(user=cast.guardian, key=f"message:{reply.pk}")
    notice = Notification.objects.get(user=cast.teacher)
    assert notice.url == f"/comunicazioni/messaggi/{thread.pk}/"


def test_the_offices_message_to_a_classroom_tells_each_family_once(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = broadcast_send(
            user=cast.office, classroom_ids=[cast.classroom_1a.pk], subject="Assemblea",
            body="Giovedì assemblea di classe.",
        )  # fmt: skip
    keys = told(NotificationKind.MESSAGE)
    assert (cast.guardian.pk, f"broadcast:{broadcast.pk}") in keys
    assert (cast.other_guardian.pk, f"broadcast:{broadcast.pk}") in keys
    assert len(keys) == len({user for user, _key in keys})  # one each


def test_a_booking_tells_the_teacher_and_a_cancelled_slot_the_family(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booking = booked(cast)
    assert told(NotificationKind.MEETING) == {(cast.teacher.pk, f"meeting-booked:{booking.pk}")}
    with django_capture_on_commit_callbacks(execute=True):
        slot_cancel(user=cast.teacher, slot_id=booking.slot_id)
    assert (cast.guardian.pk, f"meeting-cancelled:{booking.pk}") in told(NotificationKind.MEETING)


def test_material_shared_tells_the_classroom_but_not_a_draft_or_a_folder(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    def add(kind: str, title: str, **more: Any) -> Any:
        return materials.material_create(
            user=cast.teacher, classroom_id=cast.classroom_1a.pk, subject_id=cast.maths.pk,
            draft=materials.MaterialDraft(kind=kind, title=title, **more),
        )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        link = add(MaterialKind.LINK, "Pitagora", url="https://example.org/pitagora")
        add(MaterialKind.FOLDER, "Geometria")
        add(MaterialKind.LINK, "Bozza", url="https://example.org/bozza", is_draft=True)
    keys = told(NotificationKind.MATERIAL)
    assert {key for _user, key in keys} == {f"material:{link.material.pk}"}
    assert {cast.guardian.pk, cast.child_user.pk} <= {user for user, _key in keys}


def test_a_write_rolled_back_tells_nobody(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                teacher_thread(cast)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
