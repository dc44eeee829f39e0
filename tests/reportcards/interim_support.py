"""An interim report round to test with: 1ª A's first period, created by the office and
prefilled from the register (the child: maths 5 and 5, Italian 7; the adult student: maths 8;
the other child: no grades), optionally completed and published."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from campanella.grades.models import Grade, ScaleKind
from campanella.people.models import Staff, Student
from campanella.reportcards.interim import interim_round_create
from campanella.reportcards.models import InterimMark, InterimRound
from campanella.school.models import Classroom, Subject, Term
from tests.conftest import Cast

TITLE = "Pagellino di metà periodo"


def term_of(cast: Cast) -> Term:
    return Term.objects.select_related("school_year").get(school=cast.school, number=1)


def grade(
    student: Student, subject: Subject, value: str, *, classroom: Classroom, day: int = 20
) -> Grade:
    term = Term.objects.get(school=classroom.school, number=1)
    teacher = Staff.objects.filter(teachings__classroom=classroom, teachings__subject=subject)[0]
    return Grade.objects.create(
        student=student, classroom=classroom, subject=subject, teacher=teacher,
        date=term.start_date + datetime.timedelta(days=day), kind="orale",
        scale=ScaleKind.NUMERIC, value=Decimal(value), weight=Decimal(1),
        counts_in_average=True, recorded_by=teacher.user,
    )  # fmt: skip


def register_grades(cast: Cast) -> None:
    room = cast.classroom_1a
    grade(cast.child, cast.maths, "5", classroom=room, day=20)
    grade(cast.child, cast.maths, "5", classroom=room, day=27)
    grade(cast.child, cast.italian, "7", classroom=room)
    grade(cast.adult_student, cast.maths, "8", classroom=room)


def new_round(cast: Cast) -> InterimRound:
    register_grades(cast)
    return interim_round_create(
        user=cast.office, school=cast.school, term=term_of(cast), title=TITLE,
        classrooms=[cast.classroom_1a],
    )  # fmt: skip


def interim_round(
    cast: Cast, *, complete: bool = True, published_hours: float | None = None
) -> InterimRound:
    """1A's round (made once), every missing entry filled with 6 when `complete`, published
    from `published_hours` from now (negative: already published; None: not set)."""
    found = InterimRound.objects.filter(title=TITLE).first() or new_round(cast)
    if complete:
        InterimMark.objects.filter(report__round=found, mark=None, judgement="").update(
            mark=Decimal(6)
        )
    publish_at = (
        None
        if published_hours is None
        else timezone.now() + datetime.timedelta(hours=published_hours)
    )
    InterimRound.objects.filter(pk=found.pk).update(publish_at=publish_at)
    found.refresh_from_db()
    return found


def entry(cast: Cast, student: Student, subject: Subject) -> InterimMark:
    return InterimMark.objects.get(report__round__title=TITLE, student=student, subject=subject)
