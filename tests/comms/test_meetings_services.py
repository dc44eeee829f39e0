"""Meetings' writes: publishing weekly availability and general days, booking, refusals
(full, window, not theirs), cancelling, the teacher's cancellation, the calendar selector."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.comms.meetings import selectors, services
from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingMode,
    MeetingSlot,
)
from campanella.comms.meetings.services import (
    AvailabilityDraft,
    MeetingDayDraft,
    MeetingError,
    NotAllowed,
    availability_publish,
    booking_cancel,
    booking_create,
    meeting_day_publish,
    slot_cancel,
)
from campanella.people.models import Staff
from campanella.school.models import Closure
from tests.comms.meetings_support import booked, in_days, open_slot, publish_on, window
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_weekly_availability_makes_dated_slots_skipping_closed_days(cast: Cast) -> None:
    first = in_days(3)
    closed = first + datetime.timedelta(days=7)
    Closure.objects.create(
        institute=cast.institute, start_date=closed, end_date=closed, description="Ponte"
    )
    availability, created = availability_publish(
        user=cast.teacher,
        draft=AvailabilityDraft(
            weekday=first.weekday(), start_time=datetime.time(16, 0),
            end_time=datetime.time(16, 45), window=window(slot_minutes=15, capacity=2,
            opens_days_before=5, opens_at=datetime.time(20, 0), closes_hours_before=24),
            valid_from=first, valid_until=first + datetime.timedelta(days=14),
        ),
    )  # fmt: skip
    days = sorted({timezone.localtime(s.starts_at).date() for s in availability.slots.all()})
    assert days == [first, first + datetime.timedelta(days=14)]
    assert created == 6 == availability.slots.count()
    slot = availability.slots.order_by("starts_at").first()
    assert slot is not None
    assert timezone.localtime(slot.starts_at).time() == datetime.time(16, 0)
    assert timezone.localtime(slot.ends_at).time() == datetime.time(16, 15)
    opens = timezone.localtime(slot.opens_at)
    assert (opens.date(), opens.time()) == (first - datetime.timedelta(days=5), datetime.time(20))
    assert slot.closes_at == slot.starts_at - datetime.timedelta(hours=24)
    assert (slot.capacity, slot.place, slot.mode) == (2, "Aula colloqui", MeetingMode.IN_PERSON)
    assert Change.objects.filter(object_id=availability.pk, reason="Ricevimento settimanale")


def test_publishing_again_does_not_duplicate_slots(cast: Cast) -> None:
    publish_on(cast, in_days(3))
    assert publish_on(cast, in_days(3)) == []
    assert MeetingSlot.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"mode": MeetingMode.ONLINE, "link": ""}, "link_missing"),
        ({"place": " "}, "place_missing"),
        ({"capacity": 0}, "invalid_capacity"),
        ({"slot_minutes": 2}, "invalid_duration"),
        ({"opens_days_before": 0, "opens_at": datetime.time(23, 0)}, "invalid_window"),
    ],
)
def test_a_bad_availability_is_refused_in_italian_and_writes_nothing(
    cast: Cast, changes: dict[str, object], code: str
) -> None:
    with pytest.raises(MeetingError) as refused:
        publish_on(cast, in_days(3), **changes)
    assert refused.value.code == code
    assert refused.value.message[:3].isascii()
    assert not MeetingAvailability.objects.exists() and not MeetingSlot.objects.exists()


def test_only_teachers_publish_availability(cast: Cast) -> None:
    for user in (cast.guardian, cast.office, cast.child_user, cast.outsider):
        with pytest.raises(NotAllowed):
            publish_on(cast, in_days(3), teacher=user)
    assert not MeetingSlot.objects.exists()


def general_day(**changes: object) -> MeetingDayDraft:
    values: dict[str, object] = {
        "title": "Udienze generali del primo periodo", "day": in_days(4),
        "start_time": datetime.time(15, 0), "end_time": datetime.time(16, 0),
        "window": window(slot_minutes=20),
    }  # fmt: skip
    values.update(changes)
    return MeetingDayDraft(**values)  # type: ignore[arg-type]


def test_the_office_publishes_a_general_day_with_slots_per_teacher(cast: Cast) -> None:
    day, created = meeting_day_publish(
        user=cast.office, draft=general_day(classroom_ids=[cast.classroom_1a.pk])
    )
    teachers = {Staff.objects.get(user=u).pk for u in (cast.teacher, cast.coordinator)}
    assert set(day.teachers.values_list("pk", flat=True)) == teachers
    assert created == 6
    assert set(MeetingSlot.objects.values_list("teacher_id", flat=True)) == teachers
    assert set(MeetingSlot.objects.values_list("meeting_day", flat=True)) == {day.pk}


def test_a_general_day_is_refused_to_teachers_and_on_foreign_classrooms(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        meeting_day_publish(
            user=cast.teacher, draft=general_day(classroom_ids=[cast.classroom_1a.pk])
        )
    with pytest.raises(NotAllowed):
        meeting_day_publish(
            user=cast.foreign_office, draft=general_day(classroom_ids=[cast.classroom_1a.pk])
        )
    Closure.objects.create(
        institute=cast.institute, start_date=in_days(4), end_date=in_days(4), description="Festa"
    )
    with pytest.raises(MeetingError) as refused:
        meeting_day_publish(
            user=cast.office, draft=general_day(classroom_ids=[cast.classroom_1a.pk])
        )
    assert refused.value.code == "closed_day"
    assert not MeetingDay.objects.exists() and not MeetingSlot.objects.exists()


def test_a_family_books_a_slot_of_its_childs_teacher(cast: Cast) -> None:
    booking = booked(cast)
    slot = MeetingSlot.objects.get(pk=booking.slot_id)
    assert slot.booked_count == 1
    assert (booking.student, booking.booked_by) == (cast.child, cast.guardian)
    assert Change.objects.filter(object_id=booking.pk, reason="Prenotazione del colloquio")


def test_a_full_slot_is_refused_and_nothing_written(cast: Cast) -> None:
    booking = booked(cast)
    changes = Change.objects.count()
    with pytest.raises(MeetingError) as refused:
        booking_create(
            user=cast.other_guardian, slot_id=booking.slot_id, student_id=cast.other_child.pk
        )
    assert refused.value.code == "slot_full"
    assert "al completo" in refused.value.message
    assert MeetingBooking.objects.count() == 1 and Change.objects.count() == changes
    assert MeetingSlot.objects.get(pk=booking.slot_id).booked_count == 1


def test_capacity_lets_several_families_into_one_slot(cast: Cast) -> None:
    slot = open_slot(cast, capacity=2)
    booking_create(user=cast.guardian, slot_id=slot.pk, student_id=cast.child.pk)
    booking_create(user=cast.other_guardian, slot_id=slot.pk, student_id=cast.other_child.pk)
    slot.refresh_from_db()
    assert slot.booked_count == 2 and slot.free_places == 0


def test_a_closed_or_not_yet_open_window_is_refused(cast: Cast) -> None:
    slot = open_slot(cast)
    MeetingSlot.objects.filter(pk=slot.pk).update(closes_at=timezone.now())
    with pytest.raises(MeetingError) as closed:
        booking_create(user=cast.guardian, slot_id=slot.pk, student_id=cast.child.pk)
    assert closed.value.code == "window_closed" and "chiuse" in closed.value.message
    later = publish_on(cast, in_days(20), opens_days_before=3)[0]
    with pytest.raises(MeetingError) as early:
        booking_create(user=cast.guardian, slot_id=later.pk, student_id=cast.child.pk)
    assert early.value.code == "window_not_open" and "si aprono" in early.value.message
    assert not MeetingBooking.objects.exists()


def test_one_booking_per_child_with_a_teacher_a_day(cast: Cast) -> None:
    booking = booked(cast, capacity=2)
    second = MeetingSlot.objects.exclude(pk=booking.slot_id).first()
    assert second is not None
    with pytest.raises(MeetingError) as refused:
        booking_create(user=cast.guardian, slot_id=second.pk, student_id=cast.child.pk)
    assert refused.value.code == "already_booked"


def test_nobody_books_for_a_child_not_theirs_or_with_a_teacher_not_of_the_class(
    cast: Cast,
) -> None:
    slot = open_slot(cast)
    other_slot = open_slot(cast, teacher=cast.other_teacher)  # teaches 2ª B only
    refused = [
        (cast.other_guardian, slot, cast.child),  # another family's child
        (cast.guardian, other_slot, cast.child),  # 2ª B's teacher, the child is in 1ª A
        (cast.child_user, slot, cast.child),  # the minor student
        (cast.teacher, slot, cast.child),
        (cast.foreign_office, slot, cast.child),
    ]
    for user, target, student in refused:
        with pytest.raises(NotAllowed):
            booking_create(user=user, slot_id=target.pk, student_id=student.pk)
    assert not MeetingBooking.objects.exists()
    # The sibling is in 2ª B: with its teacher the same family may book.
    booking_create(user=cast.guardian, slot_id=other_slot.pk, student_id=cast.sibling.pk)


def test_a_family_cancels_within_the_window_and_the_place_frees(cast: Cast) -> None:
    booking = booked(cast)
    cancelled = booking_cancel(user=cast.guardian, booking_id=booking.pk)
    assert cancelled.cancelled_at is not None and cancelled.cancelled_by == cast.guardian
    assert MeetingSlot.objects.get(pk=booking.slot_id).booked_count == 0
    again = booking_create(user=cast.other_guardian, slot_id=booking.slot_id,
                           student_id=cast.other_child.pk)  # fmt: skip
    assert again.pk != booking.pk
    with pytest.raises(MeetingError) as twice:
        booking_cancel(user=cast.guardian, booking_id=booking.pk)
    assert twice.value.code == "already_cancelled"


def test_cancelling_after_the_window_closed_is_refused(cast: Cast) -> None:
    booking = booked(cast)
    MeetingSlot.objects.filter(pk=booking.slot_id).update(closes_at=timezone.now())
    with pytest.raises(MeetingError) as refused:
        booking_cancel(user=cast.guardian, booking_id=booking.pk)
    assert refused.value.code == "window_closed"
    booking.refresh_from_db()
    assert booking.cancelled_at is None
    for user in (cast.other_guardian, cast.teacher, cast.office):
        with pytest.raises(NotAllowed):
            booking_cancel(user=user, booking_id=booking.pk)


def test_the_teacher_cancels_a_slot_and_gets_the_affected_bookings(cast: Cast) -> None:
    booking = booked(cast)
    with pytest.raises(NotAllowed):
        slot_cancel(user=cast.other_teacher, slot_id=booking.slot_id)
    affected = slot_cancel(user=cast.teacher, slot_id=booking.slot_id)
    assert [b.pk for b in affected] == [booking.pk]
    assert affected[0].student == cast.child and affected[0].booked_by == cast.guardian
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    slot = MeetingSlot.objects.get(pk=booking.slot_id)
    assert slot.cancelled_at is not None and slot.booked_count == 0
    with pytest.raises(MeetingError) as refused:
        booking_create(user=cast.guardian, slot_id=slot.pk, student_id=cast.child.pk)
    assert refused.value.code == "slot_cancelled"


def test_the_calendar_selector_gives_each_login_its_own_bookings(cast: Cast) -> None:
    booking = booked(cast)
    start = timezone.now()
    end = start + datetime.timedelta(days=7)
    family = selectors.bookings_for_calendar(cast.guardian, start, end)
    assert [(b.booking_id, b.teacher, b.mode, b.place) for b in family] == [
        (booking.pk, Staff.objects.get(user=cast.teacher).full_name, "presenza", "Aula colloqui")
    ]
    teacher = selectors.bookings_for_calendar(cast.teacher, start, end)
    assert [b.student for b in teacher] == [cast.child.full_name]
    for outsider in (cast.other_guardian, cast.other_teacher, cast.office, cast.outsider):
        assert selectors.bookings_for_calendar(outsider, start, end) == []
    assert selectors.bookings_for_calendar(cast.guardian, end, end + datetime.timedelta(1)) == []
    booking_cancel(user=cast.guardian, booking_id=booking.pk)
    assert selectors.bookings_for_calendar(cast.guardian, start, end) == []


def test_the_teachers_day_lists_who_when_and_how(cast: Cast) -> None:
    booking = booked(cast)
    rows = list(selectors.teacher_day(cast.teacher, in_days(2)))
    assert [(r.pk, r.student, r.slot.place) for r in rows] == [
        (booking.pk, cast.child, "Aula colloqui")
    ]
    assert list(selectors.teacher_day(cast.coordinator, in_days(2))) == []
    assert list(selectors.teacher_day(cast.teacher, in_days(3))) == []
    assert services.MAX_SLOTS > 0


def test_the_institutes_history_reads_every_meeting_change(cast: Cast) -> None:
    booking = booked(cast)
    meeting_day_publish(user=cast.office, draft=general_day(classroom_ids=[cast.classroom_1a.pk]))
    slot_cancel(user=cast.teacher, slot_id=booking.slot_id)
    response = cast.client_for(cast.office).get("/registro/storico/")
    assert response.status_code == 200
    assert Change.objects.filter(object_id=booking.pk, reason__startswith="Prenotazione").exists()
