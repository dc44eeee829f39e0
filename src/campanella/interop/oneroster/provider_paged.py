"""Pages of the big collections read from the database (issue 15 item 6).

The provider's general path reads a whole collection, shapes it, then filters, sorts and pages
in memory: a first page of 100 results cost the whole grade book. For results, line items and
students (top level and under a class) a request whose filter and sort the database can answer
exactly is answered here instead: one COUNT for X-Total-Count and one page of rows, shaped by
the same `mapping` functions as the CSV bundle, so the objects, their order and the total are
the same as the general path's. What the database can answer:

- paging (`limit`, `offset`) on the collection's own order (the general path's), or on
  `sort=sourcedId` (asc/desc: the prefix is the same for every object of the collection, so
  sourcedId order is the text order of the primary key, compared byte by byte);
- `filter` made of predicates on `dateLastModified` (= != > >= < <=, compared as moments at
  the millisecond the JSON shows) and on `status` (always "active": true or false as a whole),
  joined by AND / OR.

Anything else (another field, `~`, a date that does not parse, another sort) returns None and
the request takes the general path, which also gives every error.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce, Collate, Greatest
from django.http import QueryDict

from campanella.interop.oneroster import mapping
from campanella.interop.oneroster.provider_json import JsonObject, role_json, to_json
from campanella.interop.oneroster.provider_query import (
    Filter,
    Predicate,
    QueryError,
    matches,
    parse_filter,
    parse_moment,
)
from campanella.people.models import Enrollment

MODIFIED: Final = "paged_modified"  # the annotation dateLastModified is shown from
SORT_KEY: Final = "paged_sort_key"  # the annotation that sorts as sourcedId does
_MILLISECOND: Final = datetime.timedelta(milliseconds=1)
# Constant conditions on MODIFIED (never null), valid after a grouping too (line items).
_ALWAYS: Final = Q(**{f"{MODIFIED}__isnull": False})
_NEVER: Final = Q(**{f"{MODIFIED}__isnull": True})


@dataclass(frozen=True)
class Reading:
    """What shaping a page needs: the scope's roster and the provider's JSON settings."""

    roster: mapping.Roster
    base_url: str
    fallback: str  # dateLastModified of an object nothing records a modification of
    fallback_moment: datetime.datetime


Rows = Callable[[Reading, str | None], models.QuerySet[Any]]
Shape = Callable[[Reading, list[Any]], list[JsonObject]]


@dataclass(frozen=True)
class Source:
    """A collection the database pages: its rows (under a parent's sourcedId, if any) with the
    MODIFIED annotation, the general path's order, the columns read, and the shaping."""

    rows: Rows
    order: tuple[str, ...]
    columns: tuple[str, ...]
    shape: Shape
    sorts_by_sourced_id: bool  # whether the rows carry SORT_KEY
    keyed: bool  # rows are model rows, columns[0] their pk: the page's keys are chosen first


# --- the filter as a database condition -----------------------------------------------------


def _floor(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _moment_condition(op: str, value: str) -> Q | None:
    """The rows whose dateLastModified, shown to the millisecond, compares with `value` as the
    general path compares it (provider_query._compare)."""
    moment = parse_moment(value)
    if moment is None or op == "~":
        return None
    floor = _floor(moment)
    ceiling = floor if floor == moment else floor + _MILLISECOND  # first shown moment ≥ value
    equal = Q(**{f"{MODIFIED}__gte": floor, f"{MODIFIED}__lt": floor + _MILLISECOND})
    conditions = {
        ">": Q(**{f"{MODIFIED}__gte": floor + _MILLISECOND}),
        ">=": Q(**{f"{MODIFIED}__gte": ceiling}),
        "<": Q(**{f"{MODIFIED}__lt": ceiling}),
        "<=": Q(**{f"{MODIFIED}__lt": floor + _MILLISECOND}),
        "=": equal if floor == moment else _NEVER,
        "!=": ~equal if floor == moment else _ALWAYS,
    }
    return conditions[op]


def _condition(predicate: Predicate) -> Q | None:
    if predicate.field == "dateLastModified":
        return _moment_condition(predicate.op, predicate.value)
    if predicate.field == "status":  # every object is active: the predicate holds for all or none
        return _ALWAYS if matches({"status": mapping.ACTIVE}, predicate) else _NEVER
    return None


def filter_condition(chosen: Filter) -> Q | None:
    """The filter as one database condition; None when a predicate cannot be one."""
    alternatives: list[Q] = []
    for conjunction in chosen:
        parts = [_condition(predicate) for predicate in conjunction]
        known = [part for part in parts if part is not None]
        if len(known) < len(parts):
            return None
        alternatives.append(functools.reduce(operator.and_, known))
    return functools.reduce(operator.or_, alternatives)


# --- the plan of one request ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    condition: Q | None
    order: tuple[str, ...]


def plan_for(params: QueryDict, source: Source, known: Sequence[str]) -> Plan | None:
    """How the database answers these parameters; None when it cannot answer exactly (or they
    are refused: the general path then gives the error)."""
    condition = None
    text = params.get("filter")
    try:
        if text:
            condition = filter_condition(parse_filter(str(text), known))
            if condition is None:
                return None
    except QueryError:
        return None
    if not params.get("sort"):
        return Plan(condition, source.order)
    direction = params.get("orderBy", "asc")
    if params["sort"] != "sourcedId" or not source.sorts_by_sourced_id or direction not in {
        "asc", "desc"
    }:  # fmt: skip
        return None
    return Plan(condition, (f"-{SORT_KEY}" if direction == "desc" else SORT_KEY,))


def read_page(source: Source, reading: Reading, parent: str | None, plan: Plan, offset: int,
              limit: int) -> tuple[list[JsonObject], int]:  # fmt: skip
    """One page of objects and how many the whole answer holds: a COUNT and one page of rows."""
    rows = source.rows(reading, parent)
    if plan.condition is not None:
        rows = rows.filter(plan.condition)
    total = rows.count()
    if offset >= total:
        return [], total
    ordered = rows.order_by(*plan.order)
    if not source.keyed:
        page = list(ordered.values_list(*source.columns)[offset : offset + limit])
        return source.shape(reading, page), total
    # The keys of the page first, then its rows: the history look-up (changed_at) of each row
    # runs for the page only, not for every row the sort passes over.
    keys = list(ordered.values_list("pk", flat=True)[offset : offset + limit])
    found = {
        row[0]: row
        for row in source.rows(reading, parent).filter(pk__in=keys).values_list(*source.columns)
    }
    return source.shape(reading, [found[key] for key in keys]), total


def class_exists(roster: mapping.Roster, class_id: str) -> bool:
    """Whether `mapping.classes` yields this sourcedId, without shaping every class."""
    try:
        classroom, subject = _class_parts(class_id)
    except ValueError:
        return False
    if classroom not in roster.classrooms:
        return False
    if subject is not None and (classroom, subject) not in roster.class_pairs:
        return False
    return mapping.sourced_id_class(classroom, subject) == class_id  # no "class-07-3"


# --- the sources ------------------------------------------------------------------------------


def _sourced_id_order(field: str = "pk") -> Collate:
    """Text of the key compared byte by byte, as Python compares the sourcedIds."""
    binary = "C" if connection.vendor == "postgresql" else "BINARY"
    return Collate(Cast(field, models.TextField()), binary)


def _class_parts(class_id: str | None) -> tuple[int, int | None]:
    """classroom and subject of a class sourcedId (class-7-3, class-7-homeroom)."""
    assert class_id is not None
    prefix, classroom, subject = class_id.split("-")  # ValueError when not three parts
    if prefix != "class":
        raise ValueError(class_id)
    return int(classroom), None if subject == "homeroom" else int(subject)


def _of_class(rows: models.QuerySet[Any], class_id: str | None) -> models.QuerySet[Any]:
    if class_id is None:
        return rows
    classroom, subject = _class_parts(class_id)
    if subject is None:  # grades are given in scheduled classes only
        return rows.none()
    return rows.filter(classroom_id=classroom, subject_id=subject)


def _result_rows(reading: Reading, class_id: str | None) -> models.QuerySet[Any]:
    rows = mapping.result_rows(reading.roster).alias(
        **{
            MODIFIED: Greatest("recorded_at", Coalesce("changed_at", "recorded_at")),
            SORT_KEY: _sourced_id_order(),
        }
    )
    return _of_class(rows, class_id)


def _results(reading: Reading, rows: list[Any]) -> list[JsonObject]:
    return [
        to_json("results", mapping.result_record(row), base_url=reading.base_url,
                fallback_modified=reading.fallback)
        for row in rows
    ]  # fmt: skip


def _line_item_rows(reading: Reading, class_id: str | None) -> models.QuerySet[Any]:
    rows = mapping.line_item_rows(reading.roster)
    return _of_class(rows, class_id).alias(**{MODIFIED: models.Max("recorded_at")})


LINE_ITEM_COLUMNS: Final = ("classroom_id", "subject_id", "date", "kind", "description",
                            "changed_at")  # fmt: skip


def _line_items(reading: Reading, rows: list[Any]) -> list[JsonObject]:
    shaped = []
    for row in rows:
        named = dict(zip(LINE_ITEM_COLUMNS, row, strict=True))
        record = mapping.line_item_record(reading.roster, named)
        shaped.append(to_json("lineItems", record, base_url=reading.base_url,
                              fallback_modified=reading.fallback))  # fmt: skip
    return shaped


def _student_rows(reading: Reading, class_id: str | None) -> models.QuerySet[Any]:
    rows = mapping.student_rows(reading.roster).alias(
        **{
            MODIFIED: Coalesce("changed_at", models.Value(reading.fallback_moment)),
            SORT_KEY: _sourced_id_order(),
        }
    )
    if class_id is None:
        return rows
    classroom, _subject = _class_parts(class_id)  # every student of the classroom is in each
    enrolled = Enrollment.objects.filter(
        classroom_id=classroom, school_year_id=reading.roster.school_year.pk
    ).values("student_id")
    return rows.filter(pk__in=enrolled)


def _students(reading: Reading, rows: list[Any]) -> list[JsonObject]:
    shaped = []
    for record, role in mapping.student_records(reading.roster, rows):
        user = to_json("users", record, base_url=reading.base_url,
                       fallback_modified=reading.fallback)  # fmt: skip
        user["roles"] = [role_json(role, base_url=reading.base_url)]
        shaped.append(user)
    return shaped


RESULTS: Final = Source(_result_rows, mapping.RESULT_ORDER, mapping.RESULT_COLUMNS, _results,
                        sorts_by_sourced_id=True, keyed=True)  # fmt: skip
LINE_ITEMS: Final = Source(_line_item_rows, mapping.LINE_ITEM_ORDER, LINE_ITEM_COLUMNS,
                           _line_items, sorts_by_sourced_id=False, keyed=False)  # fmt: skip
STUDENTS: Final = Source(_student_rows, mapping.STUDENT_ORDER, mapping.STUDENT_COLUMNS,
                         _students, sorts_by_sourced_id=True, keyed=True)  # fmt: skip

# Per service: a top-level collection, or (parent, child) under a parent's sourcedId.
SOURCES: Final[dict[str, dict[str | tuple[str, str], Source]]] = {
    "rostering": {"students": STUDENTS, ("classes", "students"): STUDENTS},
    "gradebook": {
        "results": RESULTS,
        "lineItems": LINE_ITEMS,
        ("classes", "results"): RESULTS,
        ("classes", "lineItems"): LINE_ITEMS,
    },
}
