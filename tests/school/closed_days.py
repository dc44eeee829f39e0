"""Shared by the write guard's tests: closing a classroom's days, and a fingerprint of every
record that feeds a term-end evaluation (to prove that a refused write wrote nothing)."""

from __future__ import annotations

import datetime
import hashlib
import html
from html.parser import HTMLParser
from typing import Any

from django.db.models import Model

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.people.models import Enrollment
from campanella.register.models import (
    Absence,
    AgendaItem,
    Annotation,
    AttendanceWaiver,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    LateEntry,
    Lesson,
    OffSite,
    Signature,
)
from campanella.school.guard import period_close
from campanella.school.models import Classroom, ClosedPeriod, Closure, Term
from tests.conftest import Cast

REASON = "Scrutinio del 1° quadrimestre chiuso"
HOLDER = "evaluation.session:test"

# Every record a session is fed by, and the history.
FED: tuple[type[Model], ...] = (
    Grade,
    Lesson,
    Signature,
    Absence,
    LateEntry,
    EarlyExit,
    OffSite,
    Justification,
    AttendanceWaiver,
    DisciplinaryNote,
    DisciplinaryNote.students.through,
    Annotation,
    Enrollment,
    Term,
    Closure,
    Change,
)
# Written by paths that do not feed a session (they must still work on closed days).
OTHERS: tuple[type[Model], ...] = (AgendaItem,)


def fingerprint(models: tuple[type[Model], ...] = FED) -> list[tuple[str, int, str]]:
    """Each table as (name, rows, hash of every value): any insert, update or delete shows."""
    found = []
    for model in models:
        values = list(model._base_manager.order_by("pk").values_list())
        digest = hashlib.sha256(repr(values).encode()).hexdigest()
        found.append((model._meta.label, len(values), digest))
    return found


def close(
    cast: Cast,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    classroom: Classroom | None = None,
    holder: str = HOLDER,
) -> ClosedPeriod:
    """Close days of 1A (by default its whole school year) as a locked session would."""
    classroom = classroom or cast.classroom_1a
    year = classroom.school_year
    return period_close(
        classroom=classroom,
        start=start or year.start_date,
        end=end or start or year.end_date,
        reason=REASON,
        holder=holder,
        user=cast.principal,
    )


def says_closed(text: str) -> bool:
    """The Italian message of a closed day (as a page shows it, escaped)."""
    shown = html.unescape(text)
    return "è in un periodo chiuso dallo scrutinio" in shown and REASON in shown


class _FormReader(HTMLParser):
    """The values a browser would submit from a page's forms (the admin's change form)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.data[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def form_values(page: str) -> dict[str, Any]:
    reader = _FormReader()
    reader.feed(page)
    return reader.data
