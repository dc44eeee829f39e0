"""Recording changes. Called inside the same transaction as the write it describes."""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.utils import timezone

from campanella.audit.models import Change, ChangeAction


def snapshot(instance: models.Model, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """The record's concrete field values as JSON-safe data (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(instance, field.attname)
        values[field.name] = json_safe(value)
    return values


def json_safe(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def about(instance: models.Model) -> dict[str, int | None]:
    """The student and classroom a record is about (`student_ref`, `classroom_ref`): its own
    `student`/`classroom`, or a signature's lesson's classroom."""
    student_id = getattr(instance, "student_id", None)
    classroom_id = getattr(instance, "classroom_id", None)
    if classroom_id is None and getattr(instance, "lesson_id", None) is not None:
        classroom_id = getattr(getattr(instance, "lesson", None), "classroom_id", None)
    return {"student_ref": student_id, "classroom_ref": classroom_id}


def change_record(
    *,
    instance: models.Model,
    action: ChangeAction | str,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    institute_id: int | None = None,
) -> Change:
    return Change.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        before=before,
        after=after if after is not None else snapshot(instance),
        reason=reason[:300],
        institute_id=institute_id,
        **about(instance),
    )


def changes_record_created(
    *, instances: Iterable[models.Model], actor: Any, institute_id: int | None, reason: str = ""
) -> None:
    """The bulk path: one Change per created record, written together (`_insert_changes`)."""
    _insert_changes(
        [(row, None) for row in instances], ChangeAction.CREATE, actor, institute_id, reason
    )


def changes_record_updated(
    *,
    changed: Iterable[tuple[models.Model, dict[str, Any]]],
    actor: Any,
    institute_id: int | None,
    reason: str = "",
) -> None:
    """The bulk path of updates: one Change per (record as it is now, its snapshot before),
    written together (`_insert_changes`)."""
    _insert_changes(list(changed), ChangeAction.UPDATE, actor, institute_id, reason)


# The columns of a history row, in the order `_insert_changes` builds them.
_CHANGE_FIELDS = (
    "content_type", "object_id", "action", "actor", "at", "before", "after", "reason",
    "institute", "student_ref", "classroom_ref",
)  # fmt: skip
_JSON_FIELDS = (5, 6)  # before, after


def _insert_changes(
    rows: list[tuple[models.Model, dict[str, Any] | None]],
    action: ChangeAction,
    actor: Any,
    institute_id: int | None,
    reason: str,
) -> None:
    """The history rows of records of one model, the same values `Change(...)` would hold,
    built as plain tuples: on PostgreSQL sent with one COPY (no model object, no INSERT text
    with a parameter per value: issue 15's imports write hundreds of thousands), elsewhere
    with `bulk_create`."""
    if not rows:
        return
    content_type_id = ContentType.objects.get_for_model(rows[0][0]).pk
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    reason = reason[:300]
    values = []
    for record, before in rows:
        refs = about(record)
        values.append((
            content_type_id, record.pk, action.value, actor_id, timezone.now(), before,
            snapshot(record), reason, institute_id, refs["student_ref"], refs["classroom_ref"],
        ))  # fmt: skip
    connection = connections[router.db_for_write(Change)]
    if connection.vendor != "postgresql":
        attnames = [_change_field(name).attname for name in _CHANGE_FIELDS]
        Change.objects.bulk_create(
            Change(**dict(zip(attnames, row, strict=True))) for row in values
        )
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(_change_field(name).column)) for name in _CHANGE_FIELDS)
    with connection.cursor() as cursor:
        # Only the model's own names, quoted by the backend, in the text; the values streamed.
        statement = f"COPY {quote(Change._meta.db_table)} ({columns}) FROM STDIN"
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(_json_text(row))


def _change_field(name: str) -> models.Field[Any, Any]:
    field = Change._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _json_text(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The JSON values as the text JSONField writes (`json.dumps`, no encoder)."""
    cells = list(row)
    for index in _JSON_FIELDS:
        if cells[index] is not None:
            cells[index] = json.dumps(cells[index])
    return tuple(cells)


def history_of(instance: models.Model) -> models.QuerySet[Change]:
    return Change.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("actor")


def changed_fields(change: Change) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields a change altered; all fields for a creation."""
    before = change.before or {}
    after = change.after or {}
    names = sorted(set(before) | set(after))
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
