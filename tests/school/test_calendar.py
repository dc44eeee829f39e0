"""The school calendar: national holidays from the library, the province's patron, the school's
own closures, and the annual hours of the 25 % limit following it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from campanella.demo.generator import generate
from campanella.lib.holidays_it import national_holidays, province_holidays, provinces
from campanella.register.selectors import annual_hours, attendance_summaries, weekly_hours
from campanella.school.models import Closure, SchoolYear
from campanella.school.selectors import is_school_day
from campanella.school.services import (
    closure_create,
    national_holidays_fill,
    province_holidays_fill,
    school_year_create,
)
from tests import factories as f
from tests.conftest import Cast

YEAR_2026 = (datetime.date(2026, 9, 1), datetime.date(2027, 8, 31))
EASTER_MONDAY_2027 = datetime.date(2027, 3, 29)


def test_the_library_knows_easter_monday_and_the_new_4_october() -> None:
    found = {h.start: h for h in national_holidays(*YEAR_2026)}
    easter = found[datetime.date(2027, 3, 28)]
    assert easter.end == EASTER_MONDAY_2027
    assert "Lunedì dell'Angelo" in easter.name
    assert datetime.date(2027, 10, 4) not in found  # outside the year
    later = {
        h.start for h in national_holidays(datetime.date(2027, 9, 1), YEAR_2026[1].replace(2028))
    }
    assert datetime.date(2027, 10, 4) in later  # San Francesco, a holiday again from 2026
    # A holiday alone on a Sunday closes nothing: left out (1 November 2026 is a Sunday).
    assert datetime.date(2026, 11, 1) not in found


def test_the_province_adds_its_patron_only() -> None:
    rome = province_holidays("RM", *YEAR_2026)
    assert [(h.start, h.name) for h in rome] == [
        (datetime.date(2027, 6, 29), "Santi Pietro e Paolo")
    ]
    assert ("MO", "Modena") in provinces()


@pytest.mark.django_db
def test_a_new_year_starts_with_the_national_holidays() -> None:
    institute = f.InstituteFactory()
    school = f.SchoolFactory(institute=institute)
    year = school_year_create(
        institute=institute,
        start_date=YEAR_2026[0],
        end_date=YEAR_2026[1],
        lessons_start=datetime.date(2026, 9, 14),
        lessons_end=datetime.date(2027, 6, 8),
    )
    descriptions = set(
        Closure.objects.filter(institute=institute).values_list("description", flat=True)
    )
    assert {
        "Immacolata Concezione",
        "Pasqua; Lunedì dell'Angelo",
        "Festa della Repubblica",
    } <= descriptions
    assert not is_school_day(school, EASTER_MONDAY_2027)
    assert is_school_day(school, EASTER_MONDAY_2027 + datetime.timedelta(days=1))
    # Filling again adds nothing twice.
    count = Closure.objects.count()
    assert national_holidays_fill(year=year) == []
    assert Closure.objects.count() == count


@pytest.mark.django_db
def test_the_office_admin_pre_fills_a_year_it_creates(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("admin:school_schoolyear_add"),
        {
            "institute": cast.institute.pk,
            "start_date": "01/09/2030",
            "end_date": "31/08/2031",
            "lessons_start": "16/09/2030",
            "lessons_end": "07/06/2031",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SchoolYear.objects.filter(
        institute=cast.institute, start_date=datetime.date(2030, 9, 1)
    ).exists()
    assert Closure.objects.filter(
        institute=cast.institute,
        start_date__lte=datetime.date(2031, 4, 14),
        end_date__gte=datetime.date(2031, 4, 14),
    ).exists()  # Easter Monday 2031


@pytest.mark.django_db
def test_adding_a_closure_lowers_the_annual_hours(cast: Cast) -> None:
    classroom = cast.classroom_1a
    year = classroom.school_year
    by_day = weekly_hours(classroom.pk)
    before = annual_hours(classroom, year, by_day)
    monday = year.lessons_start + datetime.timedelta(
        days=(7 - year.lessons_start.weekday()) % 7 + 7
    )
    closure_create(
        institute=cast.institute,
        start_date=monday,
        end_date=monday + datetime.timedelta(days=4),
        description="Chiusura per le elezioni",
    )
    after = annual_hours(classroom, year, by_day)
    assert before - after == 5 * 2  # 1A has 2 hours a day, Monday to Friday
    summary = attendance_summaries(classroom)[0]
    assert summary.annual_hours == after
    assert summary.limit_hours == int(after * 0.25)


@pytest.mark.django_db
def test_province_fill_and_a_closure_of_another_school_is_refused(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    added = province_holidays_fill(year=year, province="RM")
    assert [c.description for c in added] == ["Santi Pietro e Paolo"]
    other_school = f.SchoolFactory()
    with pytest.raises(Exception, match="altro istituto"):
        closure_create(
            institute=cast.institute,
            start_date=year.lessons_start,
            end_date=year.lessons_start,
            description="x",
            school=other_school,
        )


@pytest.mark.django_db
def test_the_demo_year_closes_for_easter() -> None:
    counts = generate(students=20, schools=1, seed=3, today=datetime.date(2026, 11, 23))
    closures = Closure.objects.filter(institute_id=counts.institute_id)
    easter = closures.get(description="Vacanze di Pasqua")
    assert easter.start_date <= EASTER_MONDAY_2027 <= easter.end_date
    assert closures.filter(description__contains="Lunedì dell'Angelo").exists()


@pytest.mark.django_db
def test_the_office_adds_a_regional_break_and_the_patron_from_its_pages(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    assert office.get(reverse("people:office_calendar")).status_code == 200
    year = cast.classroom_1a.school_year
    start = datetime.date(year.end_date.year, 2, 16)
    body = {
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=1)).isoformat(),
        "description": "Carnevale (calendario regionale)",
        "school": "",
    }
    refused = office.post(
        reverse("people:office_calendar_closure"), {**body, "end_date": "2000-01-01"}
    )
    assert (
        refused.status_code == 200 and not Closure.objects.filter(institute=cast.institute).exists()
    )
    assert office.post(reverse("people:office_calendar_closure"), body).status_code == 302
    assert (
        office.post(reverse("people:office_calendar_province"), {"province": "RM"}).status_code
        == 302
    )
    page = office.get(reverse("people:office_calendar")).content.decode()
    assert "Carnevale (calendario regionale)" in page and "Santi Pietro e Paolo" in page
    foreign_school = f.SchoolFactory()
    office.post(reverse("people:office_calendar_closure"), {**body, "school": foreign_school.pk})
    assert not Closure.objects.filter(school=foreign_school).exists()
