"""campanella.orm.compiled: a queryset compiled once answers like the queryset built anew, for
any values, on SQLite and PostgreSQL; one query per call; nothing derived from it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from campanella.orm.compiled import Compiled
from campanella.people.models import Enrollment, Guardianship, Student
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def enrolled_since(classroom_id: int, day: datetime.date) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(classroom_id=classroom_id, entry_date__lte=day)
        .select_related("student", "classroom")
        .order_by("student__surname", "pk")
    )


def names(classroom_id: int, surname: str) -> QuerySet[Student, tuple[int, str]]:
    return (
        Student.objects.filter(enrollments__classroom_id=classroom_id)
        .exclude(surname=surname)
        .order_by("pk")
        .values_list("pk", "surname")
    )


ENROLLED = Compiled(enrolled_since, int, datetime.date)
NAMES = Compiled(names, int, str)


def test_model_rows_with_related_objects_are_those_of_the_queryset(cast: Cast) -> None:
    today = datetime.date.today()
    for classroom in (cast.classroom_1a, cast.classroom_2b):
        for day in (today, today - datetime.timedelta(days=4000)):
            fresh = list(enrolled_since(classroom.pk, day))
            kept = list(ENROLLED(classroom.pk, day))
            assert [(e.pk, e.student.surname, e.classroom.name) for e in kept] == [
                (e.pk, e.student.surname, e.classroom.name) for e in fresh
            ]
    assert list(ENROLLED(cast.classroom_1a.pk, today))  # the cast has pupils in 1ª A
    assert not list(ENROLLED(cast.classroom_1a.pk, today - datetime.timedelta(days=4000)))


def test_values_take_each_call_s_arguments(cast: Cast) -> None:
    classroom = cast.classroom_1a.pk
    assert list(NAMES(classroom, "")) == list(names(classroom, ""))
    assert list(NAMES(classroom, cast.child.surname)) == list(names(classroom, cast.child.surname))
    assert (cast.child.pk, cast.child.surname) not in list(NAMES(classroom, cast.child.surname))
    assert (cast.child.pk, cast.child.surname) in list(NAMES(classroom, "nessuno"))


def test_one_query_per_call_and_prefetching_still_works(cast: Cast) -> None:
    with_links = Compiled(
        lambda classroom_id: (
            Student.objects.filter(enrollments__classroom_id=classroom_id)
            .prefetch_related("guardianships")
            .order_by("pk")
        ),
        int,
    )
    list(with_links(cast.classroom_1a.pk))  # compiled here
    with CaptureQueriesContext(connection) as queries:
        students = list(with_links(cast.classroom_1a.pk))
    assert len(queries) == 2  # the students, then their guardianships
    links = {s.pk: {g.pk for g in s.guardianships.all()} for s in students}
    assert links[cast.child.pk] == set(
        Guardianship.objects.filter(student=cast.child).values_list("pk", flat=True)
    )


def test_nothing_is_derived_from_a_compiled_queryset(cast: Cast) -> None:
    found = NAMES(cast.classroom_1a.pk, "")
    with pytest.raises(TypeError):
        found.count()
    with pytest.raises(TypeError):
        found.filter(pk=1)


def test_arguments_must_reach_the_sql_and_match_their_kind(cast: Cast) -> None:
    ignored = Compiled(lambda classroom_id: Student.objects.order_by("pk"), int)
    with pytest.raises(ValueError, match="not found"):
        list(ignored(cast.classroom_1a.pk))
    with pytest.raises(TypeError):
        list(NAMES(str(cast.classroom_1a.pk), ""))


def test_small_integer_columns_take_the_values(cast: Cast) -> None:
    """A weekday is a small integer: the marker is within its range (Django answers a lookup out
    of a field's range with no SQL at all) and psycopg's wrapping of it is kept."""
    from campanella.school.models import TimetableEntry

    def build(classroom_id: int, weekday: int) -> QuerySet[TimetableEntry]:
        return TimetableEntry.objects.filter(classroom_id=classroom_id, weekday=weekday).order_by(
            "pk"
        )

    hours = Compiled(build, int, int)
    for weekday in range(6):
        assert list(hours(cast.classroom_1a.pk, weekday)) == list(
            build(cast.classroom_1a.pk, weekday)
        )


def test_arguments_a_shape_may_leave_out_and_shapes_that_match_nothing(cast: Cast) -> None:
    """A scope compiled per kind of login (people.selectors.Scoped) passes every id of the
    login; a shape that does not need one may leave it out, no other argument may be missing;
    a shape that can match nothing (`pk__in=[]` alone) asks no query at all."""
    by_name = Compiled(lambda _unused, name: Student.objects.filter(name=name), int, str)
    with pytest.raises(ValueError, match="not found"):
        list(by_name(1, cast.child.name))
    lenient = Compiled(
        lambda _unused, name: Student.objects.filter(name=name), int, str, unused=frozenset({0})
    )
    assert cast.child in list(lenient(1, cast.child.name))
    strict = Compiled(lambda pk, _name: Student.objects.filter(pk=pk), int, str, unused=frozenset())
    with pytest.raises(ValueError, match="not found"):
        list(strict(cast.child.pk, "x"))
    empty = Compiled(lambda pk: Student.objects.filter(pk__in=[]).exclude(pk=pk), int)
    with CaptureQueriesContext(connection) as captured:
        assert list(empty(cast.child.pk)) == []
    assert len(captured) == 0
