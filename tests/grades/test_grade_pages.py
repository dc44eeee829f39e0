"""The grade book and the family's grades through the pages."""

from __future__ import annotations

import datetime
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campanella.accounts.selectors import latest_grades
from campanella.accounts.services import api_token_issue
from campanella.grades.models import Grade
from campanella.grades.selectors import shown
from campanella.grades.services import grade_add
from campanella.lib.grades import JUDGEMENTS
from campanella.people.models import Staff
from campanella.people.selectors import enrolled_students
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def book_url(cast: Cast, name: str = "grades:book") -> str:
    return reverse(name, args=[cast.classroom_1a.pk, cast.maths.pk])


def enter(cast: Cast, grades: dict[int, str], **extra: str) -> object:
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "1", **extra}
    data.update({f"voto-{pk}": text for pk, text in grades.items()})
    return cast.client_for(cast.teacher).post(book_url(cast, "grades:book_save"), data, follow=True)


def test_teacher_enters_grades_family_sees_them_with_averages(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "7+"})
    enter(cast, {cast.child.pk: "5½"})
    book = cast.client_for(cast.teacher).get(book_url(cast)).content.decode()
    assert "7+" in book and "5½" in book
    assert f'data-testid="average-{cast.child.pk}">6,38<' in book
    family = (
        cast.client_for(cast.guardian)
        .get(reverse("grades:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "7+" in family and "5½" in family and "6,38" in family
    assert "<polyline" in family and 'role="img"' in family


def test_whole_class_entry_is_all_or_nothing(cast: Cast) -> None:
    page = enter(cast, {cast.child.pk: "8", cast.other_child.pk: "7++", cast.adult_student.pk: "6"})
    assert "Voto non valido" in page.content.decode()  # type: ignore[attr-defined]
    assert not Grade.objects.exists()
    enter(
        cast,
        {cast.child.pk: "8", cast.other_child.pk: "7", cast.adult_student.pk: "6"},
        description="Compito 1",
    )
    assert Grade.objects.filter(description="Compito 1").count() == 3


def test_grade_out_of_range_and_future_date_are_refused(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "11"})
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    enter(cast, {cast.child.pk: "7"}, date=future)
    assert not Grade.objects.exists()


def test_hidden_grade_is_not_shown_to_the_family_before_its_date(cast: Cast) -> None:
    cast.institute.grades_visible_after_days = 3
    cast.institute.save()
    enter(cast, {cast.child.pk: "9"})
    family = (
        cast.client_for(cast.guardian)
        .get(reverse("grades:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "Nessun voto" in family
    teacher = (
        cast.client_for(cast.teacher)
        .get(reverse("grades:student", args=[cast.child.pk]))
        .content.decode()
    )
    assert "<strong>9</strong>" in teacher


@pytest.mark.parametrize(
    "who", ["other_teacher", "guardian", "child_user", "outsider", "foreign_office"]
)
def test_grade_book_refuses_outsiders(cast: Cast, who: str) -> None:
    client = cast.client_for(getattr(cast, who))
    assert client.get(book_url(cast)).status_code == 404
    assert client.get(book_url(cast, "grades:book_export")).status_code == 404
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", f"voto-{cast.child.pk}": "7"}
    assert client.post(book_url(cast, "grades:book_save"), data).status_code == 404
    assert not Grade.objects.exists()


def test_coordinator_reads_but_cannot_grade_another_subject(cast: Cast) -> None:
    page = cast.client_for(cast.coordinator).get(book_url(cast)).content.decode()
    assert "Salva i voti" not in page
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", f"voto-{cast.child.pk}": "7"}
    assert (
        cast.client_for(cast.coordinator).post(book_url(cast, "grades:book_save"), data).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["other_guardian", "outsider", "other_teacher"])
def test_family_grades_refuse_other_families(cast: Cast, who: str) -> None:
    response = cast.client_for(getattr(cast, who)).get(
        reverse("grades:student", args=[cast.child.pk])
    )
    assert response.status_code == 404


def test_export_xlsx(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "6-"})
    response = cast.client_for(cast.teacher).get(book_url(cast, "grades:book_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert any("6-" in str(v) for v in values)
    assert cast.child.full_name in values


def count(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_grade_pages_queries_do_not_grow(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "7", cast.other_child.pk: "6"})
    teacher = cast.client_for(cast.teacher)
    guardian = cast.client_for(cast.guardian)
    urls = [(teacher, book_url(cast)), (guardian, reverse("grades:student", args=[cast.child.pk]))]
    before = [count(c, u) for c, u in urls]
    for _ in range(5):
        f.EnrollmentFactory(classroom=cast.classroom_1a)
    for text in ("8", "6+", "5"):
        enter(cast, {cast.child.pk: text, cast.other_child.pk: text})
    assert [count(c, u) for c, u in urls] == before


def test_teacher_corrects_and_cancels_a_grade_with_reasons(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "6"})
    grade = Grade.objects.get()
    url = reverse("grades:detail", args=[grade.pk])
    teacher = cast.client_for(cast.teacher)
    refused = teacher.post(url, {"action": "change", "grade": "7", "reason": ""}, follow=True)
    assert "motivo" in refused.content.decode()
    teacher.post(url, {"action": "change", "grade": "6½", "reason": "Errore di battitura"})
    teacher.post(url, {"action": "cancel", "reason": "Prova ripetuta"})
    grade.refresh_from_db()
    assert str(grade.value) == "6.50" and grade.cancelled_at is not None
    history = teacher.get(url).content.decode().split('data-testid="grade-history"')[1]
    assert "Errore di battitura" in history and "Prova ripetuta" in history
    assert cast.client_for(cast.other_teacher).get(url).status_code == 404
    assert (
        cast.client_for(cast.coordinator).post(url, {"action": "cancel", "reason": "x"}).status_code
        == 404
    )


def test_latest_grades_on_the_family_home(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "8-"})
    home = cast.client_for(cast.guardian).get(reverse("accounts:home")).content.decode()
    latest = home.split('data-testid="latest-grades"')[1].split("</ul>")[0]
    assert "<strong>8-</strong> Matematica" in latest


def test_latest_grades_read_as_values_are_the_grades_shown(cast: Cast) -> None:
    """The home reads its latest grades as plain values (accounts.selectors.LatestGrade):
    numbers, descriptive levels and judgements show as the stored grades do."""
    enter(cast, {cast.child.pk: "8-", cast.other_child.pk: "6"})
    enter(cast, {cast.child.pk: "5½"})
    enter(cast, {cast.child.pk: "7"})
    grades = list(Grade.objects.filter(student=cast.child).order_by("-date", "-pk"))
    Grade.objects.filter(pk=grades[0].pk).update(scale="livello", value=None, level="avanzato")
    Grade.objects.filter(pk=grades[1].pk).update(
        scale="giudizio", value=None, judgement=JUDGEMENTS[0][0]
    )
    stored = Grade.objects.filter(student=cast.child).select_related("subject")
    expected = [(shown(g), g.subject.name, g.date) for g in stored.order_by("-date", "-pk")[:3]]
    found = latest_grades([cast.child.pk, cast.other_child.pk])
    assert found[cast.child.pk] == expected
    assert [text for text, _s, _d in found[cast.child.pk]] == ["Avanzato", JUDGEMENTS[0][1], "8-"]
    assert [text for text, _s, _d in found[cast.other_child.pk]] == ["6"]


def test_class_overview_shows_every_average_for_the_coordinator(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "8", cast.other_child.pk: "6"})
    enter(cast, {cast.child.pk: "7"})
    grade_add(
        user=cast.coordinator, classroom=cast.classroom_1a, subject=cast.italian,
        student=cast.child, day=timezone.localdate(), kind="orale", text="6½",
    )  # fmt: skip
    url = reverse("grades:classroom", args=[cast.classroom_1a.pk])
    page = cast.client_for(cast.coordinator).get(url).content.decode()
    table = page.split('data-testid="class-averages"')[1]
    # Columns by name: Italiano, Matematica. The child: 6,50 and 7,50 → overall 7,00.
    child_row = table.split(cast.child.name)[1].split("</tr>")[0]
    assert "<td>6,50</td><td>7,50</td>" in child_row
    assert f'data-testid="overall-{cast.child.pk}"><strong>7,00</strong>' in child_row
    # The class: Italiano only the child (6,50); Matematica (7,50 + 6,00) / 2 = 6,75.
    assert 'data-testid="class-average-1">6,50<' in table
    assert 'data-testid="class-average-2">6,75<' in table
    assert reverse("grades:book", args=[cast.classroom_1a.pk, cast.maths.pk]) in table
    # The principal sees it too; a teacher of another classroom and families do not.
    assert cast.client_for(cast.principal).get(url).status_code == 200
    for who in ("other_teacher", "guardian", "child_user", "outsider", "foreign_office"):
        assert cast.client_for(getattr(cast, who)).get(url).status_code == 404, who


def test_class_overview_queries_do_not_grow(cast: Cast) -> None:
    url = reverse("grades:classroom", args=[cast.classroom_1a.pk])
    coordinator = cast.client_for(cast.coordinator)
    enter(cast, {cast.child.pk: "7"})
    before = count(coordinator, url)
    for _ in range(4):
        f.EnrollmentFactory(classroom=cast.classroom_1a)
    for text in ("8", "6+", "5"):
        enter(cast, {cast.child.pk: text, cast.other_child.pk: text})
    assert count(coordinator, url) == before


def test_grade_texts_are_escaped_on_every_page(cast: Cast) -> None:
    attack = '<script>alert("x")</script>'
    grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=timezone.localdate(), kind="scritto", text="7", description=attack, comment=attack,
    )  # fmt: skip
    pages = [
        cast.client_for(cast.teacher).get(book_url(cast)),
        cast.client_for(cast.guardian).get(reverse("grades:student", args=[cast.child.pk])),
    ]
    for response in pages:
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_after_one_grade_the_book_moves_on_and_keeps_the_test(cast: Cast) -> None:
    order = [s.pk for s in enrolled_students(cast.classroom_1a)]
    url = book_url(cast, "grades:book_save")
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "0,5",
            "description": "Interrogazione breve"}  # fmt: skip
    teacher = cast.client_for(cast.teacher)
    first = teacher.post(url, {**data, f"voto-{order[0]}": "7"})
    query = parse_qs(urlparse(first["Location"]).query)
    assert query["prossimo"] == [str(order[1])]
    assert query["tipo"] == ["orale"] and query["descrizione"] == ["Interrogazione breve"]
    page = teacher.get(first["Location"]).content.decode()
    assert f'id="voto-{order[1]}"' in page.split("autofocus")[0].rsplit("<input", 1)[1]
    assert '<option value="orale" selected>' in page and 'value="0,5"' in page
    last = teacher.post(url, {**data, f"voto-{order[-1]}": "6"})
    assert "prossimo" not in parse_qs(urlparse(last["Location"]).query)  # nobody after
    refused = teacher.post(url, {**data, f"voto-{order[0]}": "11"})
    # Stay and fix: the cursor goes back to the refused cell.
    assert parse_qs(urlparse(refused["Location"]).query)["prossimo"] == [str(order[0])]


def test_the_book_sets_not_counting_and_a_visibility_date_for_the_test(cast: Cast) -> None:
    later = timezone.localdate() + datetime.timedelta(days=4)
    enter(
        cast, {cast.child.pk: "4", cast.other_child.pk: "9"}, not_counting="1",
        visible_from=later.isoformat(), description="Test d'ingresso",
    )  # fmt: skip
    grades = Grade.objects.filter(description="Test d'ingresso")
    assert grades.count() == 2
    assert {(g.counts_in_average, g.visible_from) for g in grades} == {(False, later)}
    family = cast.client_for(cast.guardian).get(reverse("grades:student", args=[cast.child.pk]))
    assert "ingresso" not in family.content.decode()


def test_details_of_a_grade_change_with_history(cast: Cast) -> None:
    enter(cast, {cast.child.pk: "6"})
    grade = Grade.objects.get()
    url = reverse("grades:detail", args=[grade.pk])
    teacher = cast.client_for(cast.teacher)
    details = {"action": "details", "description": "Interrogazione", "weight": "1",
               "comment": "Ripassare i logaritmi.", "visible_from": ""}  # fmt: skip
    teacher.post(url, details)
    grade.refresh_from_db()
    assert grade.comment == "Ripassare i logaritmi." and grade.description == "Interrogazione"
    refused = teacher.post(url, {**details, "weight": "0,5"}, follow=True).content.decode()
    assert "Indicare il motivo" in refused
    grade.refresh_from_db()
    assert grade.weight == 1
    teacher.post(url, {**details, "weight": "0,5", "details_reason": "Interrogazione breve"})
    grade.refresh_from_db()
    assert str(grade.weight) == "0.50"
    history = teacher.get(url).content.decode().split('data-testid="grade-history"')[1]
    assert "Interrogazione breve" in history
    family = cast.client_for(cast.guardian).get(reverse("grades:student", args=[cast.child.pk]))
    assert "Ripassare i logaritmi." in family.content.decode()
    other = cast.client_for(cast.coordinator).post(url, {**details, "comment": "x"})
    assert other.status_code == 404


def test_a_support_teacher_gets_a_cell_only_for_their_student(cast: Cast) -> None:
    support = f.SubjectFactory(institute=cast.institute, name="Sostegno", kind="sostegno")
    f.TeachingFactory(
        teacher=Staff.objects.get(user=cast.other_teacher), classroom=cast.classroom_1a,
        subject=support, kind="sostegno", support_student=cast.child,
    )  # fmt: skip
    client = cast.client_for(cast.other_teacher)
    page = client.get(book_url(cast)).content.decode()
    assert f'id="voto-{cast.child.pk}"' in page
    assert f'id="voto-{cast.other_child.pk}"' not in page
    data = {"date": timezone.localdate().isoformat(), "kind": "orale", "weight": "1"}
    client.post(book_url(cast, "grades:book_save"), {**data, f"voto-{cast.child.pk}": "7"})
    assert Grade.objects.filter(student=cast.child, teacher__user=cast.other_teacher).count() == 1
    refused = client.post(
        book_url(cast, "grades:book_save"), {**data, f"voto-{cast.other_child.pk}": "7"}
    )
    assert refused.status_code == 404
    assert not Grade.objects.filter(student=cast.other_child).exists()


def test_a_teacher_who_is_also_the_parent_sees_what_families_see(cast: Cast) -> None:
    f.GuardianshipFactory(
        student=cast.child, relation="genitore2",
        guardian=f.GuardianFactory(institute=cast.institute, user=cast.other_teacher),
    )  # fmt: skip
    later = timezone.localdate() + datetime.timedelta(days=30)
    grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=timezone.localdate(), kind="scritto", text="4", description="Verifica nascosta",
        visible_from=later,
    )  # fmt: skip
    url = reverse("grades:student", args=[cast.child.pk])
    # other_teacher teaches 2B, not 1A: here they are a parent.
    assert "Verifica nascosta" not in cast.client_for(cast.other_teacher).get(url).content.decode()
    assert "Verifica nascosta" in cast.client_for(cast.teacher).get(url).content.decode()
    _token, raw = api_token_issue(user=cast.other_teacher)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(f"/api/v1/students/{cast.child.pk}/grades").json()["subjects"] == []


@pytest.mark.parametrize(
    ("weight", "message"),
    [("NaN", "Peso non valido"), ("0,333", "due decimali"), ("11", "tra 0 e 10")],
)
def test_bad_weights_are_refused_not_rounded(cast: Cast, weight: str, message: str) -> None:
    page = enter(cast, {cast.child.pk: "7"}, weight=weight)
    assert message in page.content.decode()  # type: ignore[attr-defined]
    assert not Grade.objects.exists()


def test_a_too_long_description_is_refused(cast: Cast) -> None:
    page = enter(cast, {cast.child.pk: "7"}, description="x" * 201)
    assert "al massimo 200 caratteri" in page.content.decode()  # type: ignore[attr-defined]
    assert not Grade.objects.exists()


def test_the_school_delay_is_a_minimum_for_the_teachers_date(cast: Cast) -> None:
    cast.institute.grades_visible_after_days = 3
    cast.institute.save()
    today = timezone.localdate()
    enter(cast, {cast.child.pk: "7"}, visible_from=today.isoformat())
    grade = Grade.objects.get()
    assert grade.visible_from == today + datetime.timedelta(days=3)
    url = reverse("grades:detail", args=[grade.pk])
    details = {"action": "details", "description": "", "weight": "1", "comment": ""}
    cast.client_for(cast.teacher).post(url, {**details, "visible_from": ""})
    grade.refresh_from_db()
    assert grade.visible_from == today + datetime.timedelta(days=3)  # clearing it: still 3 days
    weeks = today + datetime.timedelta(days=14)
    cast.client_for(cast.teacher).post(url, {**details, "visible_from": weeks.isoformat()})
    grade.refresh_from_db()
    assert grade.visible_from == weeks


def test_who_gets_the_entry_cells_of_the_book(cast: Cast) -> None:
    """The subject's teacher and a co-teacher type for everyone; the principal and the
    coordinator read the book without cells (the same kept rows for all of them)."""
    f.TeachingFactory(
        teacher=Staff.objects.get(user=cast.other_teacher), classroom=cast.classroom_1a,
        subject=cast.maths, kind="compresenza",
    )  # fmt: skip
    for who, cells in (
        ("teacher", True), ("other_teacher", True), ("principal", False), ("coordinator", False)
    ):  # fmt: skip
        page = cast.client_for(getattr(cast, who)).get(book_url(cast))
        assert page.status_code == 200, who
        html = page.content.decode()
        assert f'data-testid="average-{cast.child.pk}"' in html, who
        assert (f'id="voto-{cast.child.pk}"' in html) is cells, who
        assert (f'id="voto-{cast.other_child.pk}"' in html) is cells, who
