"""Recording changes. Called inside the same transaction as the write it describes."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

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
    """The bulk path: one Change per created record, in one INSERT."""
    rows = list(instances)
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(rows[0])
    Change.objects.bulk_create(
        Change(
            content_type=content_type,
            object_id=row.pk,
            action=ChangeAction.CREATE,
            actor=actor if getattr(actor, "pk", None) else None,
            after=snapshot(row),
            reason=reason[:300],
            institute_id=institute_id,
            **about(row),
        )
        for row in rows
    )


def changes_record_updated(
    *,
    changed: Iterable[tuple[models.Model, dict[str, Any]]],
    actor: Any,
    institute_id: int | None,
    reason: str = "",
) -> None:
    """The bulk path of updates: one Change per (record as it is now, its snapshot before),
    in one INSERT."""
    rows = list(changed)
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(rows[0][0])
    Change.objects.bulk_create(
        Change(
            content_type=content_type,
            object_id=row.pk,
            action=ChangeAction.UPDATE,
            actor=actor if getattr(actor, "pk", None) else None,
            before=before,
            after=snapshot(row),
            reason=reason[:300],
            institute_id=institute_id,
            **about(row),
        )
        for row, before in rows
    )


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
