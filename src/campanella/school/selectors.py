"""Reads about the school structure and calendar (no authorization: callers pass scoped data)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.lib.grades import (
    DEFAULT_BEHAVIOUR_DESCRIPTIONS,
    DEFAULT_SYNTHETIC_DESCRIPTIONS,
    SYNTHETIC_JUDGEMENTS,
)
from campanella.school.models import (
    Closure,
    Institute,
    JudgementArea,
    JudgementDescription,
    School,
    SchoolYear,
    Term,
    TimetableEntry,
)


def current_school_year(
    institute: Institute | int, day: datetime.date | None = None
) -> SchoolYear | None:
    """The year containing `day` (today by default), else the latest one that started."""
    day = day or timezone.localdate()
    institute_id = institute if isinstance(institute, int) else institute.pk
    years = SchoolYear.objects.filter(institute_id=institute_id)
    containing = years.filter(start_date__lte=day, end_date__gte=day).first()
    return containing or years.filter(start_date__lte=day).order_by("-start_date").first()


def current_term(school: School, day: datetime.date | None = None) -> Term | None:
    day = day or timezone.localdate()
    return Term.objects.filter(school=school, start_date__lte=day, end_date__gte=day).first()


def closures_for_school(school: School, start: datetime.date, end: datetime.date) -> list[Closure]:
    return list(
        Closure.objects.filter(institute_id=school.institute_id, start_date__lte=end)
        .filter(end_date__gte=start)
        .filter(Q(school__isnull=True) | Q(school=school))
    )


def _dates(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def school_days(school: School, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Days with lessons: the school's weekdays, minus holidays and closures."""
    closures = closures_for_school(school, start, end)
    return [
        day
        for day in _dates(start, end)
        if day.weekday() in school.weekdays and not _is_closed(day, closures)
    ]


def is_school_day(school: School, day: datetime.date) -> bool:
    return bool(school_days(school, day, day))


def _is_closed(day: datetime.date, closures: Iterable[Closure]) -> bool:
    return any(c.start_date <= day <= c.end_date for c in closures)


def timetable_of_classroom(classroom_id: int) -> QuerySet[TimetableEntry]:
    return (
        TimetableEntry.objects.filter(classroom_id=classroom_id)
        .select_related("slot", "subject")
        .order_by("weekday", "slot__number")
    )


DEFAULT_DESCRIPTIONS: dict[str, dict[str, str]] = {
    JudgementArea.LEARNING: DEFAULT_SYNTHETIC_DESCRIPTIONS,
    JudgementArea.BEHAVIOUR: DEFAULT_BEHAVIOUR_DESCRIPTIONS,
}


def judgement_descriptions(school_id: int, area: str = JudgementArea.LEARNING) -> dict[str, str]:
    """The description of each giudizio sintetico in this school, from the highest (ottimo) to
    the lowest: the school's own where it wrote one, the default otherwise. One query."""
    own = dict(
        JudgementDescription.objects.filter(school_id=school_id, area=area).values_list(
            "code", "description"
        )
    )
    defaults = DEFAULT_DESCRIPTIONS[area]
    return {
        code: own.get(code) or defaults[code] for code, _label in reversed(SYNTHETIC_JUDGEMENTS)
    }
