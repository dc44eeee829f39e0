"""OneRoster REST pages read from the database (provider_paged) against the general path that
reads the whole collection and pages in memory: the same objects, order, totals and links for
every page of every collection it serves, with and without filters and sorts; and a first page
of results costs the same few queries however big the grade book."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record
from campanella.grades.models import Grade, GradeKind
from campanella.grades.services import grade_add, grade_cancel, grade_change
from campanella.interop.oneroster import provider, provider_paged
from campanella.interop.oneroster.provider_query import parse_moment
from tests import factories as f
from tests.conftest import Cast, school_day
from tests.interop.oneroster_client import GRADEBOOK, ROSTER_CORE, OneRosterClient
from tests.interop.oneroster_rest.test_provider import client_of

pytestmark = pytest.mark.django_db

GRADEBOOK_PATH = "/ims/oneroster/gradebook/v1p2"
MARKS = ("6", "7+", "8", "5½", "9", "6-")


def grade_book(cast: Cast, extra_students: int, days: int) -> None:
    """Results over several days and both kinds, a corrected one (a later change in the
    history) and a cancelled one (no result), in two classes; more students in 1A, half of
    them changed since (the others show the year's first day)."""
    for _ in range(extra_students):
        f.EnrollmentFactory(classroom=cast.classroom_1a)
    students = [e.student for e in cast.classroom_1a.enrollments.order_by("pk")]
    day = school_day(cast)
    for number in range(days):
        for position, student in enumerate(students):
            kind = GradeKind.WRITTEN if (number + position) % 2 else GradeKind.ORAL
            grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
                      student=student, day=day, kind=kind,
                      text=MARKS[(number + position) % len(MARKS)])  # fmt: skip
        day = school_day(cast, day - datetime.timedelta(days=1))
    grade_add(user=cast.other_teacher, classroom=cast.classroom_2b, subject=cast.italian,
              student=cast.sibling, day=day, kind=GradeKind.WRITTEN, text="7")  # fmt: skip
    first, second = Grade.objects.filter(subject=cast.maths, cancelled_at__isnull=True).order_by(
        "-pk"
    )[:2]
    grade_change(user=cast.teacher, grade=first, text="10", reason="Errore di trascrizione")
    grade_cancel(user=cast.teacher, grade=second, reason="Prova annullata")
    for student in students[::2]:  # some students with a change in the history, some without
        change_record(instance=student, action=ChangeAction.UPDATE, actor=cast.office)


def walk(consumer: OneRosterClient, path: str, envelope: str, params: dict[str, str]
         ) -> list[tuple[list[dict[str, Any]], str | None, str | None]]:  # fmt: skip
    """Every page of 7 (objects, X-Total-Count, Link) up to one past the end."""
    pages = []
    offset = 0
    while True:
        items, reply = consumer.page(path, envelope, limit=7, offset=offset, **params)
        pages.append((items, reply.header("X-Total-Count"), reply.header("Link")))
        if not items:
            return pages
        offset += 7


def both_ways(consumer: OneRosterClient, path: str, envelope: str, params: dict[str, str],
              monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:  # fmt: skip
    in_database = walk(consumer, path, envelope, params)
    with monkeypatch.context() as patched:
        patched.setattr(provider, "DATABASE_PAGING", False)
        in_memory = walk(consumer, path, envelope, params)
    return in_database, in_memory


def moments(consumer: OneRosterClient, path: str, envelope: str) -> list[str]:
    items, _reply = consumer.page(path, envelope, limit=10000)
    return sorted(item["dateLastModified"] for item in items)


def filters(marks: list[str]) -> list[dict[str, str]]:
    """Queries the database answers: none, sorts, and filters around the middle moment (on it,
    and half a millisecond after it, which no shown moment equals)."""
    middle = marks[len(marks) // 2]
    moment = parse_moment(middle)
    assert moment is not None
    between = (moment + datetime.timedelta(microseconds=500)).isoformat()
    return [
        {},
        {"sort": "sourcedId"},
        {"sort": "sourcedId", "orderBy": "desc", "fields": "sourcedId,dateLastModified"},
        {"filter": f"dateLastModified>'{middle}'"},
        {"filter": f"dateLastModified>='{middle}'", "sort": "sourcedId"},
        {"filter": f"dateLastModified<'{middle}'"},
        {"filter": f"dateLastModified<='{between}'"},
        {"filter": f"dateLastModified='{middle}'"},
        {"filter": f"dateLastModified!='{middle}' AND status='active'"},
        {"filter": f"dateLastModified<'{marks[0]}' OR dateLastModified>='{between}'"},
        {"filter": "status!='active'"},
    ]


@pytest.mark.parametrize(
    ("collection", "envelope"),
    [("results", "results"), ("lineItems", "lineItems"), ("students", "users")],
)
def test_database_pages_equal_the_general_paths(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, collection: str, envelope: str
) -> None:
    grade_book(cast, extra_students=6, days=5)
    consumer = client_of(cast, [ROSTER_CORE, GRADEBOOK])
    maths_1a = f"class-{cast.classroom_1a.pk}-{cast.maths.pk}"
    if collection == "students":
        base = "/ims/oneroster/rostering/v1p2"
        paths = [
            f"{base}/students",
            f"{base}/classes/class-{cast.classroom_1a.pk}-homeroom/students",
            f"{base}/classes/class-{cast.classroom_2b.pk}-{cast.italian.pk}/students",
        ]
    else:
        paths = [
            f"{GRADEBOOK_PATH}/{collection}",
            f"{GRADEBOOK_PATH}/classes/{maths_1a}/{collection}",
        ]
    marks = moments(consumer, paths[0], envelope)
    assert len(set(marks)) > 1  # the filters split the collection
    source = provider_paged.SOURCES["rostering" if collection == "students" else "gradebook"][
        collection
    ]
    known = provider._known_fields(provider._collection(
        "rostering" if collection == "students" else "gradebook", collection))  # fmt: skip
    for path in paths:
        for params in filters(marks):
            if "sort" in params and not source.sorts_by_sourced_id:
                continue
            assert provider_paged.plan_for(QueryDict(mutable=True) | params, source, known)
            in_database, in_memory = both_ways(consumer, path, envelope, params, monkeypatch)
            assert in_database == in_memory, (path, params)
    everything = walk(consumer, paths[0], envelope, {})
    assert sum(len(items) for items, _total, _link in everything) > 7  # two pages or more


def test_other_queries_take_the_general_path(cast: Cast) -> None:
    source = provider_paged.RESULTS
    known = ("sourcedId", "dateLastModified", "status", "score")
    for params in [{"filter": "score>'6'"}, {"filter": "dateLastModified~'2026'"},
                   {"filter": "dateLastModified>'ieri'"}, {"sort": "score"},
                   {"sort": "sourcedId", "orderBy": "sideways"}]:  # fmt: skip
        query = QueryDict(mutable=True)
        query.update(params)
        assert provider_paged.plan_for(query, source, known) is None, params


def test_a_filter_the_database_cannot_answer_gives_the_same_results(cast: Cast) -> None:
    grade_book(cast, extra_students=2, days=1)
    consumer = client_of(cast, [GRADEBOOK])
    scored = consumer.results(filter="score>'6'")
    assert scored and all(r["score"] > 6 for r in scored)


def first_page_queries(consumer: OneRosterClient) -> int:
    with CaptureQueriesContext(connection) as captured:
        reply = consumer.get(f"{GRADEBOOK_PATH}/results", limit="100")
    assert reply.status == 200
    return len(captured.captured_queries)


def test_a_first_page_of_results_costs_the_same_queries_however_many(cast: Cast) -> None:
    consumer = client_of(cast, [GRADEBOOK])
    consumer.authenticate()
    grade_book(cast, extra_students=3, days=1)
    few = first_page_queries(consumer)
    grade_book(cast, extra_students=20, days=4)
    many_reply = consumer.get(f"{GRADEBOOK_PATH}/results", limit="100")
    assert int(many_reply.header("X-Total-Count") or 0) > 100
    many = first_page_queries(consumer)
    assert many == few <= 20


def test_an_unknown_class_is_404_on_either_path(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE, GRADEBOOK])
    room = cast.classroom_1a.pk
    foreign = f.ClassroomFactory()  # another institute's classroom
    for class_id in [f"class-0{room}-homeroom", f"class-{room}-999999", f"klass-{room}-homeroom",
                     f"class-{foreign.pk}-homeroom", "class-x-homeroom", "class-1"]:  # fmt: skip
        for path in [f"/ims/oneroster/rostering/v1p2/classes/{class_id}/students",
                     f"{GRADEBOOK_PATH}/classes/{class_id}/results"]:  # fmt: skip
            assert consumer.get(path).status == 404, path
    assert class_exists_somewhere(consumer, f"class-{room}-homeroom")


def class_exists_somewhere(consumer: OneRosterClient, class_id: str) -> bool:
    return consumer.get(f"/ims/oneroster/rostering/v1p2/classes/{class_id}/students").status == 200
