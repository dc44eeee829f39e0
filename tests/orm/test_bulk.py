"""campanella.orm.bulk: `bulk_set` saves the given fields of many objects as bulk_update does
(any values: text, dates, a foreign key set or emptied), in one query on PostgreSQL, and
leaves the other fields and the other rows alone; `bulk_insert` saves new objects as
bulk_create does (ids set, defaults kept, the database's refusals as Django's errors)."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from campanella.orm.bulk import bulk_insert, bulk_set
from campanella.people.models import Student
from campanella.register.models import Absence, LateEntry
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_fields_given_are_saved_for_each_object_and_nothing_else(cast: Cast) -> None:
    child, adult, sibling = (
        Student.objects.get(pk=s.pk) for s in (cast.child, cast.adult_student, cast.sibling)
    )
    untouched = Student.objects.get(pk=cast.other_child.pk)
    child.user = None
    child.surname = "D'Annunzio"
    adult.birth_date = datetime.date(2001, 2, 3)
    adult.user = cast.outsider  # a foreign key set to another row
    sibling.name = "Not saved"  # a field not asked for
    with CaptureQueriesContext(connection) as queries:
        bulk_set([child, adult], ["surname", "birth_date", "user"])
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    saved = {s.pk: s for s in Student.objects.filter(pk__in=[child.pk, adult.pk, sibling.pk])}
    assert (saved[child.pk].surname, saved[child.pk].user_id) == ("D'Annunzio", None)
    assert saved[adult.pk].birth_date == datetime.date(2001, 2, 3)
    assert saved[adult.pk].user_id == cast.outsider.pk
    assert saved[sibling.pk].name == cast.sibling.name
    other = Student.objects.get(pk=untouched.pk)
    assert (other.surname, other.birth_date, other.user_id) == (
        untouched.surname, untouched.birth_date, untouched.user_id,
    )  # fmt: skip


def test_nothing_to_save_sends_no_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        bulk_set([], ["surname"])
    assert len(queries) == 0


def test_new_objects_are_inserted_with_their_ids_and_values_as_bulk_create_does(
    cast: Cast,
) -> None:
    days = [datetime.date(2020, 1, 8), datetime.date(2020, 1, 9)]
    slot = cast.school.hour_slots.order_by("number").first()
    absences = [
        Absence(student=cast.child, classroom=cast.classroom_1a, date=day, recorded_by=cast.office)
        for day in days
    ]
    absences.append(
        Absence(student=cast.adult_student, classroom=cast.classroom_1a, date=days[0],
                slot=slot, recorded_by=cast.office)
    )  # fmt: skip
    late = LateEntry(
        student=cast.other_child, classroom=cast.classroom_1a, date=days[1],
        time=datetime.time(8, 20), slot=slot, short=True, recorded_by=cast.office,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        bulk_insert(absences)
    if connection.vendor == "postgresql":
        assert len(queries) == 2  # the ids, the COPY
    bulk_insert([late])
    assert all(a.pk is not None and not a._state.adding for a in absences)
    saved = {a.pk: a for a in Absence.objects.all()}
    assert set(saved) == {a.pk for a in absences}
    for made in absences:
        row = saved[made.pk]
        assert (row.student_id, row.date, row.slot_id, row.recorded_by_id) == (
            made.student_id, made.date, made.slot_id, cast.office.pk,
        )  # fmt: skip
        assert row.recorded_at == made.recorded_at
        assert (row.justification_id, row.cancelled_at, row.cancel_reason) == (None, None, "")
    entry = LateEntry.objects.get(pk=late.pk)
    assert (entry.time, entry.short, entry.slot_id) == (datetime.time(8, 20), True, slot.pk)
    # The same whole-day absence again: the database refuses it, as Django's IntegrityError.
    again = Absence(
        student=cast.child, classroom=cast.classroom_1a, date=days[0], recorded_by=cast.office
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert([again])
    assert Absence.objects.count() == 3


def test_nothing_to_insert_sends_no_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        bulk_insert([])
    assert len(queries) == 0
