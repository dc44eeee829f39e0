"""News for families: how the register and grades tell a student's family (and the student)
that something new concerns them, without importing communications (DESIGN §2: register,
grades and comms are independent layers). comms.notifications plugs its implementation in at
start-up (`set_teller`); the callers say what happened, explicitly, after their write:

    tell_families([StudentNews(student_ids=(s.pk,), kind="absence", title=..., url=..., key=...)],
                  school_id=classroom.school_id)

It runs when the caller's transaction commits (nothing if it rolls back), and a failure there
is logged, never undoing or failing the write that has happened.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class StudentNews:
    """One piece of news about these students: kinds and keys as in
    comms.notifications.services.notify (the key is unique per login: idempotent)."""

    student_ids: tuple[int, ...]
    kind: str
    title: str
    url: str
    key: str
    body: str = ""
    not_before: datetime.datetime | None = None


Teller = Callable[[Sequence[StudentNews], "int | None"], object]
_tellers: list[Teller] = []


def set_teller(teller: Teller) -> None:
    _tellers[:] = [teller]


def tell_families(news: Sequence[StudentNews], *, school_id: int | None) -> None:
    if not news or not _tellers:
        return
    items = list(news)
    teller = _tellers[0]
    transaction.on_commit(lambda: teller(items, school_id), robust=True)


def day_start(day: datetime.date | None) -> datetime.datetime | None:
    """The first instant of `day` in Italian time (when a grade visible from that day shows)."""
    if day is None:
        return None
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
