"""Issue 11, item 4: the family's trend charts are plotted by date (not evenly spaced), on the
grade scale, with the pass line, the running average and an overall-average trend; each is an
image with a title and a description, and its data is also a table."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from campanella.grades.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, Frame
from campanella.grades.models import Grade
from campanella.people.models import Staff
from campanella.school.models import Subject, Term
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_frame_places_days_by_date_and_values_on_the_scale() -> None:
    start = datetime.date(2025, 9, 1)
    frame = Frame.around(start, start + datetime.timedelta(days=40))
    assert frame.x(start) == LEFT
    assert frame.x(start + datetime.timedelta(days=40)) == WIDTH - RIGHT
    assert frame.x(start + datetime.timedelta(days=10)) == pytest.approx(
        LEFT + (WIDTH - LEFT - RIGHT) / 4
    )
    assert frame.y(10) == TOP and frame.y(1) == HEIGHT - BOTTOM
    single = Frame.around(start, start)  # one day of grades sits in the middle
    assert single.x(start) == pytest.approx((LEFT + WIDTH - RIGHT) / 2)


def grade(cast: Cast, subject: Subject, day: datetime.date, value: str) -> None:
    Grade.objects.create(
        student=cast.child, classroom=cast.classroom_1a, subject=subject,
        teacher=Staff.objects.get(user=cast.teacher), date=day, kind="scritto",
        value=Decimal(value), recorded_by=cast.teacher,
    )  # fmt: skip


def svg_of(html: str, chart_id: str) -> str:
    found = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-titolo[^"]*".*?</svg>', html, re.S)
    assert found, chart_id
    return found.group(0)


def numbers(pattern: str, text: str) -> list[float]:
    return [float(x) for x in re.findall(pattern, text)]


def test_the_family_chart_is_plotted_by_date_with_the_pass_line_and_averages(
    cast: Cast,
) -> None:
    term = Term.objects.get(school=cast.school)
    start = term.start_date
    days = [start, start + datetime.timedelta(days=9), start + datetime.timedelta(days=39)]
    for day, value in zip(days, ["4", "7", "8"], strict=True):
        grade(cast, cast.maths, day, value)
    grade(cast, cast.italian, start + datetime.timedelta(days=19), "6")
    url = reverse("grades:student", args=[cast.child.pk]) + f"?periodo={term.pk}"
    html = cast.client_for(cast.guardian).get(url).content.decode()
    frame = Frame.around(start, days[-1])

    maths = svg_of(html, f"andamento-{cast.maths.pk}")
    assert 'role="img"' in maths
    assert f'<title id="andamento-{cast.maths.pk}-titolo">Andamento dei voti di Matematica' in maths
    assert "3 voti dal" in maths and "1 voto sotto la sufficienza (6)" in maths
    # By date: the dots (and the triangle of the 4, under the pass mark) where their days are.
    dots = numbers(r'<circle class="cmp-trend-dot" cx="([\d.]+)"', maths)
    assert dots == pytest.approx([frame.x(days[1]), frame.x(days[2])], abs=0.06)
    triangle = re.search(r'class="cmp-trend-below" d="M([\d.]+),', maths)
    assert triangle and float(triangle.group(1)) + 4.5 == pytest.approx(frame.x(days[0]), abs=0.1)
    # The pass line at 6 and the running average: 4, 5,50, 6,33.
    pass_y = numbers(r'class="cmp-trend-pass" x1="\d+" x2="\d+" y1="([\d.]+)"', maths)
    assert pass_y == pytest.approx([frame.y(6)], abs=0.06)
    average = re.search(r'class="cmp-trend-average" points="([^"]+)"', maths)
    assert average
    ys = [float(pair.split(",")[1]) for pair in average.group(1).split()]
    assert ys == pytest.approx([frame.y(4), frame.y(5.5), frame.y(Decimal("6.33"))], abs=0.06)
    # Months along the time axis, in Italian.
    assert ">set<" in maths or ">ott<" in maths

    # The overall average, day by day: 4, 5,50, 5,75 (with Italian's 6), 6,17.
    overall = svg_of(html, "andamento-generale")
    line = re.search(r'class="cmp-trend-line" points="([^"]+)"', overall)
    assert line
    ys = [float(pair.split(",")[1]) for pair in line.group(1).split()]
    expected = [frame.y(v) for v in (4, Decimal("5.5"), Decimal("5.75"), Decimal("6.17"))]
    assert ys == pytest.approx(expected, abs=0.06)
    # The same data as tables, under the charts (Italian's one grade needs no chart).
    assert html.count("<summary>Dati del grafico</summary>") == 2
    assert f"<td>{'6,33'}</td>" in html and "6,17" in html
