"""Meetings booked in the private calendar feed: the family's and the teacher's feeds both hold
the booking with its time and place; a cancelled booking leaves them; another family's does not
see it."""

from __future__ import annotations

import pytest

from campanella.comms.meetings.services import booking_cancel
from tests.comms.calendar_support import feed_url_for, read, uids
from tests.comms.meetings_support import booked
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_booking_is_in_the_familys_and_the_teachers_feeds_until_cancelled(cast: Cast) -> None:
    booking = booked(cast)
    uid = f"meeting-booking-{booking.pk}@campanella"
    family = read(feed_url_for(cast.guardian))
    assert uid in uids(family)
    event = next(e for e in family.walk("VEVENT") if str(e["UID"]) == uid)
    assert event.decoded("DTSTART") == booking.slot.starts_at
    assert str(event["LOCATION"]) == "Aula colloqui"
    assert cast.child.full_name in str(event["SUMMARY"])
    teacher_feed = feed_url_for(cast.teacher)
    assert uid in uids(read(teacher_feed))
    assert uid not in uids(read(feed_url_for(cast.other_guardian)))
    booking_cancel(user=cast.guardian, booking_id=booking.pk)
    assert uid not in uids(read(teacher_feed))
