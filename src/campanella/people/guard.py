"""The write guard for enrolments: a student moved in or out of a classroom on a day closed by
a locked term-end evaluation would change what fed it (who was in the class, on which days).

Every save and delete of one enrolment passes here (pre_save/pre_delete, connected in
people.signals): the services of the office's pages, the office's admin, commands. The days
touched are those whose membership changes (`school.guard.membership_changes`): a new
enrolment from its entry on, a closed one from the day after its exit, a moved one in both
classrooms. Bulk writes (imports) check their rows themselves (interop.students).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from campanella.people.models import Enrollment
from campanella.school.guard import (
    FOREVER,
    Span,
    check_spans_open,
    ensure_open_spans,
    membership_changes,
)


def enrollment_span(classroom_id: int, entry: Any, exit_: Any) -> Span:
    return (classroom_id, entry, exit_ or FOREVER)


def enrollment_changes(instance: Enrollment, *, deleting: bool = False) -> list[Span]:
    """The classroom days a save (or delete) of `instance` changes, against the stored row."""
    before = None
    if instance.pk is not None:
        stored = (
            Enrollment.objects.filter(pk=instance.pk)
            .values_list("classroom_id", "entry_date", "exit_date")
            .first()
        )
        before = enrollment_span(*stored) if stored is not None else None
    after = None
    if not deleting and instance.classroom_id is not None and instance.entry_date is not None:
        after = enrollment_span(instance.classroom_id, instance.entry_date, instance.exit_date)
    return membership_changes(before, after)


def check_enrollment_open(instance: Enrollment) -> None:
    """`check_spans_open` for a save of `instance` (the office's admin form)."""
    check_spans_open(enrollment_changes(instance))


def enrollment_saving(instance: Enrollment, raw: bool = False, **_signal: Any) -> None:
    if raw:
        return
    with transaction.atomic():
        ensure_open_spans(enrollment_changes(instance))


def enrollment_deleting(instance: Enrollment, **_signal: Any) -> None:
    with transaction.atomic():
        ensure_open_spans(enrollment_changes(instance, deleting=True))
