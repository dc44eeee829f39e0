"""The range preview's verdict, kept in its batch so that "Avvia" (`sync_jobs.job_start`) does not
plan a whole attendance file again when nothing changed since the office read the preview
(issue 15: a 100,000-row file took three whole plans before its job began).

A verdict says: this batch, for these schools and days, planned by this user on this day
against the register in this state, had no problem; the file has these days and rows. It is
trusted for a few minutes and only while the register's state is the same: the institute's
latest history row (every write of a legal record keeps one: attendance, justifications,
locked evaluations) and a digest of every column of what the plan reads besides (students,
staff, enrolments, school years, schools, classrooms, hours, closures, closed periods): these
are edited in place without a history row (a school's lesson days, an enrolment's dates), so
their counts and latest ids would not see it. It is a shortcut, not the
safety: the job plans each day again under its lock before writing it, and refuses that day
if the register changed meanwhile (as it always did for changes after "Avvia").

The verdict also names its *quiet* days: those whose rows were all "unchanged" (already in the
register, nothing to write, no conflict). The job does not plan a quiet day again while the
register's state is still the verdict's (read in the transaction that marks the day done): the
same file, the same register, the same plan — nothing to write. A re-run of a file already
imported then costs one plan (the preview's), not two.

An upload for chosen schools and days (`sync_jobs.range_upload`) plans the file once for both
its batch and the range preview, and keeps that preview in the cache beside its verdict: the
preview page that follows shows it while the verdict holds (same choice, user, day and
language, the register's state unchanged, within the verdict's lifetime) instead of planning
the file again. A cache that lost it (another process's memory, an eviction) costs a plan.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any, Final

from django.core.cache import cache
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import get_language

from campanella.audit.models import Change
from campanella.interop.models import ImportBatch
from campanella.interop.plan import Plan, RowOutcome, Writes
from campanella.interop.tabular import Problem
from campanella.people.models import Enrollment, Staff, Student, User
from campanella.school.models import (
    Classroom,
    ClosedPeriod,
    Closure,
    HourSlot,
    School,
    SchoolYear,
)

VERDICT_KEY: Final = "range_verdict"  # in ImportBatch.summary
VERDICT_LIFETIME: Final = datetime.timedelta(minutes=15)

# What a plan reads besides the records with history, and how each reaches the institute.
_READ_TABLES: Final[tuple[tuple[type[Model], str], ...]] = (
    (Student, "institute_id"),
    (Staff, "institute_id"),
    (Enrollment, "school_year__institute_id"),
    (SchoolYear, "institute_id"),
    (School, "institute_id"),
    (Classroom, "school__institute_id"),
    (HourSlot, "school__institute_id"),
    (Closure, "institute_id"),
    (ClosedPeriod, "classroom__school__institute_id"),
)

State = list[int | str]  # JSON in the batch's summary


@dataclass(frozen=True)
class Verdict:
    """A clean range preview: the file's days and rows (what the job's progress counts)."""

    days: int
    rows: int
    quiet: frozenset[datetime.date] = frozenset()  # days whose rows were all "unchanged"


def register_state(institute_id: int) -> State:
    """What moves with every write a plan of the institute's attendance depends on: the latest
    history row, and a digest of every row and column of the tables edited without history
    (a few thousand rows for a big school: milliseconds, next to a plan's seconds)."""
    latest = Change.objects.filter(institute_id=institute_id).aggregate(top=Max("pk"))["top"]
    digest = hashlib.blake2b(digest_size=16)
    for model, path in _READ_TABLES:
        rows = model._default_manager.filter(**{path: institute_id}).order_by("pk")
        digest.update(model._meta.label.encode())
        for row in rows.values_list():
            digest.update(repr(row).encode())
    return [latest or 0, digest.hexdigest()]


def _choice(
    school_ids: set[int] | frozenset[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
) -> dict[str, Any]:
    return {
        "schools": sorted(school_ids),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "user": user.pk if user is not None else None,
        "today": today.isoformat(),
    }


def keep_verdict(
    batch: ImportBatch,
    *,
    state: State,
    school_ids: set[int] | frozenset[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
    verdict: Verdict | None,
) -> None:
    """Remember the preview's verdict (None: it had problems, nothing to remember). `state` is
    the register's state read before planning, so a write during the plan makes it stale."""
    summary = {key: value for key, value in batch.summary.items() if key != VERDICT_KEY}
    if verdict is not None:
        summary[VERDICT_KEY] = {
            **_choice(school_ids, start, end, user, today),
            "state": state,
            "at": timezone.now().isoformat(),
            "days": verdict.days,
            "rows": verdict.rows,
            "quiet": sorted(day.isoformat() for day in verdict.quiet),
        }
    if summary != batch.summary:
        batch.summary = summary
        ImportBatch.objects.filter(pk=batch.pk).update(summary=summary)


def kept_verdict(
    batch: ImportBatch,
    *,
    school_ids: set[int] | frozenset[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
) -> Verdict | None:
    """The batch's clean verdict for this choice if it still holds, else None (plan again)."""
    kept = _kept(batch, _choice(school_ids, start, end, user, today))
    if kept is None:
        return None
    made = datetime.datetime.fromisoformat(kept["at"])
    if not timezone.now() - VERDICT_LIFETIME <= made <= timezone.now():
        return None
    if kept["state"] != register_state(batch.institute_id):
        return None
    return _verdict(kept)


@dataclass
class QuietDays:
    """The quiet days of a batch's verdict for a job's choice, and the register's state they
    were planned against (the job trusts them only while the state is the same; once it has
    moved — the job's own writes move it too — never again)."""

    days: frozenset[datetime.date]
    state: State
    stale: bool = False

    def hold(self, institute_id: int) -> bool:
        if not self.stale and (not self.days or register_state(institute_id) != self.state):
            self.stale = True
        return not self.stale


def quiet_days(
    batch: ImportBatch,
    *,
    school_ids: set[int] | frozenset[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
) -> QuietDays | None:
    """The verdict's quiet days for this choice, made today by this user (at any time: the
    state decides, read again by the job), or None."""
    kept = _kept(batch, _choice(school_ids, start, end, user, today))
    if kept is None:
        return None
    return QuietDays(days=_verdict(kept).quiet, state=kept["state"])


def _kept(batch: ImportBatch, choice: dict[str, Any]) -> dict[str, Any] | None:
    kept = batch.summary.get(VERDICT_KEY)
    if not isinstance(kept, dict):
        return None
    if any(kept.get(key) != value for key, value in choice.items()):
        return None
    return kept


def _verdict(kept: dict[str, Any]) -> Verdict:
    quiet = frozenset(datetime.date.fromisoformat(day) for day in kept.get("quiet", []))
    return Verdict(days=kept["days"], rows=kept["rows"], quiet=quiet)


# --- the range preview itself, for the page that follows the upload ----------------------------


def _preview_key(batch: ImportBatch) -> str:
    return f"interop:range-preview:{batch.pk}"


def keep_preview(batch: ImportBatch, plan: Plan) -> None:
    """Keep a clean range preview just made (its verdict just kept in the batch) for the page
    that shows it: what the page reads of a plan, as plain values."""
    kept = batch.summary.get(VERDICT_KEY)
    if not isinstance(kept, dict):
        return
    value = {
        "verdict": kept,
        "language": get_language(),
        "description": plan.description,
        "notices": list(plan.notices),
        "problems": [(problem.line, problem.message) for problem in plan.problems],
        "rows": [(row.line, row.action, row.label, list(row.details)) for row in plan.rows],
        "unknown_students": sorted(plan.unknown_students),
        "omitted": dict(plan.omitted),
    }
    cache.set(_preview_key(batch), value, VERDICT_LIFETIME.total_seconds())


def kept_preview(
    batch: ImportBatch,
    *,
    school_ids: set[int] | frozenset[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
    writes: Writes,
) -> Plan | None:
    """The range preview kept for this choice if its verdict still holds (the register's state
    read now), in the language of now; None: plan the file."""
    value = cache.get(_preview_key(batch))
    if not isinstance(value, dict) or value.get("language") != get_language():
        return None
    if value.get("verdict") != batch.summary.get(VERDICT_KEY):
        return None  # another preview was made since (another choice, a later state)
    if (
        kept_verdict(batch, school_ids=school_ids, start=start, end=end, user=user, today=today)
        is None
    ):
        return None
    return Plan(
        kind=batch.kind,
        description=value["description"],
        notices=list(value["notices"]),
        problems=[Problem(line, message) for line, message in value["problems"]],
        rows=[
            RowOutcome(line, action, label, list(details))
            for line, action, label, details in value["rows"]
        ],
        writes=writes,
        unknown_students=set(value["unknown_students"]),
        omitted=dict(value["omitted"]),
    )
