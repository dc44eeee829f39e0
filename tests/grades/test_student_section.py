"""The family grades page's section built in Python (grades.views.section_html) writes, byte
for byte, what its template wrote: that template is kept here as the reference
(tests/grades/templates/reference/student_section.html), rendered with Django's engine on the
same values: no subjects, subjects with and without a chart, with and without the overall
chart, names to escape, in Italian and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Engine
from django.utils import translation
from django.utils.safestring import mark_safe

from campanella.grades import selectors
from campanella.grades.views import section_html
from campanella.lib.grades import format_grade

REFERENCE = Engine(
    dirs=[str(Path(__file__).parent / "templates")],
    libraries={"i18n": "django.templatetags.i18n"},
)


def _subjects() -> list[dict[str, Any]]:
    return [
        {
            "id": 12,
            "name": "Storia & <Geografia> 'x'",
            "grades": mark_safe('<li class="mb-1"><strong>7</strong></li>'),
            "average": mark_safe("<span>7</span>"),
            "chart": mark_safe("<figure>chart</figure>"),
        },
        {
            "id": 1234567,
            "name": "Matematica",
            "grades": mark_safe("<li>5</li>"),
            "average": mark_safe("5"),
            "chart": "",
        },
    ]


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("many", [0, 1, 2])
@pytest.mark.parametrize("overall_chart", ["", mark_safe("<svg>overall</svg>")])
def test_section_is_the_template_it_replaced(language: str, many: int, overall_chart: str) -> None:
    template = REFERENCE.get_template("reference/student_section.html")
    subjects = _subjects()[:many]
    overall = mark_safe("<strong>6,5</strong>")
    with translation.override(language):
        expected = template.render(
            Context(
                {
                    "subjects": subjects,
                    "overall": overall,
                    "overall_chart": overall_chart,
                    "pass_mark": format_grade(selectors.PASS_MARK),
                }
            )
        )
        assert section_html(subjects, overall, overall_chart) == expected


def test_the_comparison_can_fail() -> None:
    template = REFERENCE.get_template("reference/student_section.html")
    context = {"subjects": _subjects()[:1], "overall": "", "overall_chart": "", "pass_mark": "6"}
    assert section_html(_subjects(), "", "") != template.render(Context(context))
    assert "Storia &amp; &lt;Geografia&gt; &#x27;x&#x27;" in section_html(_subjects(), "", "")
