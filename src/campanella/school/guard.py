"""The one write guard: is this day of this classroom still open?

A term-end evaluation (scrutinio), once locked, freezes everything that fed it: grades,
lessons, attendance, justifications, waivers, notes, term dates, enrolments (domain §3.11).
The lock is decided in `evaluation` and held here as `ClosedPeriod` rows, below `register`,
`grades` and `people`, so that every service writing such a record calls `ensure_open` for the
days and classrooms it touches, inside its own transaction, before it writes.

Serialization: `ensure_open` locks the classroom rows (in id order) and only then reads the
closed periods, in a statement of its own; `period_close` locks the same rows before placing a
period. A write racing with a lock therefore either commits before the period is placed, or
waits for it and is refused (PostgreSQL, READ COMMITTED: the statement after the wait sees
the period). On SQLite write transactions run one at a time (IMMEDIATE), so the same holds.

Refusals raise DayClosed, a ValidationError with the stable code `giorno_chiuso` and an Italian
message naming the day and the reason: pages show the message, the API answers 409 with
`{"code": "giorno_chiuso", "message": …}`, imports report it on the file's line.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.school.models import Classroom, ClosedPeriod, Closure, Term

CODE = "giorno_chiuso"

# The end of a range that has none: an enrolment open from a day onwards.
FOREVER = datetime.date.max
ONE_DAY = datetime.timedelta(days=1)

# Days of one classroom: (classroom id, first day, last day), FOREVER for an open end.
Span = tuple[int, datetime.date, datetime.date]


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


class DayClosed(ValidationError):
    """A write touches a day of a classroom in a closed period: nothing was written.

    `day` is the first closed day the write touches, `periods` the periods it falls in
    (earliest first), `message` the Italian sentence for people, `code` "giorno_chiuso".
    """

    message: str
    code: str

    def __init__(self, periods: Sequence[ClosedPeriod], day: datetime.date) -> None:
        self.periods = list(periods)
        self.day = day
        first = self.periods[0]
        text = _(
            "Il %(day)s è in un periodo chiuso dallo scrutinio (%(reason)s, classe %(classroom)s, "
            "dal %(start)s al %(end)s): non si può modificare."
        ) % {
            "day": _date(day),
            "reason": first.reason,
            "classroom": first.classroom.name,
            "start": _date(first.start_date),
            "end": _date(first.end_date),
        }
        super().__init__(text, code=CODE)


def closed_periods_for(
    classroom_ids: Iterable[int], start: datetime.date, end: datetime.date | None = None
) -> QuerySet[ClosedPeriod]:
    """The closed periods of these classrooms that overlap start–end (the day `start` alone
    when `end` is None), earliest first, with their classroom. Reads only, no authorization."""
    return (
        ClosedPeriod.objects.filter(
            classroom_id__in=sorted(set(classroom_ids)),
            start_date__lte=end or start,
            end_date__gte=start,
        )
        .select_related("classroom")
        .order_by("start_date", "classroom_id", "pk")
    )


def refusal(
    periods: Iterable[ClosedPeriod], start: datetime.date, end: datetime.date | None = None
) -> DayClosed | None:
    """The DayClosed for a write over start–end given these periods (already read), or None
    when none of them overlaps. For checks made in memory (an import's rows)."""
    last = end or start
    found = sorted(
        (p for p in periods if p.start_date <= last and p.end_date >= start),
        key=lambda p: (p.start_date, p.classroom_id, p.pk),
    )
    if not found:
        return None
    return DayClosed(found, max(start, found[0].start_date))


def check_open(
    *, classroom_ids: Iterable[int], start: datetime.date, end: datetime.date | None = None
) -> None:
    """Refuse (DayClosed) if any day start–end of these classrooms is closed, without locking:
    for forms that check before their save (the office's admin); the save itself goes through
    `ensure_open`."""
    ids = sorted(set(classroom_ids))
    if not ids:
        return
    problem = refusal(closed_periods_for(ids, start, end), start, end)
    if problem is not None:
        raise problem


# Classroom ids: a list, or a query giving them (then found and locked in one statement).
ClassroomIds = Iterable[int] | QuerySet[Any]


def lock_classrooms(classroom_ids: ClassroomIds) -> list[int]:
    """Lock these classrooms' rows in the caller's transaction, in id order (two writers over
    overlapping classrooms never wait on each other crosswise). Returns the ids found."""
    if isinstance(classroom_ids, QuerySet):
        wanted: Any = classroom_ids
    else:
        wanted = sorted(set(classroom_ids))
        if not wanted:
            return []
    return list(
        Classroom.objects.select_for_update()
        .filter(pk__in=wanted)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def ensure_open(
    *, classroom_ids: ClassroomIds, start: datetime.date, end: datetime.date | None = None
) -> None:
    """Inside the caller's transaction: lock the classrooms' rows, then refuse (DayClosed) if
    any day start–end (the day `start` alone when `end` is None; FOREVER for "from then on")
    of them is in a closed period. Call it before writing, in the same transaction.
    `classroom_ids` may be a query of ids (e.g. `values("classroom_id")`): found and locked in
    the same statement. Two queries in all."""
    ids = lock_classrooms(classroom_ids)
    if ids:
        check_open(classroom_ids=ids, start=start, end=end)


def spans_refused(spans: Sequence[Span]) -> list[DayClosed | None]:
    """Inside the caller's transaction: lock the spans' classrooms (one query), read their
    closed periods (one query) and say, for each span in order, whether it touches a closed
    day (its DayClosed) or not (None). For bulk writes that report each refusal on its own
    line (imports)."""
    if not spans:
        return []
    ids = lock_classrooms(span[0] for span in spans)
    periods = list(
        ClosedPeriod.objects.filter(
            classroom_id__in=ids,
            start_date__lte=max(span[2] for span in spans),
            end_date__gte=min(span[1] for span in spans),
        ).select_related("classroom")
    )
    return [
        refusal([p for p in periods if p.classroom_id == classroom_id], start, end)
        for classroom_id, start, end in spans
    ]


def ensure_open_spans(spans: Sequence[Span]) -> None:
    """`ensure_open` for several classrooms each with its own days: raise the first refusal."""
    for problem in spans_refused(spans):
        if problem is not None:
            raise problem


def membership_changes(before: Span | None, after: Span | None) -> list[Span]:
    """The days whose membership changes when a classroom's span (e.g. an enrolment: classroom,
    entry, exit or FOREVER) goes from `before` to `after` (None: not there). A new or removed
    span touches all its days; a span moved to another classroom touches both; otherwise the
    days gained or lost at either end."""
    if before == after:
        return []
    if before is None or after is None or before[0] != after[0]:
        return [span for span in (before, after) if span is not None]
    classroom_id, first_before, last_before = before
    _same, first_after, last_after = after
    if last_before < first_after or last_after < first_before:  # no day in common
        return [before, after]
    changes: list[Span] = []
    if first_before != first_after:
        changes.append(
            (classroom_id, min(first_before, first_after), max(first_before, first_after) - ONE_DAY)
        )
    if last_before != last_after:
        changes.append(
            (classroom_id, min(last_before, last_after) + ONE_DAY, max(last_before, last_after))
        )
    return [span for span in changes if span[1] <= span[2]]


def term_spans(term: Term, *, deleting: bool = False) -> list[Span]:
    """What saving (or deleting) `term` touches: its old and new days in every classroom of
    its school and year, when its dates change (a term's days decide which grades and
    absences feed which session). Nothing when only its name or kind changes."""
    ranges: set[tuple[datetime.date, datetime.date]] = set()
    if term.pk is not None:
        old = Term.objects.filter(pk=term.pk).values_list("start_date", "end_date").first()
        if old is not None and (deleting or old != (term.start_date, term.end_date)):
            ranges.add(old)
    if not deleting and (term.pk is None or ranges):
        ranges.add((term.start_date, term.end_date))
    if not ranges:
        return []
    classroom_ids = Classroom.objects.filter(
        school_id=term.school_id, school_year_id=term.school_year_id
    ).values_list("pk", flat=True)
    return [(pk, start, end) for pk in classroom_ids for start, end in sorted(ranges)]


def check_term_open(term: Term, *, deleting: bool = False) -> None:
    """Refuse (DayClosed) a term whose old or new dates cover a closed day of one of its
    classrooms, without locking (the office's form, before its save)."""
    check_spans_open(term_spans(term, deleting=deleting))


def term_saving(instance: Term, raw: bool = False, **_signal: object) -> None:
    """Every save of a term (the office's admin, a command, a shell): locked and checked in
    the save's transaction. Connected in school.apps."""
    if raw:
        return
    with transaction.atomic():
        ensure_open_spans(term_spans(instance))


def term_deleting(instance: Term, **_signal: object) -> None:
    with transaction.atomic():
        ensure_open_spans(term_spans(instance, deleting=True))


def closure_spans(
    institute_id: int,
    ranges: Iterable[tuple[int | None, datetime.date, datetime.date]],
) -> list[Span]:
    """What holidays or closures (school id or None for the whole institute, first and last
    day) touch: those days in every classroom of the school (or institute) whose year has them.
    A closure changes the lesson days, so the annual hours the attendance limit is counted on."""
    wanted = list(ranges)
    if not wanted:
        return []
    classrooms = list(
        Classroom.objects.filter(
            school__institute_id=institute_id,
            school_year__start_date__lte=max(r[2] for r in wanted),
            school_year__end_date__gte=min(r[1] for r in wanted),
        ).values_list("pk", "school_id", "school_year__start_date", "school_year__end_date")
    )
    return [
        (pk, start, end)
        for school_id, start, end in wanted
        for pk, classroom_school, year_start, year_end in classrooms
        if (school_id is None or school_id == classroom_school)
        and year_start <= end
        and start <= year_end
    ]


def closure_change_spans(closure: Closure, *, deleting: bool = False) -> list[Span]:
    """What saving (or deleting) one closure touches: its old and new days, when they (or its
    school) change."""
    ranges: set[tuple[int | None, datetime.date, datetime.date]] = set()
    new = (closure.school_id, closure.start_date, closure.end_date)
    if closure.pk is not None:
        old = (
            Closure.objects.filter(pk=closure.pk)
            .values_list("school_id", "start_date", "end_date")
            .first()
        )
        if old is not None and (deleting or old != new):
            ranges.add(old)
    if not deleting and (closure.pk is None or ranges):
        ranges.add(new)
    return closure_spans(closure.institute_id, sorted(ranges, key=lambda r: (r[1], r[2])))


def check_spans_open(spans: Sequence[Span]) -> None:
    """Refuse (DayClosed) a write over these spans without locking (a form before its save)."""
    if not spans:
        return
    periods = list(
        ClosedPeriod.objects.filter(classroom_id__in={span[0] for span in spans}).select_related(
            "classroom"
        )
    )
    for classroom_id, start, end in spans:
        problem = refusal([p for p in periods if p.classroom_id == classroom_id], start, end)
        if problem is not None:
            raise problem


def closure_saving(instance: Closure, raw: bool = False, **_signal: object) -> None:
    """Every save of one closure (the office's calendar, its admin): locked and checked."""
    if raw:
        return
    with transaction.atomic():
        ensure_open_spans(closure_change_spans(instance))


def closure_deleting(instance: Closure, **_signal: object) -> None:
    with transaction.atomic():
        ensure_open_spans(closure_change_spans(instance, deleting=True))


@transaction.atomic
def period_close(
    *,
    classroom: Classroom,
    start: datetime.date,
    end: datetime.date,
    reason: str,
    holder: str,
    user: Any,
) -> ClosedPeriod:
    """Close start–end of the classroom (the evaluation app calls it when a session locks;
    authorization is its own). Waits for writes of the classroom in progress; from its commit
    on, every guarded write of those days is refused. The history keeps who and why."""
    if end < start:
        raise ValidationError(_("Il periodo chiuso deve finire lo stesso giorno o dopo l'inizio."))
    if not reason.strip() or not holder.strip():
        raise ValidationError(_("Indicare il motivo e chi chiude il periodo."))
    lock_classrooms([classroom.pk])
    if ClosedPeriod.objects.filter(classroom=classroom, holder=holder.strip()).exists():
        raise ValidationError(
            _("Questo periodo della classe %(classroom)s è già chiuso.")
            % {"classroom": classroom.name}
        )
    period = ClosedPeriod(
        classroom=classroom,
        start_date=start,
        end_date=end,
        reason=reason.strip(),
        holder=holder.strip(),
    )
    period.full_clean()
    period.save()
    change_record(
        instance=period,
        action=ChangeAction.CREATE,
        actor=user,
        reason=period.reason,
        institute_id=classroom.school.institute_id,
    )
    return period


@transaction.atomic
def period_reopen(*, holder: str, user: Any, reason: str) -> int:
    """Remove the periods placed by `holder` (the evaluation app calls it when the principal
    reopens a session), each with its history (before, who, why). Returns how many."""
    if not reason.strip():
        raise ValidationError(_("Indicare il motivo della riapertura."))
    placed = ClosedPeriod.objects.filter(holder=holder.strip())
    lock_classrooms(placed.values_list("classroom_id", flat=True))
    # Read again once the classrooms are locked: a reopening that ran meanwhile took them.
    periods = list(placed.select_related("classroom__school").order_by("pk"))
    for period in periods:
        before = snapshot(period)
        change_record(
            instance=period,
            action=ChangeAction.CANCEL,
            actor=user,
            before=before,
            after={},
            reason=reason.strip(),
            institute_id=period.classroom.school.institute_id,
        )
    ClosedPeriod.objects.filter(pk__in=[p.pk for p in periods]).delete()
    return len(periods)
