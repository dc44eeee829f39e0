"""The demo's interim reports (pagellini): once the current period is far enough along to have
grades, each school's classrooms get a round made by the office through the same services a
school uses (prefilled from the register), published the day before when every entry is there,
so a demo family finds one to read, download and confirm."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campanella.people.models import Staff
from campanella.reportcards.interim import interim_publication_set, interim_round_create
from campanella.reportcards.interim_selectors import missing_entries
from campanella.reportcards.models import InterimRound
from campanella.school.models import Classroom, School, SchoolYear, Term

# A mid-period report needs some weeks of lessons behind it.
WEEKS_BEFORE_A_ROUND = 5


def round_title(term: Term) -> str:
    return f"Pagellino di metà {term.get_kind_display()}"


def generate_interim_reports(*, institute_id: int, year: SchoolYear, today: datetime.date) -> int:
    """Rounds made (and published, when complete) for the schools whose current period began
    at least WEEKS_BEFORE_A_ROUND weeks ago. Returns how many rounds were made."""
    office = (
        Staff.objects.select_related("user")
        .filter(institute_id=institute_id, is_office=True, user__isnull=False)
        .first()
    )
    if office is None or office.user is None:
        return 0
    made = 0
    for school in School.objects.filter(institute_id=institute_id).order_by("pk"):
        term = current_term(school, year, today)
        if term is None or InterimRound.objects.filter(school=school, term=term).exists():
            continue
        classrooms = list(Classroom.objects.filter(school=school, school_year=year).order_by("pk"))
        if not classrooms:
            continue
        interim = interim_round_create(
            user=office.user, school=school, term=term, title=round_title(term),
            classrooms=classrooms,
        )  # fmt: skip
        made += 1
        if not missing_entries(interim):
            yesterday = timezone.make_aware(
                datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(14))
            )
            interim_publication_set(user=office.user, interim=interim, publish_at=yesterday)
    return made


def current_term(school: School, year: SchoolYear, today: datetime.date) -> Term | None:
    term = (
        Term.objects.select_related("school_year")
        .filter(school=school, school_year=year, start_date__lte=today, end_date__gte=today)
        .first()
    )
    if term is None or today < term.start_date + datetime.timedelta(weeks=WEEKS_BEFORE_A_ROUND):
        return None
    return term
