"""Field types of the JSON API that accept exactly what the OpenAPI schema says.

Pydantic's lax mode would read `0` as the date 1970-01-01 (a Unix time), `0` or `"no"` as the
boolean false and a time with no offset against `format: time` (RFC 3339 wants one); these
types refuse what the schema does not describe, and describe what the answers contain.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StrictBool, WithJsonSchema

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?")
CLOCK_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _iso_day(value: Any) -> Any:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return value  # pydantic then checks that the day exists
    raise ValueError("data non valida: usare il formato AAAA-MM-GG")


def _clock_text(value: Any) -> Any:
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, str) and CLOCK.fullmatch(value):
        return value
    raise ValueError("ora non valida: usare il formato HH:MM")


def _clock(value: datetime.time) -> str:
    return value.strftime("%H:%M:%S")


def _no_nul(value: str) -> str:
    if "\x00" in value:  # PostgreSQL cannot store it; no person types it
        raise ValueError("il testo contiene un carattere nullo")
    return value


# A calendar day, "2026-11-23" (RFC 3339 full-date) and nothing else.
Day = Annotated[datetime.date, BeforeValidator(_iso_day)]

# A local time of the school day (Europe/Rome), "08:10" or "08:10:00"; answers "08:10:00".
# Not `format: time`: that is RFC 3339 full-time, which requires an offset.
ClockTime = Annotated[
    datetime.time,
    BeforeValidator(_clock_text),
    PlainSerializer(_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CLOCK_PATTERN,
            "description": "ora locale (Europe/Rome), HH:MM o HH:MM:SS",
            "examples": ["08:10"],
        }
    ),
]

# true or false: not 0, 1, "yes", "no".
Flag = StrictBool

# Text without NUL; its length is bounded where it is used: `Text = Field(max_length=…)`.
Text = Annotated[str, AfterValidator(_no_nul)]
