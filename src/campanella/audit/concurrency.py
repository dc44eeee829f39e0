"""Two people changing the same legal record at once: one wins, the other is told so.

A service receives the record as its caller read it, before the write transaction. Inside the
transaction it re-reads the row locked (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the
write transaction is opened IMMEDIATE, so writers already run one at a time) and compares it
with what the caller saw: if someone else changed it in between, the write is refused with
AlreadyChanged instead of being applied over a state the caller never saw (two cancellations of
one grade, a correction whose "before" is stale, two decisions on one justification).
Pages show the message; the API answers 409 with the code `already_changed`.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


class AlreadyChanged(Exception):
    """The record changed after the caller read it: nothing was written."""

    code = "already_changed"

    def __init__(self, message: str = "") -> None:
        self.message = message or _(
            "Nel frattempo questa registrazione è stata modificata da un'altra persona: "
            "ricaricare la pagina, controllare e, se serve, riprovare."
        )
        super().__init__(self.message)


def differs(seen: models.Model, current: models.Model) -> bool:
    """Whether any stored field of `current` differs from what `seen` holds (compared as
    values: Decimal("7") equals the column's Decimal("7.00"))."""
    return any(
        getattr(seen, field.attname) != getattr(current, field.attname)
        for field in current._meta.concrete_fields
    )


def lock_unchanged(seen: M) -> M:
    """Lock the row of `seen` in the caller's transaction and refuse if it changed since the
    caller read it. Returns `seen`, which then holds the row's current values."""
    current = type(seen)._default_manager.select_for_update().filter(pk=seen.pk).first()
    if current is None or differs(seen, current):
        raise AlreadyChanged
    return seen
