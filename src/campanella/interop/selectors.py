"""Reads of import batches, scoped to the office's institute (others see none)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from campanella.interop.models import ImportBatch
from campanella.interop.rules import office_staff

HISTORY_LENGTH = 20


def batches_for_user(user: Any) -> QuerySet[ImportBatch]:
    staff = office_staff(user)
    if staff is None:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(institute_id=staff.institute_id)


def batch_history(user: Any, limit: int = HISTORY_LENGTH) -> list[ImportBatch]:
    """The institute's latest batches, without their file contents."""
    return list(
        batches_for_user(user)
        .select_related("uploaded_by", "applied_by")
        .defer("content")
        .order_by("-uploaded_at", "-pk")[:limit]
    )
