"""Writes of the school structure: school years with their calendar, closures.

A new school year starts with Italy's national holidays already in its calendar (from the kept
`holidays` library, lib/holidays_it.py); the office adds the province's patron saint and the
region's and the school's own closures. Lesson days (and so the annual hours behind the 25 %
absence limit) follow this calendar: `school.selectors.school_days`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campanella.lib.holidays_it import Holiday, national_holidays, province_holidays
from campanella.school.guard import closure_change_spans, closure_spans, ensure_open_spans
from campanella.school.models import (
    Closure,
    Institute,
    JudgementDescription,
    School,
    SchoolKind,
    SchoolYear,
)
from campanella.school.selectors import DEFAULT_DESCRIPTIONS


@transaction.atomic
def school_year_create(
    *,
    institute: Institute,
    start_date: datetime.date,
    end_date: datetime.date,
    lessons_start: datetime.date,
    lessons_end: datetime.date,
) -> SchoolYear:
    """A new school year, its calendar pre-filled with the national holidays."""
    year = SchoolYear(
        institute=institute,
        start_date=start_date,
        end_date=end_date,
        lessons_start=lessons_start,
        lessons_end=lessons_end,
    )
    year.full_clean()
    year.save()
    national_holidays_fill(year=year)
    return year


def _add_holidays(year: SchoolYear, found: list[Holiday]) -> list[Closure]:
    """Institute-wide closures for these holidays, skipping those already in the calendar."""
    present = set(
        Closure.objects.filter(
            institute_id=year.institute_id,
            school__isnull=True,
            start_date__gte=year.start_date,
            end_date__lte=year.end_date,
        ).values_list("start_date", "end_date")
    )
    missing = [h for h in found if (h.start, h.end) not in present]
    # A holiday changes the lesson days: not over a day closed by a locked evaluation.
    ensure_open_spans(closure_spans(year.institute_id, [(None, h.start, h.end) for h in missing]))
    return Closure.objects.bulk_create(
        Closure(
            institute_id=year.institute_id,
            start_date=h.start,
            end_date=h.end,
            description=h.name,
        )
        for h in missing
    )


@transaction.atomic
def national_holidays_fill(*, year: SchoolYear) -> list[Closure]:
    """Add Italy's national holidays within the year (again: only those missing)."""
    return _add_holidays(year, national_holidays(year.start_date, year.end_date))


@transaction.atomic
def province_holidays_fill(*, year: SchoolYear, province: str) -> list[Closure]:
    """Add the patron saint's day of a province's chief town (whole institute)."""
    return _add_holidays(year, province_holidays(province, year.start_date, year.end_date))


@transaction.atomic
def closure_create(
    *,
    institute: Institute,
    start_date: datetime.date,
    end_date: datetime.date,
    description: str,
    school: School | None = None,
) -> Closure:
    """A closure of the whole institute or of one school (a regional break, a school's own
    day off, an election day)."""
    if school is not None and school.institute_id != institute.pk:
        raise ValidationError(_("La scuola è di un altro istituto."))
    closure = Closure(
        institute=institute,
        school=school,
        start_date=start_date,
        end_date=end_date,
        description=description.strip(),
    )
    # Its days in the classrooms it closes: not over a day closed by a locked evaluation.
    ensure_open_spans(closure_change_spans(closure))
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def judgement_descriptions_fill(*, school: School) -> list[JudgementDescription]:
    """Write the default descriptions of the giudizi sintetici for a primary school, where the
    school has none yet, so the office starts from a text to edit (the office's admin does it
    when a primary school is created). Other schools get nothing."""
    if school.kind != SchoolKind.PRIMARY:
        return []
    have = set(JudgementDescription.objects.filter(school=school).values_list("area", "code"))
    rows = [
        JudgementDescription(school=school, area=area, code=code, description=text)
        for area, texts in DEFAULT_DESCRIPTIONS.items()
        for code, text in texts.items()
        if (area, code) not in have
    ]
    return JudgementDescription.objects.bulk_create(rows)
