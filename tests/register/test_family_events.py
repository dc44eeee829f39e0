"""The family register's absences, late entries and early exits come in one query of plain
values (issue 11, item 15): they must be exactly what the three models say, each with its
hour, time, short mark and justification state; cancelled ones and other students' never."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.register.models import (
    Absence,
    EarlyExit,
    Justification,
    JustificationKind,
    JustificationStatus,
    LateEntry,
)
from campanella.register.selectors import active, family_register
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def earlier_day(cast: Cast, day: datetime.date) -> datetime.date:
    return school_day(cast, day - datetime.timedelta(days=1))


def events_made(cast: Cast) -> list[datetime.date]:
    """On the last two school days: a whole-day absence (justified) and an hourly one, a
    cancelled absence, a short late entry (justification pending) and a long one, an exit;
    the same kinds for another child."""
    days = [school_day(cast)]
    days.append(earlier_day(cast, days[0]))
    slots = {slot.number: slot for slot in cast.school.hour_slots.all()}
    room, by = cast.classroom_1a, cast.teacher

    def justified(status: str, kind: str, day: datetime.date) -> Justification:
        return Justification.objects.create(
            student=cast.child, kind=kind, start_date=day, end_date=day, reason="Visita",
            status=status, submitted_by=cast.guardian,
        )  # fmt: skip

    common: dict[str, Any] = {"classroom": room, "recorded_by": by}
    accepted = justified(JustificationStatus.ACCEPTED, JustificationKind.ABSENCE, days[0])
    Absence.objects.create(student=cast.child, date=days[0], justification=accepted, **common)
    Absence.objects.create(student=cast.child, date=days[1], slot=slots[2], **common)
    Absence.objects.create(
        student=cast.child, date=days[1], cancelled_at=timezone.now(), cancelled_by=by,
        cancel_reason="Errore", **common,
    )  # fmt: skip
    pending = justified(JustificationStatus.PENDING, JustificationKind.LATE, days[0])
    LateEntry.objects.create(
        student=cast.child, date=days[0], time=datetime.time(8, 5), slot=slots[1], short=True,
        justification=pending, **common,
    )  # fmt: skip
    LateEntry.objects.create(
        student=cast.child, date=days[1], time=datetime.time(9, 40), slot=slots[2], **common
    )
    EarlyExit.objects.create(
        student=cast.child, date=days[0], time=datetime.time(11, 15), slot=slots[2], **common
    )
    Absence.objects.create(student=cast.other_child, date=days[1], **common)
    LateEntry.objects.create(
        student=cast.other_child, date=days[0], time=datetime.time(8, 30), slot=slots[1], **common
    )
    return days


def as_built_anew(model: Any, student_id: int, since: datetime.date, until: datetime.date) -> Any:
    """The events of one kind as the ORM reads them, one query per kind."""
    rows = active(model.objects.filter(student_id=student_id, date__gte=since, date__lte=until))
    return [
        (
            row.pk, row.date, getattr(row, "time", None),
            row.slot.number if model is Absence and row.slot else None,
            getattr(row, "short", False),
            row.justification.status if row.justification else None,
            row.justification.get_status_display() if row.justification else None,
        )
        for row in rows.select_related("justification", "slot").order_by("-date", "pk")
    ]  # fmt: skip


def as_listed(events: list[Any]) -> list[Any]:
    return [
        (
            e.pk, e.date, e.time, e.hour, e.short,
            e.justification.status if e.justification else None,
            e.justification.get_status_display() if e.justification else None,
        )
        for e in events
    ]  # fmt: skip


def test_the_three_kinds_in_one_query_are_what_the_models_say(cast: Cast) -> None:
    days = events_made(cast)
    since, until = days[-1], days[0]
    for student in (cast.child, cast.other_child):
        with CaptureQueriesContext(connection) as captured:
            data = family_register(student, cast.classroom_1a, since=since, until=until)
        assert len(captured) == 7
        for listed, model in ((data.absences, Absence), (data.lates, LateEntry),
                              (data.exits, EarlyExit)):  # fmt: skip
            assert as_listed(listed) == as_built_anew(model, student.pk, since, until)
    data = family_register(cast.child, cast.classroom_1a, since=since, until=until)
    assert [e.hour for e in data.absences] == [None, 2]  # the cancelled one left out
    assert [(e.time, e.short) for e in data.lates] == [
        (datetime.time(8, 5), True), (datetime.time(9, 40), False),
    ]  # fmt: skip
    assert [e.kind for e in data.exits] == ["uscita"]


def test_the_family_page_and_the_api_show_each_event(cast: Cast) -> None:
    events_made(cast)
    page = (
        cast.client_for(cast.guardian)
        .get(reverse("register:student", args=[cast.child.pk]))
        .content.decode()
    )
    listed = page.split('data-testid="family-events"')[1].split("</ul>")[0]
    assert listed.count('class="list-group-item"') == 5
    assert "(2ª ora)" in listed and listed.count("ª ora") == 1
    assert "entrata alle 08:05 (ritardo breve)" in listed and "entrata alle 09:40 ·" in listed
    assert "uscita alle 11:15" in listed
    assert 'data-state="accettata">accettata<' in listed
    assert 'data-state="in_attesa">in attesa di convalida<' in listed
    assert listed.count('data-state="da_giustificare"') == 3
    assert "Storico" not in listed  # the family has no history links
    staff = (
        cast.client_for(cast.coordinator)
        .get(reverse("register:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert staff.split('data-testid="family-events"')[1].split("</ul>")[0].count("Storico") == 5
    _token, raw = api_token_issue(user=cast.guardian)
    body = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(
        f"/api/v1/students/{cast.child.pk}/register"
    )
    assert body.status_code == 200
    assert sorted(
        (e["kind"], e["time"] or "", e["justification_status"] or "")
        for e in body.json()["events"]
    ) == [
        ("assenza", "", ""), ("assenza", "", "accettata"),
        ("ritardo", "08:05:00", "in_attesa"), ("ritardo", "09:40:00", ""),
        ("uscita", "11:15:00", ""),
    ]  # fmt: skip
