"""Issue 11, item 1: the office filters the history by a student and reads a grade correction
in Italian, with names, the grade's notation and the reason; then that grade's own history."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.grades.services import grade_add, grade_change
from campanella.people.models import Staff
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast, school_day


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_the_office_reads_a_grade_correction_of_one_student(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    cast = live_cast
    day = school_day(cast)
    for student, text in ((cast.child, "6-"), (cast.other_child, "8")):
        grade = grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=student,
            day=day, kind="orale", text=text,
        )  # fmt: skip
        if student == cast.child:
            grade_change(user=cast.teacher, grade=grade, text="6½", reason="somma dei punti errata")
    teacher = Staff.objects.get(user=cast.teacher).full_name
    base = live_server.url
    page = desktop.page
    login(page, base, "office", PASSWORD)
    page.goto(f"{base}/registro/storico/")
    assert_accessible(page)
    page.select_option("#id_classe", str(cast.classroom_1a.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Filtra").click()
    page.select_option("#id_alunno", label=cast.child.full_name)
    with page.expect_navigation():
        page.get_by_role("button", name="Filtra").click()
    found = page.get_by_test_id("history-entry")
    assert found.count() == 2  # the grade given, then corrected
    correction = " ".join(found.first.inner_text().split())
    assert "Modifica · Voto" in correction and cast.child.full_name in correction
    assert "Matematica" in correction and teacher in correction
    assert "Voto: 6- → diventa 6½" in correction  # "diventa" for screen readers
    assert "Motivo: somma dei punti errata" in correction
    assert cast.other_child.full_name not in page.get_by_test_id("history").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        found.first.get_by_role("link").click()
    assert "Storico: Voto" in page.locator("h1").inner_text()
    assert page.get_by_test_id("history-entry").count() == 2
    assert_accessible(page)
    assert desktop.errors == []

    filtered = f"{base}/registro/storico/?classe={cast.classroom_1a.pk}&alunno={cast.child.pk}"
    small = phone.page
    login(small, base, "office", PASSWORD)
    small.goto(filtered)
    assert small.get_by_test_id("history-entry").count() == 2
    assert_accessible(small)
    assert_fits_the_screen(small)
    assert phone.errors == []
