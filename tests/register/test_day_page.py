"""The teacher's day page (issue 11: item 5): their own hour first and open, marked with words
and aria-current, every other hour folded, and student lists that start on no one."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from campanella.people.models import Staff
from campanella.register.models import Absence, EarlyExit, LateEntry, OffSite
from campanella.register.selectors import class_day, teacher_hours
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def day_url(cast: Cast, name: str, day: datetime.date) -> str:
    return reverse(f"register:{name}", args=[cast.classroom_1a.pk, day.isoformat()])


def own_hour(page: str) -> str:
    found = re.search(r'data-testid="own-hour">(.*?)</h2>', page, re.S)
    assert found, "nessuna «La tua ora» nella pagina"
    return found.group(1)


def test_each_teacher_finds_their_own_hour_first_and_the_others_folded(cast: Cast) -> None:
    day = school_day(cast)
    # The cast's 1ª A: 1st hour Matematica (teacher), 2nd hour Italiano (coordinator).
    for user, number, subject, other in (
        (cast.teacher, 1, "Matematica", "2ª ora"),
        (cast.coordinator, 2, "Italiano", "1ª ora"),
    ):
        page = cast.client_for(user).get(day_url(cast, "class_day", day)).content.decode()
        heading = own_hour(page)
        assert "La tua ora" in heading and f"{number}ª ora" in heading and subject in heading
        assert 'aria-current="true"' in page.split('id="own-hour-title"')[0]
        # First the own hour, then the roll call, then the other hours folded.
        assert page.index("own-hour-title") < page.index('id="roll-title"')
        folded = re.findall(
            r"<details[^>]*data-testid=\"hour\">\s*<summary>(.*?)</summary>", page, re.S
        )
        assert len(folded) == 1 and other in folded[0] and "da firmare" in folded[0]
        assert page.index('id="roll-title"') < page.index('data-testid="hour"')


def test_readers_and_teachers_without_an_hour_see_every_hour_folded(cast: Cast) -> None:
    day = school_day(cast)
    page = cast.client_for(cast.office).get(day_url(cast, "class_day", day)).content.decode()
    assert 'data-testid="own-hour"' not in page
    assert page.count('data-testid="hour"') == 2


def test_the_hour_under_way_or_next_comes_first_today(cast: Cast) -> None:
    """Slots of the cast: 08:00–08:55, 09:00–09:55. The coordinator also signed the 1st hour
    (a substitution), so both hours are theirs."""
    day = school_day(cast)
    cast.client_for(cast.coordinator).post(
        day_url(cast, "sign", day), {"slot": cast.school.hour_slots.get(number=1).pk}
    )
    page = class_day(cast.classroom_1a, day)
    staff = Staff.objects.get(user=cast.coordinator)

    def at(hour: int, minute: int, on: datetime.date = day) -> tuple[int | None, str]:
        now = datetime.datetime.combine(on, datetime.time(hour, minute), tzinfo=ROME)
        hours = teacher_hours(page, staff, now)
        assert len(hours.own_slot_ids) == 2
        return (hours.focus.slot.number if hours.focus else None), hours.focus_state

    assert at(7, 30) == (1, "next")
    assert at(8, 20) == (1, "now")
    assert at(8, 57) == (2, "next")
    assert at(9, 30) == (2, "now")
    # After the hours, or another day: the first hour still to sign (the 1st is signed).
    assert at(13, 0) == (2, "")
    assert at(9, 30, on=day + datetime.timedelta(days=1)) == (2, "")


def test_the_student_lists_start_empty_and_required(cast: Cast) -> None:
    page = cast.client_for(cast.teacher).get(day_url(cast, "class_day", school_day(cast)))
    html = page.content.decode()
    for select_id in ("late_student", "exit_student", "hour_student", "off_student", "hour_slot"):
        select = re.search(
            rf'<select name="\w+"[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S
        )
        assert select, select_id
        assert "required" in select.group(0)
        first = re.search(r"<option([^>]*)>([^<]*)</option>", select.group(1))
        assert first and 'value=""' in first.group(1), select_id
        assert first.group(2).startswith("— scegli")
        assert "selected" not in select.group(1).replace(first.group(0), "")


def messages_of(response: object) -> list[str]:
    return [str(m) for m in response.context["messages"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("route", "body", "model"),
    [
        ("late", {"time": "09:10"}, LateEntry),
        ("early_exit", {"time": "10:30", "picked_up_by": "La madre"}, EarlyExit),
        ("off_site", {"reason": "Gara di matematica"}, OffSite),
        ("hour_absence", {}, Absence),  # an absence in one hour
    ],
)
def test_no_student_chosen_is_refused_in_italian_and_records_nothing(
    cast: Cast, route: str, body: dict[str, str], model: type[Absence]
) -> None:
    day = school_day(cast)
    if route == "hour_absence":
        body = {"slot": str(cast.school.hour_slots.get(number=1).pk)}
    teacher: Client = cast.client_for(cast.teacher)
    response = teacher.post(day_url(cast, route, day), {**body, "student": ""}, follow=True)
    assert messages_of(response) == ["Scegliere l'alunno dall'elenco."]
    assert not model.objects.exists()
    # The same body with a student is recorded: only the missing choice was refused.
    teacher.post(day_url(cast, route, day), {**body, "student": str(cast.child.pk)})
    assert model.objects.filter(student=cast.child).exists()
