"""A queryset whose SQL the ORM builds once per process, then runs with new values.

Building a queryset and compiling it to SQL cost more than running most of the pages' queries
(1–4 ms each against 0.1–0.5 ms in PostgreSQL; docs/benchmarks.md, "Family pages"). A
`Compiled` keeps what the compiler produced for one shape of query (SQL text, the selected
columns and how rows become objects) and, on each call, swaps the values in: the queryset it
returns iterates, converts values and builds model instances exactly as Django does, and
`prefetch_related` still runs its own queries. The query is still written with the ORM, in
the selector that owns it (authorisation stays where it is); only its compilation is reused.

The queryset returned is only iterated (a list, a loop, `prefetch_related`): deriving another
from it (`.filter()`, `.count()`, `[0]`) raises.

Rules for a `build` function (checked where they can be):
- every value that changes between calls is one of its arguments; nothing else may vary
  (no `timezone.now()` inside, no model instance: pass ids);
- the shape of the query must not depend on the values (no `if`, no `__in` with a list
  argument, no `None` argument: `= NULL` would become `IS NULL`).
"""

from __future__ import annotations

import datetime
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

Q = TypeVar("Q", bound=QuerySet[Any, Any])
Kind = type[int] | type[str] | type[datetime.date] | type[datetime.datetime]

# Values no page ever queries with, one per argument: found again among the compiled params.
# Integers within every integer field's range (Django turns a lookup out of a field's range into
# an empty result, without SQL): a positive small integer no query of this project uses as is.
_INT_MARKER = 31_700
_DAY_MARKER = datetime.date(1111, 1, 1)
_MOMENT_MARKER = datetime.datetime(1111, 1, 1, 1, 1, tzinfo=datetime.UTC)


def marker(kind: Kind, index: int) -> Any:
    if kind is datetime.datetime:
        return _MOMENT_MARKER + datetime.timedelta(minutes=index)
    if kind is datetime.date:
        return _DAY_MARKER + datetime.timedelta(days=index)
    if kind is int:
        return _INT_MARKER + index
    if kind is str:
        return f"\u2042compiled-marker-{index}\u2042"
    raise TypeError(f"Compiled does not take arguments of type {kind}")


@dataclass(frozen=True)
class Plan:
    sql: str
    params: tuple[Any, ...]  # the compiled params, markers included
    # (position in params, argument index, the param's type: psycopg's Int2 for a small integer
    # column, as the compiler wrapped it)
    slots: tuple[tuple[int, int, Callable[[Any], Any]], ...]
    compiler_state: dict[str, Any]  # what the compiler's setup left for reading the rows


class Compiled(Generic[Q]):
    """`Compiled(build, int, datetime.date)(42, day)` is `build(42, day)`, compiled once."""

    def __init__(
        self, build: Callable[..., Q], *kinds: Kind, unused: frozenset[int] = frozenset()
    ) -> None:
        """`unused`: the indices of arguments that this shape of query may leave out (the
        ids of a login that its scope does not need, people.selectors.Scoped); every other
        argument must be found in the SQL."""
        self.build = build
        self.kinds = kinds
        self.unused = unused
        self.markers = tuple(marker(kind, i) for i, kind in enumerate(kinds))
        self.plans: dict[tuple[str, str], tuple[Q, Plan | None]] = {}
        self.lock = threading.Lock()
        # Per connection (a thread's own): the plan's columns and their converters.
        self.converters: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], Any]] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> Q:
        if len(values) != len(self.kinds):
            raise TypeError(f"{len(self.kinds)} values expected, {len(values)} given")
        connection = connections[using]
        key = (using, connection.vendor)
        found = self.plans.get(key)
        if found is None:
            with self.lock:
                found = self.plans[key] = self.plans.get(key) or self.compile(using)
        template, plan = found
        if plan is None:  # a scope that can match nothing (e.g. `pk__in=[]` alone): no SQL
            return template.none()
        ops = connection.ops
        params = list(plan.params)
        for position, index, wrapper in plan.slots:
            params[position] = wrapper(adapt(ops, self.kinds[index], values[index]))
        queryset: Q = template._chain()  # type: ignore[attr-defined]
        query = queryset.query
        compiler = query.get_compiler(using=using)
        compiler.__dict__.update(plan.compiler_state)
        sql = plan.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        compiler.get_converters = self._converters(connection, compiler)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        query.clone = refuse_derived  # type: ignore[method-assign]
        return queryset

    def _converters(self, connection: Any, compiler: Any) -> Callable[[Any], Any]:
        """The compiler's `get_converters`, its answer for the plan's own columns kept per
        connection (it walked every column's converters on every call: a tenth of a compiled
        query's Python time); any other columns are asked as Django asks them."""
        found = self.converters.get(connection)
        original = compiler.get_converters

        def get_converters(expressions: Any) -> Any:
            if found is not None:
                kept_columns, kept = found
                if len(expressions) == len(kept_columns) and all(
                    a is b for a, b in zip(expressions, kept_columns, strict=True)
                ):
                    return kept
            answer = original(expressions)
            self.converters[connection] = (tuple(expressions), answer)
            return answer

        return get_converters

    def compile(self, using: str) -> tuple[Q, Plan | None]:
        connection = connections[using]
        template = self.build(*self.markers).using(using)
        compiler = template.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # the shape itself matches nothing, whatever the values
            return template, None
        pairs = zip(self.kinds, self.markers, strict=True)
        adapted = [adapt(connection.ops, kind, m) for kind, m in pairs]
        slots: list[tuple[int, int, Callable[[Any], Any]]] = []
        for position, param in enumerate(params):
            for index, value in enumerate(adapted):
                if same_kind(param, value) and param == value:
                    slots.append((position, index, wrapper_of(param)))
        found = {index for _position, index, _type in slots}
        missing = set(range(len(self.kinds))) - found - self.unused
        if missing:
            raise ValueError(f"Compiled: argument(s) {sorted(missing)} not found in the SQL")
        state = {
            name: getattr(compiler, name)
            for name in ("select", "klass_info", "annotation_col_map", "col_count")
        }
        state["has_extra_select"] = getattr(compiler, "has_extra_select", False)
        return template, Plan(sql, tuple(params), tuple(slots), state)


def wrapper_of(param: Any) -> Callable[[Any], Any]:
    """What turns a value into a param like `param` (psycopg's Int2 for an Int2)."""
    if isinstance(param, int) and type(param) is not int:
        return type(param)
    return _unchanged


def _unchanged(value: Any) -> Any:
    return value


def same_kind(param: Any, value: Any) -> bool:
    if isinstance(value, int):  # psycopg wraps some integers (Int2), bool is no integer here
        return isinstance(param, int) and not isinstance(param, bool)
    return type(param) is type(value)


def refuse_derived() -> Any:
    """A compiled queryset is run as it is: a derived one (`.count()`, `.filter()`, `[0]`)
    would hold the markers, not the values; build it with its own `Compiled`."""
    raise TypeError("A compiled queryset is only iterated: derive nothing from it")


def adapt(ops: Any, kind: Kind, value: Any) -> Any:
    """A value as the compiler puts it among the params (dates as text on SQLite)."""
    if kind is datetime.datetime:
        return ops.adapt_datetimefield_value(value)
    if kind is datetime.date:
        return ops.adapt_datefield_value(value)
    if not isinstance(value, kind):
        raise TypeError(f"{value!r} is not {kind.__name__}")
    return value
