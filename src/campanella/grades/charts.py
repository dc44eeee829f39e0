"""The family's trend charts (issue 11, item 4): drawn on the server as SVG, plotted by date on
the grade scale, with the pass line and the running average, and the same data as a table.

Pages that list every subject build their HTML here with the same escaping as a template (as
grades.views does for lists): the template engine is the slow part of those pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from campanella.grades.markup import marked
from campanella.grades.selectors import PASS_MARK, AnyGrade, below_sufficiency, shown
from campanella.lib.grades import (
    DEFAULT_SCALE,
    RunningAverage,
    average,
    format_average,
    format_grade,
)
from campanella.lib.html_text import escape

# A page draws a dozen charts, each with a dozen texts: each text is translated once per
# process and language (the catalogs do not change while it runs), not once per chart.
_TRANSLATED: dict[tuple[str, str | None], str] = {}
_AVERAGES: dict[Decimal, str] = {}  # an average as written (6,43), per value


def _(message: str, language: str | None) -> str:
    """`message` in `language` (the active one: a chart asks it once, not once per text)."""
    key = (message, language)
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = gettext(message)
    return found


def _average(value: Decimal) -> str:
    found = _AVERAGES.get(value)
    if found is None:
        found = format_average(value)
        if len(_AVERAGES) < 4096:
            _AVERAGES[value] = found
    return found


# The drawing's own units; the SVG scales to the card's width (a 375 px phone: about 0.95).
WIDTH, HEIGHT = 320, 200
LEFT, RIGHT, TOP, BOTTOM = 26, 10, 10, 26


@dataclass(frozen=True)
class Frame:
    """Dates across, the grade scale upwards: where a (day, value) is drawn."""

    start: datetime.date
    end: datetime.date
    low: int = DEFAULT_SCALE.minimum
    high: int = DEFAULT_SCALE.maximum

    @classmethod
    def around(cls, start: datetime.date, end: datetime.date) -> Frame:
        """From `start` to `end`; a single day sits in the middle of three."""
        if end <= start:
            day = datetime.timedelta(days=1)
            return cls(start - day, start + day)
        return cls(start, end)

    def x(self, day: datetime.date) -> float:
        width = WIDTH - LEFT - RIGHT
        return LEFT + width * (day - self.start).days / (self.end - self.start).days

    def y(self, value: Decimal | int) -> float:
        height = HEIGHT - TOP - BOTTOM
        return TOP + height * (self.high - float(value)) / (self.high - self.low)


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    value: Decimal
    shown: str  # the grade in its notation (7+), or the average (6,38)
    below: bool  # under the pass mark
    average: Decimal | None  # the running average after this point


def running_points(grades: Sequence[AnyGrade], *, weighted: bool) -> list[TrendPoint]:
    """The numeric grades oldest first, each with the average of the grades that count up to
    it (what the family saw as the subject's average that day)."""
    running = RunningAverage()
    points = []
    for grade in sorted(grades, key=lambda g: (g.date, g.pk)):
        if grade.value is None:
            continue
        if grade.counts_in_average:
            running.add(grade.value, grade.weight if weighted else Decimal(1))
        points.append(
            TrendPoint(
                day=grade.date, value=grade.value, shown=shown(grade),
                below=below_sufficiency(grade), average=running.value,
            )
        )  # fmt: skip
    return points


def overall_points(subjects: Sequence[list[TrendPoint]]) -> list[TrendPoint]:
    """The overall average day by day: the mean of each subject's running average that day
    (subjects without an average yet left out), as the page's overall average is computed.
    Each subject's points are oldest first, as `running_points` gives them."""
    days = sorted({point.day for points in subjects for point in points})
    # Each subject's points are oldest first: walk them alongside the days (linear, not
    # days × points), keeping the last average known on each day.
    latest: list[Decimal | None] = [None] * len(subjects)
    position = [0] * len(subjects)
    trend = []
    for day in days:
        for index, points in enumerate(subjects):
            while position[index] < len(points) and points[position[index]].day <= day:
                if points[position[index]].average is not None:
                    latest[index] = points[position[index]].average
                position[index] += 1
        mean = average([known for known in latest if known is not None])
        if mean is not None:
            below = DEFAULT_SCALE.is_below_sufficiency(mean)
            trend.append(TrendPoint(day, mean, _average(mean), below, mean))
    return trend


def _points(frame: Frame, pairs: Sequence[tuple[datetime.date, Decimal]]) -> str:
    return " ".join(f"{frame.x(day):.1f},{frame.y(value):.1f}" for day, value in pairs)


def _grid(frame: Frame) -> list[str]:
    """A line at every step of the scale, labelled every other one."""
    parts = []
    for value in range(frame.low, frame.high + 1):
        y = frame.y(value)
        parts.append(f'<line class="cmp-trend-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')  # fmt: skip
        if value % 2 == 0:
            parts.append(f'<text class="cmp-trend-label" x="{LEFT - 4}" y="{y + 3.5:.1f}" '
                         f'text-anchor="end">{value}</text>')  # fmt: skip
    return parts


def _month_starts(frame: Frame) -> list[datetime.date]:
    day = frame.start.replace(day=1)
    starts = []
    while day <= frame.end:
        if day >= frame.start:
            starts.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return starts


def _time_axis(frame: Frame) -> list[str]:
    """Ticks at the first of each month (abbreviated in Italian); a span shorter than that is
    labelled by its first and last day."""
    bottom = HEIGHT - BOTTOM
    parts = [f'<line class="cmp-trend-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
             f'y1="{bottom}" y2="{bottom}"/>']  # fmt: skip
    starts = _month_starts(frame)
    if len(starts) >= 2:
        step = 1 if len(starts) <= 6 else 2
        ticks = [(day, str(MONTHS_3[day.month])) for day in starts[::step]]
    else:
        ticks = [(frame.start, f"{frame.start:%d/%m}"), (frame.end, f"{frame.end:%d/%m}")]
    for day, label in ticks:
        x = frame.x(day)
        anchor = "start" if x < LEFT + 12 else "end" if x > WIDTH - RIGHT - 12 else "middle"
        parts.append(f'<line class="cmp-trend-axis" x1="{x:.1f}" x2="{x:.1f}" '
                     f'y1="{bottom}" y2="{bottom + 4}"/>')  # fmt: skip
        parts.append(f'<text class="cmp-trend-label" x="{x:.1f}" y="{bottom + 16}" '
                     f'text-anchor="{anchor}">{escape(label)}</text>')  # fmt: skip
    return parts


def _pass_line(frame: Frame) -> str:
    y = frame.y(PASS_MARK)
    return (
        f'<line class="cmp-trend-pass" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
    )


def _marker(frame: Frame, point: TrendPoint) -> str:
    """A dot; under the pass mark a triangle pointing down (its shape says it, not only its
    colour)."""
    x, y = frame.x(point.day), frame.y(point.value)
    if point.below:
        return (
            f'<path class="cmp-trend-below" d="M{x - 4.5:.1f},{y - 3.5:.1f}'
            f'H{x + 4.5:.1f}L{x:.1f},{y + 4.5:.1f}Z"/>'
        )
    return f'<circle class="cmp-trend-dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'


def _svg(
    frame: Frame, chart_id: str, title: str, description: str, body: list[str], language: str | None
) -> str:
    return (
        f'<svg class="cmp-trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-titolo {chart_id}-descrizione" focusable="false">'
        f'<title id="{chart_id}-titolo">{escape(title)}</title>'
        f'<desc id="{chart_id}-descrizione">{escape(description)}</desc>'
        f"{_background(frame, language)}{''.join(body)}</svg>"
    )


@lru_cache(maxsize=64)
def _background(frame: Frame, language: str | None) -> str:
    """The scale, the time axis and the pass line: the same for every chart of a page (they
    share the frame), drawn once per frame and language."""
    return f"{''.join(_grid(frame))}{''.join(_time_axis(frame))}{_pass_line(frame)}"


def _legend(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<li><span class="cmp-swatch {kind}" aria-hidden="true"></span>{escape(text)}</li>'
        for kind, text in items
    )
    return f'<ul class="cmp-trend-legend" aria-hidden="true">{entries}</ul>'


@lru_cache(maxsize=16)
def _subject_legend(language: str | None) -> str:
    """The legend of a subject's chart, the same for every subject (per language)."""
    pass_mark = format_grade(PASS_MARK)
    return _legend(
        [
            ("cmp-swatch-line", _("voti", language)),
            ("cmp-swatch-average", _("media progressiva", language)),
            ("cmp-swatch-pass", _("sufficienza (%(pass)s)", language) % {"pass": pass_mark}),
        ]
    )


def _span(points: Sequence[TrendPoint], language: str | None) -> str:
    first, last = points[0].day, points[-1].day
    if first == last:
        return _("il %(day)s", language) % {"day": f"{first:%d/%m/%Y}"}
    return _("dal %(first)s al %(last)s", language) % {
        "first": f"{first:%d/%m/%Y}",
        "last": f"{last:%d/%m/%Y}",
    }


def _table(caption: str, headers: list[str], rows: list[list[str]], language: str | None) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        f'<tr><th scope="row">{row[0]}</th>{"".join(f"<td>{cell}</td>" for cell in row[1:])}</tr>'
        for row in rows
    )
    summary = escape(_("Dati del grafico", language))
    return (
        f'<details class="cmp-trend-data"><summary>{summary}</summary>'
        f'<div class="cmp-table-scroll"><table class="table table-sm mb-0">'
        f'<caption class="visually-hidden">{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _marked(point: TrendPoint, text: str, language: str | None) -> str:
    return marked(text, point.below, language)


def subject_chart(
    subject: str, chart_id: str, points: list[TrendPoint], frame: Frame
) -> SafeString:
    """A subject's grades by date with its running average and the pass line; "" for fewer
    than two grades (the list says it all)."""
    if len(points) < 2:
        return mark_safe("")
    language = get_language()
    averaged = [(p.day, p.average) for p in points if p.average is not None]
    body = []
    if averaged:
        body.append(f'<polyline class="cmp-trend-average" points="{_points(frame, averaged)}"/>')
    body.append(
        f'<polyline class="cmp-trend-line" '
        f'points="{_points(frame, [(p.day, p.value) for p in points])}"/>'
    )
    body.extend(_marker(frame, point) for point in points)
    below = sum(1 for p in points if p.below)
    last = points[-1]
    pass_mark = format_grade(PASS_MARK)
    description = " ".join(
        part
        for part in [
            ngettext("%(n)s voto %(span)s.", "%(n)s voti %(span)s.", len(points))
            % {"n": len(points), "span": _span(points, language)},
            _("Ultimo voto: %(grade)s.", language) % {"grade": last.shown},
            _("Media: %(avg)s.", language) % {"avg": _average(last.average)}
            if last.average is not None
            else "",
            ngettext(
                "%(n)s voto sotto la sufficienza (%(pass)s).",
                "%(n)s voti sotto la sufficienza (%(pass)s).",
                below,
            )
            % {"n": below, "pass": pass_mark},
            _("I valori sono nella tabella «Dati del grafico».", language),
        ]
        if part
    )
    title = _("Andamento dei voti di %(subject)s", language) % {"subject": subject}
    legend = _subject_legend(language)
    rows = [
        [
            f"{p.day:%d/%m/%Y}",
            _marked(p, p.shown, language),
            "—" if p.average is None else escape(_average(p.average)),
        ]
        for p in points
    ]
    table = _table(
        _("Voti di %(subject)s per data, con la media dopo ogni voto", language)
        % {"subject": subject},
        [_("Data", language), _("Voto", language), _("Media", language)],
        rows,
        language,
    )
    svg = _svg(frame, chart_id, title, description, body, language)
    html = f'<figure class="cmp-trend mb-2">{svg}{legend}</figure>{table}'
    return mark_safe(html)  # noqa: S308 - every text above is escaped


def overall_chart(points: list[TrendPoint], frame: Frame) -> SafeString:
    """The overall average day by day with the pass line; "" before two days of grades."""
    if len(points) < 2:
        return mark_safe("")
    body = [
        f'<polyline class="cmp-trend-line" '
        f'points="{_points(frame, [(p.day, p.value) for p in points])}"/>',
        *(_marker(frame, point) for point in points),
    ]
    pass_mark = format_grade(PASS_MARK)
    language = get_language()
    description = " ".join(
        [
            _("Media generale %(span)s: da %(first)s a %(last)s.", language)
            % {
                "span": _span(points, language),
                "first": points[0].shown,
                "last": points[-1].shown,
            },
            _("Sufficienza: %(pass)s.", language) % {"pass": pass_mark},
            _("I valori sono nella tabella «Dati del grafico».", language),
        ]
    )
    legend = _legend(
        [
            ("cmp-swatch-line", _("media generale", language)),
            ("cmp-swatch-pass", _("sufficienza (%(pass)s)", language) % {"pass": pass_mark}),
        ]
    )
    rows = [[f"{p.day:%d/%m/%Y}", _marked(p, p.shown, language)] for p in points]
    table = _table(
        _("Media generale dopo ogni giorno con voti", language),
        [_("Data", language), _("Media generale", language)],
        rows,
        language,
    )
    title = _("Andamento della media generale", language)
    svg = _svg(frame, "andamento-generale", title, description, body, language)
    html = f'<figure class="cmp-trend mb-2">{svg}{legend}</figure>{table}'
    return mark_safe(html)  # noqa: S308 - every text above is escaped
