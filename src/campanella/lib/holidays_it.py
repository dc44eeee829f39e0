"""Italy's public holidays for the school calendar, from the kept `holidays` library.

National holidays (Easter Monday included, 4 October from 2026) come from `holidays.Italy`.
Its subdivisions are the provinces: for each it knows the patron saint's day of the chief town
(e.g. Modena: San Geminiano, 31 January), which closes that town's schools. Regional school
calendars (Christmas and Easter breaks, the start and end of lessons) are not in the library:
the office adds them as closures.

Consecutive holidays are merged into one range (Easter Sunday and Monday, Christmas and Santo
Stefano); a holiday falling on a Sunday alone is left out (no school has lessons then).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import holidays

SUNDAY = 6


@dataclass(frozen=True)
class Holiday:
    start: datetime.date
    end: datetime.date
    name: str


def _italy(start: datetime.date, end: datetime.date, province: str | None) -> dict[str, str]:
    years = list(range(start.year, end.year + 1))
    calendar = holidays.Italy(years=years, subdiv=province, language="it_IT")
    return {day.isoformat(): str(name) for day, name in calendar.items() if start <= day <= end}


def _ranges(days: dict[str, str]) -> list[Holiday]:
    merged: list[Holiday] = []
    for iso in sorted(days):
        day = datetime.date.fromisoformat(iso)
        previous = merged[-1] if merged else None
        if previous is not None and previous.end + datetime.timedelta(days=1) == day:
            merged[-1] = Holiday(previous.start, day, f"{previous.name}; {days[iso]}")
        else:
            merged.append(Holiday(day, day, days[iso]))
    return [h for h in merged if not (h.start == h.end and h.start.weekday() == SUNDAY)]


def national_holidays(start: datetime.date, end: datetime.date) -> list[Holiday]:
    """Italy's national holidays between `start` and `end` (both included), as ranges."""
    return _ranges(_italy(start, end, None))


def province_holidays(province: str, start: datetime.date, end: datetime.date) -> list[Holiday]:
    """The holidays of a province's chief town beyond the national ones (the patron saint)."""
    national = _italy(start, end, None)
    local = _italy(start, end, province)
    return _ranges({day: name for day, name in local.items() if day not in national})


def provinces() -> list[tuple[str, str]]:
    """(code, name) of every province the library knows, by name."""
    names: dict[str, str] = {}
    for name, code in holidays.Italy.subdivisions_aliases.items():
        # One name per code: the library also lists spellings without accents ("Forli").
        if code in holidays.Italy.subdivisions and (code not in names or not name.isascii()):
            names[code] = name
    return sorted(names.items(), key=lambda item: item[1])
