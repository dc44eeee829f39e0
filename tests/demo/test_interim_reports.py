"""The demo's interim reports: a round per school once its period is weeks along, made and
published through the school's own services, so a demo family has one to read."""

from __future__ import annotations

import datetime

import pytest

from campanella.demo.generator import generate
from campanella.reportcards.interim_selectors import missing_entries
from campanella.reportcards.models import InterimMark, InterimRound
from campanella.school.models import School

pytestmark = pytest.mark.django_db


def test_mid_period_every_school_gets_a_round_prefilled_and_published_when_complete() -> None:
    today = datetime.date(2026, 12, 3)
    counts = generate(
        students=60, schools=3, seed=3, today=today, history_days=5, grades_per_subject=4
    )
    schools = School.objects.filter(institute_id=counts.institute_id)
    rounds = list(InterimRound.objects.filter(school__in=schools).select_related("term"))
    assert {r.school_id for r in rounds} == {s.pk for s in schools}
    for found in rounds:
        assert found.term.start_date <= today <= found.term.end_date
        assert found.title.startswith("Pagellino di metà ")
        assert (
            InterimMark.objects.filter(report__round=found)
            .exclude(mark=None, judgement="")
            .exists()
        )
        assert (found.publish_at is not None) == (not missing_entries(found))
    assert any(r.publish_at is not None for r in rounds)


def test_early_in_the_period_there_is_no_round_yet() -> None:
    counts = generate(students=20, schools=1, seed=3, today=datetime.date(2026, 9, 25),
                      history_days=3, grades_per_subject=1)  # fmt: skip
    assert not InterimRound.objects.filter(school__institute_id=counts.institute_id).exists()
