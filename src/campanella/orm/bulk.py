"""`QuerySet.bulk_update` without its CASE WHEN: one row of values per object.

Django's bulk_update writes `SET field = CASE WHEN pk = 1 THEN … WHEN pk = 2 THEN … END` and
builds an expression per object and field; for the thousands of events an attendance import
links to their justifications that building cost more than the writes themselves (issue 15,
docs/benchmarks.md). On PostgreSQL the same UPDATE is one statement joining the table to the
new values passed as arrays (`UPDATE … FROM unnest(…)`); elsewhere Django's own bulk_update.
Like bulk_update: no signals, no `save()`, the values as they are on the objects.

`bulk_insert` is `bulk_create` for new objects of one model with an automatic id: on PostgreSQL
the ids are taken from the table's sequence in one query and the rows sent with one COPY (no
INSERT text with a parameter per value); elsewhere Django's bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField


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


def bulk_insert(objects: Sequence[Model]) -> None:
    """Save new `objects` (all of one model, none saved before) as `bulk_create` does: the
    fields' `pre_save` (defaults, auto_now), their ids set, no signals."""
    if not objects:
        return
    model = type(objects[0])
    manager: Any = model._default_manager
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    automatic = isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField)
    if connection.vendor != "postgresql" or not automatic or any(o.pk is not None for o in objects):
        manager.bulk_create(objects)
        return
    pk = _concrete(meta.pk)
    fields = [_concrete(field) for field in meta.concrete_fields if field is not meta.pk]
    for obj in objects:  # as bulk_create: a related object saved since is taken by its id
        prepare: Any = obj._prepare_related_fields_for_save  # type: ignore[attr-defined]
        prepare(operation_name="bulk_insert")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        rows = []
        for obj, new_id in zip(objects, ids, strict=True):
            setattr(obj, pk.attname, new_id)
            values = [field.pre_save(obj, True) for field in fields]
            rows.append((
                new_id,
                *(f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)),
            ))  # fmt: skip
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column.column) for column in [pk, *fields])
        # Only the model's own names, quoted by the backend, in the text; the values streamed.
        # The database's errors as Django's (IntegrityError), as `execute` raises them.
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
