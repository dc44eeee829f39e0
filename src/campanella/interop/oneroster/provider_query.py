"""The query parameters of OneRoster 1.2's REST binding on a list of JSON objects: `filter`
(predicates `field<op>'value'` joined by AND / OR), `sort` / `orderBy`, `offset` / `limit`
and `fields`. Pure functions: the provider reads the records, this module narrows them.

Filter grammar (OneRoster 1.2 REST binding, §3.4): `<field><op>'<value>'` with op one of
= != > >= < <= ~ (contains), and predicates joined by ` AND ` / ` OR ` (AND binds first). A
field may name a part of a reference or of a list of objects (`class.sourcedId='class-7-3'`,
`roles.role='teacher'`). `dateLastModified`
and the dates compare as moments; everything else as text (numbers as numbers).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 10_000
_OPERATORS: Final = ("!=", ">=", "<=", "=", ">", "<", "~")
_PREDICATE: Final = re.compile(
    r"\s*(?P<field>[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?)\s*"
    r"(?P<op>!=|>=|<=|=|>|<|~)\s*'(?P<value>(?:[^']|'')*)'\s*"
)
_JOIN: Final = re.compile(r"\s*(AND|OR)\s+")  # the predicate ate the spaces before it
_MOMENTS: Final = frozenset({"dateLastModified", "startDate", "endDate", "beginDate",
                              "assignDate", "dueDate", "scoreDate"})  # fmt: skip


class QueryError(Exception):
    """A parameter the binding refuses: `code_minor` is the imsx code, `message` Italian."""

    def __init__(self, code_minor: str, message: str) -> None:
        super().__init__(message)
        self.code_minor = code_minor
        self.message = message


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str


# A filter: alternatives (OR) of conjunctions (AND) of predicates.
Filter = list[list[Predicate]]


def parse_filter(text: str, known: Sequence[str]) -> Filter:
    """`text` as a filter on objects with the fields `known`; QueryError when it is malformed
    or names a field the objects do not have."""
    alternatives: Filter = [[]]
    position = 0
    while True:
        match = _PREDICATE.match(text, position)
        if match is None:
            near = text[position : position + 30]
            raise QueryError("invalid_filter_field", f"Filtro non valido vicino a «{near}».")
        field = match["field"]
        if field.split(".")[0] not in known:
            raise QueryError("invalid_filter_field", f"Campo «{field}» sconosciuto nel filtro.")
        alternatives[-1].append(Predicate(field, match["op"], match["value"].replace("''", "'")))
        position = match.end()
        if position == len(text):
            return alternatives
        join = _JOIN.match(text, position)
        if join is None:
            raise QueryError("invalid_filter_field",
                             "I criteri del filtro vanno uniti con AND oppure OR.")  # fmt: skip
        if join[1] == "OR":
            alternatives.append([])
        position = join.end()


def parse_moment(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("sourcedId", ""))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _values_of(item: dict[str, Any], field: str) -> list[str]:
    """The values a field holds in an object: a list field holds several; `name.part` reads
    `part` of a reference or of each object of a list (`roles.role`, `school.sourcedId`)."""
    name, _, part = field.partition(".")
    value = item.get(name)
    values = value if isinstance(value, list) else [value]
    if part:
        return [_scalar(one.get(part)) if isinstance(one, dict) else "" for one in values]
    return [_scalar(one) for one in values]


def _compare(left: str, op: str, right: str, field: str) -> bool:
    if op == "~":
        return right.lower() in left.lower()
    a: Any = left
    b: Any = right
    if field in _MOMENTS:
        a, b = parse_moment(left), parse_moment(right)
        if b is None:
            raise QueryError("invalid_filter_field", f"Data non valida nel filtro: «{right}».")
        if a is None:
            return op == "!="
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda x, y: x == y,
        "!=": lambda x, y: x != y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
    }
    return checks[op](a, b)


def matches(item: dict[str, Any], predicate: Predicate) -> bool:
    return any(
        _compare(value, predicate.op, predicate.value, predicate.field.split(".")[0])
        for value in _values_of(item, predicate.field)
    )


def modified_after(chosen: Filter) -> datetime.datetime | None:
    """A moment every object the filter keeps was modified after (a conjunction holding
    `dateLastModified>` or `>=`), for the reader to ask the database for less; None when there
    is none. The filter itself is still applied to what comes back."""
    if len(chosen) != 1:
        return None
    bounds = []
    for predicate in chosen[0]:
        if predicate.field == "dateLastModified" and predicate.op in {">", ">="}:
            moment = parse_moment(predicate.value)
            if moment is not None:
                bounds.append(moment - datetime.timedelta(microseconds=1))
    return max(bounds) if bounds else None


def apply_filter(items: list[dict[str, Any]], chosen: Filter) -> list[dict[str, Any]]:
    return [
        item
        for item in items
        if any(all(matches(item, one) for one in conjunction) for conjunction in chosen)
    ]


def sort_items(items: list[dict[str, Any]], field: str, order: str,
               known: Sequence[str]) -> list[dict[str, Any]]:  # fmt: skip
    if field not in known:
        raise QueryError("invalid_sort_field", f"Campo «{field}» sconosciuto per l'ordinamento.")
    if order not in {"asc", "desc"}:
        raise QueryError("invaliddata", "orderBy vale asc oppure desc.")
    return sorted(items, key=lambda item: ",".join(_values_of(item, field)),
                  reverse=order == "desc")  # fmt: skip


def select_fields(item: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {name: item[name] for name in fields if name in item}


def parse_fields(text: str, known: Sequence[str]) -> list[str] | None:
    """The fields asked for; None (every field) when one is unknown, as the binding says: a
    selection naming a field that does not exist returns the whole objects."""
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    if not chosen or any(name not in known for name in chosen):
        return None
    return chosen


def parse_paging(limit: str | None, offset: str | None) -> tuple[int, int]:
    def whole(text: str | None, default: int, name: str) -> int:
        if text is None or text == "":
            return default
        if not text.isdigit() or len(text) > 9:
            raise QueryError("invaliddata", f"{name} deve essere un numero intero non negativo.")
        return int(text)

    chosen_limit = whole(limit, DEFAULT_LIMIT, "limit")
    if chosen_limit < 1:
        raise QueryError("invaliddata", "limit deve essere almeno 1.")
    return min(chosen_limit, MAX_LIMIT), whole(offset, 0, "offset")
