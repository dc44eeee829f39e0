"""The demo's notices: a family of the trip's classroom finds both unread, the trip asking its
consent per child; a second run writes none."""

from __future__ import annotations

import pytest

from campanella.comms.notices.models import Notice, NoticeRecipient, RecipientKind
from campanella.comms.notices.selectors import unread_count
from campanella.demo.generator import generate
from campanella.demo.notices import generate_notices
from campanella.school.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_the_demo_writes_a_circular_and_a_trip() -> None:
    counts = generate(students=30, schools=1, seed=2, history_days=2, grades_per_subject=1)
    notices = list(Notice.objects.order_by("number"))
    assert [n.number for n in notices] == [1, 2]
    circular, trip = notices
    assert circular.requires_confirmation and trip.asks_consent and trip.consent_per_child
    family = NoticeRecipient.objects.filter(notice=trip, kind=RecipientKind.FAMILY).first()
    assert family is not None and unread_count(family.user) == 2
    year = SchoolYear.objects.get(institute_id=counts.institute_id)
    again = generate_notices(institute_id=counts.institute_id, year=year, today=year.start_date)
    assert again == 0 and Notice.objects.count() == 2
