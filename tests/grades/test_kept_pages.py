"""Grade pages keep what they computed under the classroom's grades stamp: an unchanged page is
not computed again, and any change that shows on it (a grade written, corrected, cancelled or
hidden, a subject renamed, a term moved, averages weighted or not, a new day) shows at once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.grades.models import Grade, GradesStamp
from campanella.grades.selectors import grades_stamp
from campanella.grades.services import (
    grade_add,
    grade_cancel,
    grade_change,
    grade_details_change,
    grades_changed,
)
from campanella.people.models import Enrollment
from campanella.school.models import ClassroomSubject, Term
from tests import factories as f
from tests.conftest import Cast
from tests.interop.helpers import People, csv_bytes, upload_and_apply

pytestmark = pytest.mark.django_db


def add(cast: Cast, text: str, **kwargs: object) -> Grade:
    values: dict[str, object] = {
        "user": cast.teacher, "classroom": cast.classroom_1a, "subject": cast.maths,
        "student": cast.child, "day": timezone.localdate(), "kind": "scritto", "text": text,
    }  # fmt: skip
    values.update(kwargs)
    return grade_add(**values)  # type: ignore[arg-type]


def page(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def row_of(student: Any) -> str:
    """The book's row of a student (names are random and may repeat)."""
    return f'data-testid="average-{student.pk}"'


def family_url(cast: Cast) -> str:
    return reverse("grades:student", args=[cast.child.pk])


def book_url(cast: Cast) -> str:
    return reverse("grades:book", args=[cast.classroom_1a.pk, cast.maths.pk])


def test_an_unchanged_page_is_not_computed_again(cast: Cast) -> None:
    add(cast, "7")
    for client, url in (
        (cast.client_for(cast.guardian), family_url(cast)),
        (cast.client_for(cast.teacher), book_url(cast)),
    ):
        first, shown = page(client, url)
        again, shown_again = page(client, url)
        assert again < first, url  # the grades, read once
        assert shown_again.count(">7<") == shown.count(">7<") >= 1


def test_every_write_of_a_grade_shows_at_once(cast: Cast) -> None:
    family = cast.client_for(cast.guardian)
    book = cast.client_for(cast.teacher)
    grade = add(cast, "7")
    assert ">7<" in page(family, family_url(cast))[1] and ">7<" in page(book, book_url(cast))[1]
    grade_change(user=cast.teacher, grade=grade, text="8-", reason="Errore di battitura")
    assert ">8-<" in page(family, family_url(cast))[1] and ">8-<" in page(book, book_url(cast))[1]
    grade_details_change(
        user=cast.teacher, grade=grade, description="Verifica sulle frazioni", comment="Bene",
        weight=Decimal("1"), counts_in_average=True, visible_from=None,
    )  # fmt: skip
    assert "Verifica sulle frazioni" in page(family, family_url(cast))[1]
    grade_cancel(user=cast.teacher, grade=grade, reason="Prova ripetuta")
    assert ">8-<" not in page(family, family_url(cast))[1]
    assert ">8-<" not in page(book, book_url(cast))[1]


def test_a_grade_hidden_until_tomorrow_appears_tomorrow(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = cast.client_for(cast.guardian)
    today = timezone.localdate()
    add(cast, "9", visible_from=today + datetime.timedelta(days=1))
    assert ">9<" not in page(family, family_url(cast))[1]
    assert ">9<" in page(cast.client_for(cast.teacher), book_url(cast))[1]
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert ">9<" in page(family, family_url(cast))[1]


def test_a_renamed_subject_shows_with_its_new_name(cast: Cast) -> None:
    family = cast.client_for(cast.guardian)
    add(cast, "7")
    assert "Matematica" in page(family, family_url(cast))[1]
    cast.maths.name = "Matematica e complementi"
    cast.maths.save()
    assert "Matematica e complementi" in page(family, family_url(cast))[1]


def test_weighted_averages_switched_off_show_at_once(cast: Cast) -> None:
    family = cast.client_for(cast.guardian)
    add(cast, "8", weight=Decimal("3"))
    add(cast, "4")
    assert page(family, family_url(cast))[1].count(">7,00<") >= 1  # (8×3 + 4) / 4
    cast.institute.weighted_averages = False
    cast.institute.save()
    assert page(family, family_url(cast))[1].count(">6,00<") >= 1


def test_a_term_moved_shows_its_grades_anew(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TERMS_SECONDS = 60  # kept, as in production: a saved term is dropped
    family = cast.client_for(cast.guardian)
    add(cast, "7")
    assert ">7<" in page(family, family_url(cast))[1]
    term = Term.objects.get(school=cast.school)
    term.end_date = timezone.localdate() - datetime.timedelta(days=1)
    term.start_date = min(term.start_date, term.end_date)
    with django_capture_on_commit_callbacks(execute=True):  # the terms dropped once committed
        term.save()
    # Today is in no term now: the page shows the first, which ends before today's grade.
    assert ">7<" not in page(family, family_url(cast))[1]


def test_a_write_rolled_back_leaves_the_stamp(cast: Cast) -> None:
    add(cast, "7")
    stamp = grades_stamp(cast.classroom_1a.pk)
    assert stamp != 0
    seen_inside: list[int] = []

    def add_then_fail() -> None:
        with transaction.atomic():
            add(cast, "5")
            seen_inside.append(grades_stamp(cast.classroom_1a.pk))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        add_then_fail()
    assert seen_inside and seen_inside[0] != stamp
    assert grades_stamp(cast.classroom_1a.pk) == stamp


def test_the_book_follows_enrollments_and_names(cast: Cast) -> None:
    book = cast.client_for(cast.teacher)
    add(cast, "7")
    assert row_of(cast.child) in page(book, book_url(cast))[1]
    newcomer = f.EnrollmentFactory(classroom=cast.classroom_1a).student
    assert row_of(newcomer) in page(book, book_url(cast))[1]
    cast.child.surname = "Rinominato"
    cast.child.save()
    assert "Rinominato" in page(book, book_url(cast))[1]
    leaving = Enrollment.objects.get(student=newcomer)
    leaving.exit_date = timezone.localdate() - datetime.timedelta(days=1)
    leaving.save()
    assert row_of(newcomer) not in page(book, book_url(cast))[1]
    moved = Enrollment.objects.get(student=cast.other_child, classroom=cast.classroom_1a)
    page(book, book_url(cast))
    moved.classroom = cast.classroom_2b
    moved.save()
    assert row_of(cast.other_child) not in page(book, book_url(cast))[1]


def test_a_student_enrolled_from_tomorrow_appears_tomorrow(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = cast.client_for(cast.teacher)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    newcomer = f.EnrollmentFactory(classroom=cast.classroom_1a, entry_date=tomorrow).student
    assert row_of(newcomer) not in page(book, book_url(cast))[1]
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert row_of(newcomer) in page(book, book_url(cast))[1]


def test_an_import_renews_every_classroom_of_the_institute(cast: Cast) -> None:
    add(cast, "7")
    before = {pk: grades_stamp(pk) for pk in (cast.classroom_1a.pk, cast.classroom_2b.pk)}
    result = upload_and_apply(cast, csv_bytes([People().student_row("1A", guardians=1)]))
    assert result.applied
    after = {pk: grades_stamp(pk) for pk in before}
    assert all(after[pk] != before[pk] for pk in before)


def test_a_deleted_term_is_no_longer_offered(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TERMS_SECONDS = 60
    family = cast.client_for(cast.guardian)
    add(cast, "7")
    year_end = cast.classroom_1a.school_year.end_date
    extra = f.TermFactory(
        school_year=cast.classroom_1a.school_year, school=cast.school, number=9,
        start_date=year_end - datetime.timedelta(days=1), end_date=year_end,
    )  # fmt: skip
    assert f'value="{extra.pk}"' in page(family, family_url(cast))[1]
    with django_capture_on_commit_callbacks(execute=True):
        extra.delete()
    assert f'value="{extra.pk}"' not in page(family, family_url(cast))[1]


def test_a_subject_taken_off_the_classroom_is_renamed_on_its_grades(cast: Cast) -> None:
    family = cast.client_for(cast.guardian)
    add(cast, "7")
    assert "Matematica" in page(family, family_url(cast))[1]
    ClassroomSubject.objects.filter(classroom=cast.classroom_1a, subject=cast.maths).delete()
    cast.maths.name = "Matematica (vecchio piano)"
    cast.maths.save()
    assert "Matematica (vecchio piano)" in page(family, family_url(cast))[1]


def test_a_classroom_never_stamped_is_computed_every_time(cast: Cast) -> None:
    """A database made anew starts stamps from 0: what a shared cache holds is not used."""
    add(cast, "7")
    GradesStamp.objects.all().delete()
    family = cast.client_for(cast.guardian)
    first, shown = page(family, family_url(cast))
    again, _shown = page(family, family_url(cast))
    assert again == first and ">7<" in shown


def test_the_stamps_follow_the_classrooms_order(cast: Cast) -> None:
    """Renewed in id order whatever the order asked (no crosswise waits between writers)."""
    # Two classrooms whose ids a set yields out of order (for small sets, by id modulo 8).
    year = cast.classroom_1a.school_year
    made = [f.ClassroomFactory(school=cast.school, school_year=year).pk]
    while not any(list({made[-1], pk}) == [made[-1], pk] for pk in made[:-1]):
        made.append(f.ClassroomFactory(school=cast.school, school_year=year).pk)
    high = made[-1]
    low = next(pk for pk in made[:-1] if list({high, pk}) == [high, pk])
    seen: list[list[Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("INSERT"):
            seen.append(list(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        grades_changed([high, low, high])
    (params,) = seen
    # SQLite: (id, stamp) pairs; PostgreSQL: one array of ids, one of stamps (UNNEST).
    ids = params[0] if isinstance(params[0], list) else params[0::2]
    assert ids == [low, high]
