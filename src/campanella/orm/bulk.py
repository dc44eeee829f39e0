"""`QuerySet.bulk_update` without its CASE WHEN: one row of values per object.

Django's bulk_update writes `SET field = CASE WHEN pk = 1 THEN … WHEN pk = 2 THEN … END` and
builds an expression per object and field; for the thousands of events an attendance import
links to their justifications that building cost more than the writes themselves (issue 15,
docs/benchmarks.md). On PostgreSQL the same UPDATE is one statement joining the table to the
new values passed as arrays (`UPDATE … FROM unnest(…)`); elsewhere Django's own bulk_update.
Like bulk_update: no signals, no `save()`, the values as they are on the objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model


def _concrete(field: object) -> Field[Any, Any]:
    if not isinstance(field, Field) or not field.concrete or field.column is None:
        raise ValueError(f"{field!r} is not a column of its table")
    return field


def bulk_set(objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Save `fields` of `objects` (all of one model, all saved before) in one UPDATE."""
    if not objects:
        return
    model = type(objects[0])
    manager: Any = model._default_manager
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        manager.bulk_update(objects, fields)
        return
    meta = model._meta
    columns = [_concrete(meta.pk), *(_concrete(meta.get_field(name)) for name in fields)]
    for obj in objects:  # as bulk_update: a related object saved since is taken by its id
        prepare: Any = obj._prepare_related_fields_for_save  # type: ignore[attr-defined]
        prepare(operation_name="bulk_set", fields=columns[1:])
    quote = connection.ops.quote_name
    arrays = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objects]
        for column in columns
    ]
    unnest = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    names = ", ".join(f"c{index}" for index in range(len(columns)))
    assignments = ", ".join(
        f"{quote(column.column)} = v.c{index}" for index, column in enumerate(columns) if index
    )
    table = quote(meta.db_table)
    # Only the model's own names, quoted by the backend, in the text; every value a parameter.
    sql = (
        f"UPDATE {table} SET {assignments} FROM unnest({unnest}) AS v({names}) "  # noqa: S608
        f"WHERE {table}.{quote(meta.pk.column)} = v.c0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
