"""Helpers of the calendar feed tests: agenda items of the cast and reading a feed."""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.test import Client
from django.urls import reverse

from campanella.people.models import User
from campanella.register.models import AgendaItem
from campanella.register.services import agenda_add
from campanella.school.models import Classroom, Subject
from tests.conftest import Cast, school_day


def agenda(
    c: Cast, classroom: Classroom | None = None, *, kind: str = "verifica", text: str = "Cap. 3",
    subject: Subject | None = None, user: User | None = None, day: datetime.date | None = None,
) -> AgendaItem:  # fmt: skip
    result = agenda_add(
        user=user or c.teacher,
        classroom=classroom or c.classroom_1a,
        subject=subject or c.maths,
        kind=kind,
        day=day or school_day(c),
        text=text,
    )
    return result.item


def feed_url_for(user: User) -> str:
    """Make the login's feed from its page, as a person does; returns the path shown once."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("comms:calendar_feed"), {"azione": "crea"})
    assert response.status_code == 200
    url: str = response.context["new_urls"]["https"]
    assert url in response.content.decode()
    return url.split("testserver", 1)[1]


def read(path: str, client: Client | None = None, **headers: Any) -> icalendar.Calendar:
    response = (client or Client()).get(path, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def summaries(calendar: icalendar.Calendar) -> list[str]:
    return sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


def uids(calendar: icalendar.Calendar) -> list[str]:
    return sorted(str(event["UID"]) for event in calendar.walk("VEVENT"))
