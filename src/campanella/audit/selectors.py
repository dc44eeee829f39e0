"""Reading history: an institute's changes narrowed by the office's filters, a record's own."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.audit.models import Change
from campanella.audit.reading import kind_models


@dataclass(frozen=True)
class HistoryFilter:
    """What the office asked for; None is "any"."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    kind: str | None = None  # a slug of audit.reading.KINDS
    action: str | None = None
    student_id: int | None = None
    classroom_id: int | None = None
    # The students ever enrolled in the classroom: records kept without a classroom (a
    # justification, a waiver) belong to it through them.
    classroom_students: QuerySet[Any] | None = None
    actor_id: int | None = None


def start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def records_naming(student_id: int) -> Q:
    """Records that name the student among several (a note for some students of a class)."""
    found = Q(pk__in=[])
    for model in kind_models().values():
        for field in model._meta.many_to_many:
            if not isinstance(field, models.ManyToManyField) or field.name != "students":
                continue
            through = field.remote_field.through
            assert isinstance(through, type)
            links = through._default_manager.filter(
                **{f"{field.m2m_reverse_field_name()}_id": student_id}
            ).values(f"{field.m2m_field_name()}_id")
            content_type = ContentType.objects.get_for_model(model)
            found |= Q(content_type=content_type, object_id__in=links)
    return found


def institute_history(institute_id: int, wanted: HistoryFilter) -> QuerySet[Change]:
    """The institute's changes, newest first, as the filter narrows them."""
    changes = Change.objects.filter(institute_id=institute_id)
    if wanted.since is not None:
        changes = changes.filter(at__gte=start_of(wanted.since))
    if wanted.until is not None:
        changes = changes.filter(at__lt=start_of(wanted.until + datetime.timedelta(days=1)))
    if wanted.kind:
        model = kind_models().get(wanted.kind)
        changes = (
            changes.filter(content_type=ContentType.objects.get_for_model(model))
            if model is not None
            else changes.none()
        )
    if wanted.action:
        changes = changes.filter(action=wanted.action)
    if wanted.student_id is not None:
        changes = changes.filter(
            Q(student_ref=wanted.student_id) | records_naming(wanted.student_id)
        )
    if wanted.classroom_id is not None:
        in_classroom = Q(classroom_ref=wanted.classroom_id)
        if wanted.classroom_students is not None:
            in_classroom |= Q(classroom_ref__isnull=True, student_ref__in=wanted.classroom_students)
        changes = changes.filter(in_classroom)
    if wanted.actor_id is not None:
        changes = changes.filter(actor_id=wanted.actor_id)
    return changes.order_by("-at", "-pk")


def record_history(record: models.Model) -> QuerySet[Change]:
    """One record's changes, oldest first (the story of that grade or absence)."""
    return Change.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).order_by("at", "pk")
