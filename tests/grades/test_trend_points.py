"""The trend charts' points (grades.charts) in linear time are those of the plain definition:
the running average after each grade, and the overall average each day as the mean of each
subject's last running average up to that day."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from campanella.grades import charts
from campanella.grades.models import Grade
from campanella.lib.grades import average

START = datetime.date(2026, 9, 15)
grade_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),  # day
        st.integers(min_value=4, max_value=40).map(lambda q: Decimal(q) / 4),  # value
        st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(2), Decimal(0)]),  # weight
        st.booleans(),  # counts in the average
    ),
    max_size=12,
)


def grades_of(rows: list[tuple[int, Decimal, Decimal, bool]]) -> list[Grade]:
    return [
        Grade(pk=i + 1, date=START + datetime.timedelta(days=day), value=value, weight=weight,
              counts_in_average=counts)
        for i, (day, value, weight, counts) in enumerate(rows)
    ]  # fmt: skip


def plain_running(grades: list[Grade], weighted: bool) -> list[Decimal | None]:
    ordered = sorted(grades, key=lambda g: (g.date, g.pk))
    found = []
    for size, _grade in enumerate(ordered, start=1):
        counted = [g for g in ordered[:size] if g.counts_in_average and g.value is not None]
        found.append(
            average([g.value for g in counted], [g.weight for g in counted] if weighted else None)  # type: ignore[misc]
        )
    return found


@settings(max_examples=60, deadline=None)
@given(st.lists(grade_rows, min_size=1, max_size=4), st.booleans())
def test_running_and_overall_points(subjects: list[list[tuple]], weighted: bool) -> None:  # type: ignore[type-arg]
    points = []
    for rows in subjects:
        grades = grades_of(rows)
        found = charts.running_points(grades, weighted=weighted)
        assert [p.average for p in found] == plain_running(grades, weighted)
        points.append(found)
    overall = charts.overall_points(points)
    days = sorted({p.day for found in points for p in found})
    expected = []
    for day in days:
        means = []
        for found in points:
            known = [p.average for p in found if p.day <= day and p.average is not None]
            if known:
                means.append(known[-1])
        mean = average(means)
        if mean is not None:
            expected.append((day, mean))
    assert [(p.day, p.value) for p in overall] == expected
