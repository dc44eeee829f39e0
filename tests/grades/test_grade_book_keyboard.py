"""Issue 11, item 3: the grade book by keyboard, server side. A refused value comes back in its
cell marked invalid and tied to its reason (with and without JavaScript); a saved one is said
next to its cell; the comment for the family is written with the grade, through the grade
service and with its history; grades and averages under the pass mark carry a non-colour cue."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from campanella.audit.services import history_of
from campanella.grades.models import COMMENT_LENGTH, Grade
from campanella.grades.services import GradeInputError, grade_add
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

FRAGMENT = {"HTTP_CAMPANELLA_FRAGMENT": "righe"}


class Elements(HTMLParser):
    """Each element with an id: its attributes and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attributes: dict[str, dict[str, str | None]] = {}
        self.texts: dict[str, str] = {}
        self.open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        element_id = found.get("id")
        if element_id:
            self.attributes[element_id] = found
            self.texts[element_id] = ""
        if tag not in {"input", "br", "meta", "link", "img"}:
            self.open.append(element_id)

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"input", "br", "meta", "link", "img"} and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self.open:
            if element_id:
                self.texts[element_id] += data


def save_url(cast: Cast) -> str:
    return reverse("grades:book_save", args=[cast.classroom_1a.pk, cast.maths.pk])


def book_url(cast: Cast) -> str:
    return reverse("grades:book", args=[cast.classroom_1a.pk, cast.maths.pk])


def typed(**cells: str) -> dict[str, str]:
    return {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "1", **cells}


def test_a_refused_value_comes_back_in_its_cell_marked_and_described(cast: Cast) -> None:
    teacher = cast.client_for(cast.teacher)
    child, other = cast.child.pk, cast.other_child.pk
    posted = typed(**{f"voto-{child}": "11", f"voto-{other}": "7"})
    page = teacher.post(save_url(cast), posted, follow=True).content.decode()
    found = Elements(page)
    cell = found.attributes[f"voto-{child}"]
    assert cell["aria-invalid"] == "true"
    assert cell["aria-describedby"] == f"voto-{child}-stato"
    assert cell["value"] == "11" and "autofocus" in cell  # the cursor waits in it
    assert "fuori scala" in found.texts[f"voto-{child}-stato"]
    assert found.attributes[f"voto-{child}-stato"]["role"] == "status"
    # The other value was not refused, but nothing was saved (all or nothing): said so.
    assert "aria-invalid" not in found.attributes[f"voto-{other}"]
    assert found.attributes[f"voto-{other}"]["value"] == "7"
    assert "Non salvato" in found.texts[f"voto-{other}-stato"]
    assert not Grade.objects.exists()


def test_enter_saves_in_place_and_says_it_next_to_the_cell(cast: Cast) -> None:
    """What grade-book.js asks for: the rows, saved or not."""
    teacher = cast.client_for(cast.teacher)
    child = cast.child.pk
    refused = teacher.post(save_url(cast), typed(**{f"voto-{child}": "0"}), **FRAGMENT)
    assert 'data-salvato="no"' in refused.content.decode()
    found = Elements(refused.content.decode())
    assert found.attributes[f"voto-{child}"]["aria-invalid"] == "true"
    assert found.attributes[f"voto-{child}"]["aria-describedby"] == f"voto-{child}-stato"
    assert found.attributes[f"voto-{child}"]["value"] == "0"
    assert "fuori scala" in found.texts[f"voto-{child}-stato"]

    saved = teacher.post(save_url(cast), typed(**{f"voto-{child}": "7+"}), **FRAGMENT)
    assert 'data-salvato="si"' in saved.content.decode()
    found = Elements(saved.content.decode())
    assert found.texts[f"voto-{child}-stato"] == "Salvato: 7+"
    assert "aria-invalid" not in found.attributes[f"voto-{child}"]
    assert found.attributes[f"voto-{child}"]["value"] == ""  # the cell is free again
    assert Grade.objects.get().student_id == child
    # Said next to the cell, not kept for the next page's top.
    assert "voti registrati" not in teacher.get(book_url(cast)).content.decode()


def test_the_comment_for_the_family_is_written_with_the_grade(cast: Cast) -> None:
    teacher = cast.client_for(cast.teacher)
    child = cast.child.pk
    posted = typed(**{f"voto-{child}": "5½", f"commento-{child}": " Ripassare le frazioni "})
    saved = teacher.post(save_url(cast), posted, **FRAGMENT)
    assert 'data-salvato="si"' in saved.content.decode()
    assert Elements(saved.content.decode()).texts[f"voto-{child}-stato"] == (
        "Salvato: 5½, con il commento"
    )
    grade = Grade.objects.get()
    assert grade.comment == "Ripassare le frazioni"
    (created,) = history_of(grade)
    assert created.after is not None and created.after["comment"] == "Ripassare le frazioni"
    family = cast.client_for(cast.guardian).get(reverse("grades:student", args=[child]))
    assert "Ripassare le frazioni" in family.content.decode()


def test_a_comment_alone_or_too_long_is_refused_and_nothing_saved(cast: Cast) -> None:
    teacher = cast.client_for(cast.teacher)
    child, other = cast.child.pk, cast.other_child.pk
    alone = typed(**{f"commento-{child}": "Bravo", f"voto-{other}": "8"})
    answer = teacher.post(save_url(cast), alone, **FRAGMENT)
    assert 'data-salvato="no"' in answer.content.decode()
    found = Elements(answer.content.decode())
    assert found.attributes[f"voto-{child}"]["aria-invalid"] == "true"
    assert "Scrivi anche il voto" in found.texts[f"voto-{child}-stato"]
    assert found.attributes[f"commento-{child}"]["value"] == "Bravo"  # kept to fix
    long = typed(**{f"voto-{child}": "8", f"commento-{child}": "x" * (COMMENT_LENGTH + 1)})
    answer = teacher.post(save_url(cast), long, **FRAGMENT)
    assert 'data-salvato="no"' in answer.content.decode()
    assert (
        "al massimo 1000 caratteri"
        in Elements(answer.content.decode()).texts[f"voto-{child}-stato"]
    )
    assert not Grade.objects.exists()


def test_the_service_refuses_a_too_long_comment_on_every_path(cast: Cast) -> None:
    with pytest.raises(GradeInputError):
        grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=cast.child, day=timezone.localdate(), kind="orale", text="7",
            comment="x" * (COMMENT_LENGTH + 1),
        )  # fmt: skip
    assert not Grade.objects.exists()


def test_the_book_has_no_grade_links_between_its_cells_without_its_script(cast: Cast) -> None:
    """The cells come in page order (grade, comment, next grade); grade-book.js takes the
    grade links out of the Tab order; the keys are written on the page."""
    page = cast.client_for(cast.teacher).get(book_url(cast)).content.decode()
    assert "grade-book.js" in page and "data-grade-book" in page
    assert "Da tastiera" in page and "<kbd>Invio</kbd>" in page


def add(cast: Cast, student: Any, text: str) -> Grade:
    return grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=student,
        day=timezone.localdate(), kind="scritto", text=text,
    )  # fmt: skip


BELOW = '<span class="cmp-below"><span class="cmp-below-mark" aria-hidden="true">▼</span>'


def test_grades_and_averages_below_the_pass_mark_are_marked(cast: Cast) -> None:
    add(cast, cast.child, "5-")
    add(cast, cast.child, "5½")
    add(cast, cast.other_child, "6")
    below_grade = f'{BELOW}5-<span class="visually-hidden"> (insufficiente)</span></span>'
    below_average = f'{BELOW}5,13<span class="visually-hidden"> (insufficiente)</span></span>'

    book = cast.client_for(cast.teacher).get(book_url(cast)).content.decode()
    assert below_grade in book
    assert f'data-testid="average-{cast.child.pk}">{below_average}</td>' in book
    assert f'data-testid="average-{cast.other_child.pk}">6,00</td>' in book  # 6 is sufficient
    assert "sotto la sufficienza (6)" in book  # the legend

    family = cast.client_for(cast.guardian).get(reverse("grades:student", args=[cast.child.pk]))
    html = family.content.decode()
    assert below_grade in html and below_average in html
    assert "sotto la sufficienza (6)" in html

    overview = cast.client_for(cast.coordinator).get(
        reverse("grades:classroom", args=[cast.classroom_1a.pk])
    )
    html = overview.content.decode()
    assert below_average in html  # the child's average
    assert f'{BELOW}5,57<span class="visually-hidden"> (insufficiente)</span>' in html  # class
    assert "sotto la sufficienza (6)" in html
