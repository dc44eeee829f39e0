"""The family register's absences, late entries and exits built in Python
(register.rendering.event_items) write, byte for byte, what the template's loops wrote: those
loops and the justification state they included are kept here as the reference
(tests/register/templates/reference/), rendered with Django's engine on the same events:
hourly and whole-day absences, short and ordinary late entries, exits, every justification
state and none, for staff (with the history links) and for families, in Italian and English."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import translation

from campanella.register.models import JustificationStatus
from campanella.register.rendering import event_items
from campanella.register.selectors import (
    EVENT_ABSENCE,
    EVENT_EXIT,
    EVENT_LATE,
    EventJustification,
    FamilyEvent,
)

REFERENCE = Engine(
    dirs=[str(Path(__file__).parent / "templates")],
    libraries={"i18n": "django.templatetags.i18n"},
)
DAY = datetime.date(2026, 11, 9)
STATES = [None, *(EventJustification(status) for status in JustificationStatus.values)]


def _events(kind: str) -> list[FamilyEvent]:
    events = []
    for i, state in enumerate(STATES):
        events.append(
            FamilyEvent(
                kind=kind,
                pk=100 + i,
                date=DAY - datetime.timedelta(days=i),
                time=None if kind == EVENT_ABSENCE else datetime.time(9 + i, 5 * i),
                hour=(i + 1) if kind == EVENT_ABSENCE and i % 2 else None,
                short=kind == EVENT_LATE and i % 2 == 0,
                justification=state,
            )
        )
    return events


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("staff_view", [True, False])
@pytest.mark.parametrize("kind", [EVENT_ABSENCE, EVENT_LATE, EVENT_EXIT])
def test_events_are_the_template_they_replaced(language: str, staff_view: bool, kind: str) -> None:
    template = REFERENCE.get_template("reference/family_events.html")
    events = _events(kind)
    data = {"absences": events, "lates": events, "exits": events}
    with translation.override(language):
        expected = template.render(Context({"kind": kind, "data": data, "staff_view": staff_view}))
        assert event_items(events, kind, staff_view) == expected
        assert event_items([], kind, staff_view) == ""


def test_the_comparison_can_fail() -> None:
    template = REFERENCE.get_template("reference/family_events.html")
    events = _events(EVENT_LATE)
    context = {"kind": EVENT_LATE, "data": {"lates": events}, "staff_view": False}
    assert event_items(events, EVENT_LATE, True) != template.render(Context(context))
    assert 'data-state="da_giustificare"' in event_items(events, EVENT_LATE, False)
