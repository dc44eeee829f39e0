"""campanella.orm.bulk: `bulk_set` saves the given fields of many objects as bulk_update does
(any values: text, dates, a foreign key set or emptied), in one query on PostgreSQL, and
leaves the other fields and the other rows alone."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campanella.orm.bulk import bulk_set
from campanella.people.models import Student
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
