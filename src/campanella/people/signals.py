"""Kept headers follow the links they show: a child linked, unlinked, renamed, a role moved.

One-record saves only; bulk paths (revocation, portfolio joins, imports) call
`people.access.access_changed` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from campanella.people.access import access_changed
from campanella.people.guard import enrollment_deleting, enrollment_saving
from campanella.people.models import Enrollment, Guardian, Guardianship, Staff, Student


def _guardianship_changed(sender: Any, instance: Guardianship, **kwargs: Any) -> None:
    user_id = Guardian.objects.filter(pk=instance.guardian_id).values_list("user_id", flat=True)
    access_changed(user_id)


def _person_changed(sender: Any, instance: Guardian | Staff, **kwargs: Any) -> None:
    access_changed([instance.user_id])


def _student_changed(sender: Any, instance: Student, **kwargs: Any) -> None:
    guardians = Guardian.objects.filter(guardianships__student=instance).values_list(
        "user_id", flat=True
    )
    access_changed([instance.user_id, *guardians])


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_guardianship_changed, sender=Guardianship, dispatch_uid=f"gs-{signal}")
        signal.connect(_person_changed, sender=Guardian, dispatch_uid=f"g-{signal}")
        signal.connect(_person_changed, sender=Staff, dispatch_uid=f"s-{signal}")
    post_save.connect(_student_changed, sender=Student, dispatch_uid="student-header")
    # Enrolments feed the term-end evaluation: every one-record save passes the write guard.
    pre_save.connect(enrollment_saving, sender=Enrollment, dispatch_uid="enrollment-guard-save")
    pre_delete.connect(
        enrollment_deleting, sender=Enrollment, dispatch_uid="enrollment-guard-delete"
    )
