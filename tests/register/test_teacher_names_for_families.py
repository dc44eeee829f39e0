"""Issue 11, item 2: families read who signed a lesson, gave a grade, wrote a note; by full
name (no login), in a number of queries that does not grow with the data."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.people.models import Staff, User
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def name_of(user: User) -> str:
    return Staff.objects.get(user=user).full_name


def day_url(cast: Cast, name: str, day: datetime.date) -> str:
    return reverse(f"register:{name}", args=[cast.classroom_1a.pk, day.isoformat()])


def family_page(cast: Cast, url_name: str) -> str:
    client = cast.client_for(cast.guardian)
    html = client.get(reverse(url_name, args=[cast.child.pk])).content.decode()
    return html.split('<main id="main"', 1)[1]


def sign_and_note(cast: Cast, day: datetime.date, topic: str) -> None:
    teacher, coordinator = cast.client_for(cast.teacher), cast.client_for(cast.coordinator)
    slot = cast.school.hour_slots.get(number=1)
    teacher.post(day_url(cast, "sign", day), {"slot": slot.pk, "topic": topic})
    coordinator.post(day_url(cast, "sign", day), {"slot": slot.pk})  # a substitute joins
    teacher.post(day_url(cast, "note", day), {"text": f"Nota del {day}"})
    coordinator.post(
        day_url(cast, "annotation", day),
        {"text": f"Uscita didattica del {day}", "visible_to_family": "on"},
    )


def test_the_family_register_names_the_teachers(cast: Cast) -> None:
    sign_and_note(cast, school_day(cast), "Equazioni di primo grado")
    page = family_page(cast, "register:student")
    teacher, coordinator = name_of(cast.teacher), name_of(cast.coordinator)
    assert f"Matematica ({teacher}, {coordinator} – supplenza): Equazioni di primo grado" in page
    assert f"nota disciplinare ({teacher}): Nota del" in page
    assert f"({coordinator}) · Uscita didattica del" in page
    for login in ("teacher", "coordinator"):
        assert f">{login}<" not in page and f"({login})" not in page


def test_a_cancelled_signature_is_not_shown(cast: Cast) -> None:
    day = school_day(cast)
    sign_and_note(cast, day, "Frazioni")
    cast.classroom_1a.lessons.get().signatures.filter(teacher__user=cast.coordinator).update(
        cancelled_at=timezone.now()
    )
    page = family_page(cast, "register:student")
    assert f"Matematica ({name_of(cast.teacher)}): Frazioni" in page


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_family_register_queries_do_not_grow_with_lessons(cast: Cast) -> None:
    day = school_day(cast)
    sign_and_note(cast, day, "Primo argomento")
    guardian = cast.client_for(cast.guardian)
    url = reverse("register:student", args=[cast.child.pk])
    before = count(guardian, url)
    earlier = day
    for n in range(4):
        earlier = school_day(cast, earlier - datetime.timedelta(days=1))
        sign_and_note(cast, earlier, f"Argomento {n}")
    assert count(guardian, url) == before
    page = guardian.get(url).content.decode()
    assert "Argomento 0" in page and page.count(name_of(cast.coordinator)) >= 4


def enter_grade(cast: Cast, text: str) -> None:
    url = reverse("grades:book_save", args=[cast.classroom_1a.pk, cast.maths.pk])
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "1",
            f"voto-{cast.child.pk}": text}  # fmt: skip
    assert cast.client_for(cast.teacher).post(url, data).status_code == 302


def test_the_family_grades_page_names_who_gave_each_grade(cast: Cast) -> None:
    enter_grade(cast, "7+")
    guardian = cast.client_for(cast.guardian)
    url = reverse("grades:student", args=[cast.child.pk])
    before = count(guardian, url)  # computed anew after a change, as after each below
    assert f"orale · {name_of(cast.teacher)}" in family_page(cast, "grades:student")
    for text in ("6", "8-", "5½"):
        enter_grade(cast, text)
    assert count(guardian, url) == before
    assert guardian.get(url).content.decode().count(name_of(cast.teacher)) == 4
