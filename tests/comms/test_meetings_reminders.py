"""The reminder of the day before: one e-mail per booking to a real SMTP server (aiosmtpd),
however many times it runs."""

from __future__ import annotations

import pytest

from campanella.comms.meetings.models import MeetingBooking
from campanella.comms.meetings.services import booking_create, remind_tomorrows_meetings
from campanella.comms.meetings.tasks import send_meeting_reminders
from tests.comms.meetings_support import in_days, publish_on
from tests.conftest import Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_tomorrows_families_are_reminded_once(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    cast.guardian.email = "paola@example.org"
    cast.guardian.save()
    cast.other_guardian.email = "altro@example.org"
    cast.other_guardian.save()
    tomorrow = publish_on(cast, in_days(1))
    later = publish_on(cast, in_days(2))
    booking_create(user=cast.guardian, slot_id=tomorrow[1].pk, student_id=cast.child.pk)
    booking_create(user=cast.other_guardian, slot_id=later[0].pk, student_id=cast.other_child.pk)
    today = in_days(0)

    assert remind_tomorrows_meetings(today) == 1
    assert remind_tomorrows_meetings(today) == 0
    send_meeting_reminders.enqueue(today.isoformat())  # the job, as the integrator runs it
    messages = mailbox.wait_for(1)
    assert len(messages) == 1
    assert mailbox.to("paola@example.org") == messages
    assert "colloquio di domani" in str(messages[0]["Subject"])
    body = Mailbox.body(messages[0])
    assert cast.child.full_name in body and "15:10" in body and "Aula colloqui" in body
    reminded = MeetingBooking.objects.get(student=cast.child)
    assert reminded.reminded_at is not None
    assert MeetingBooking.objects.get(student=cast.other_child).reminded_at is None


def test_cancelled_bookings_get_no_reminder(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    cast.guardian.email = "paola@example.org"
    cast.guardian.save()
    slot = publish_on(cast, in_days(1))[0]
    booking = booking_create(user=cast.guardian, slot_id=slot.pk, student_id=cast.child.pk)
    MeetingBooking.objects.filter(pk=booking.pk).update(cancelled_at=slot.opens_at)
    assert remind_tomorrows_meetings(in_days(0)) == 0
    assert mailbox.messages == []
