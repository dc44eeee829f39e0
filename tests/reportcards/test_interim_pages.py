"""Interim reports' pages and API (issue 13 item 4): the office creates and publishes a round,
the teacher adjusts their column, the coordinator sees who is missing and who confirmed, the
family reads, downloads and confirms; bad input answers clearly and writes nothing; pages and
lists ask a bounded number of queries whatever the class size."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.people.models import Enrollment, Guardian, User
from campanella.reportcards.interim import interim_round_create
from campanella.reportcards.models import (
    ConfirmationReminder,
    InterimConfirmation,
    InterimMark,
    InterimReport,
    InterimRound,
)
from tests import factories as f
from tests.conftest import Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture
from tests.reportcards.interim_support import (
    entry,
    grade,
    interim_round,
    register_grades,
    term_of,
)
from tests.reportcards.support import pdf_text

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def as_user(cast: Cast, user: User) -> Client:
    return cast.client_for(user)


# --- pages ---------------------------------------------------------------------------------------


def test_the_office_creates_a_round_for_a_class_year(cast: Cast) -> None:
    register_grades(cast)
    client = as_user(cast, cast.office)
    form = client.get(reverse("reportcards:interim_create"))
    assert form.status_code == 200 and "Nuovo pagellino" in form.content.decode()
    response = client.post(
        reverse("reportcards:interim_create"),
        {"titolo": "Metà pentamestre", "periodo": term_of(cast).pk, "anno": ["1"]},
    )
    created = InterimRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reportcards:interim_round", args=[created.pk])
    assert list(created.classrooms.all()) == [cast.classroom_1a]  # the class year 1 only
    assert InterimReport.objects.filter(round=created).count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "Metà pentamestre" in page and cast.classroom_1a.name in page


def test_creating_without_title_or_classes_is_refused_clearly(cast: Cast) -> None:
    client = as_user(cast, cast.office)
    response = client.post(
        reverse("reportcards:interim_create"), {"titolo": " ", "periodo": term_of(cast).pk}
    )
    assert response.status_code == 400
    assert "Scrivere il titolo del pagellino." in response.content.decode()
    response = client.post(
        reverse("reportcards:interim_create"), {"titolo": "Metà", "periodo": term_of(cast).pk}
    )
    assert (
        response.status_code == 400 and "Scegliere almeno una classe." in response.content.decode()
    )
    assert not InterimRound.objects.exists()


def test_the_teacher_adjusts_a_mark_on_their_page(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    client = as_user(cast, cast.teacher)
    index = client.get(reverse("reportcards:interim_index")).content.decode()
    assert f'data-testid="assignment-{found.pk}-{cast.classroom_1a.pk}-{cast.maths.pk}"' in index
    assert "Italiano" not in index  # the coordinator's subject
    url = reverse(
        "reportcards:interim_subject", args=[found.pk, cast.classroom_1a.pk, cast.maths.pk]
    )
    page = client.get(url).content.decode()
    assert 'value="5"' in page  # prefilled
    response = client.post(url, {f"voto-{cast.child.pk}": "6½", f"nota-{cast.child.pk}": "Meglio."})
    assert response.status_code == 302
    assert entry(cast, cast.child, cast.maths).mark == Decimal("6.5")


def test_the_teacher_rereads_the_register_from_their_page(cast: Cast) -> None:
    """A grade arrives after the round was made: the button takes it, says what it did, and the
    mark the teacher had changed by hand stays."""
    found = interim_round(cast, complete=False)
    client = as_user(cast, cast.teacher)
    url = reverse(
        "reportcards:interim_subject", args=[found.pk, cast.classroom_1a.pk, cast.maths.pk]
    )
    client.post(url, {f"voto-{cast.child.pk}": "6½", f"nota-{cast.child.pk}": ""})
    assert entry(cast, cast.other_child, cast.maths).mark is None
    grade(cast.other_child, cast.maths, "8", classroom=cast.classroom_1a, day=30)
    assert 'data-testid="reread"' in client.get(url).content.decode()
    reread = reverse(
        "reportcards:interim_reread", args=[found.pk, cast.classroom_1a.pk, cast.maths.pk]
    )
    page = client.post(reread, follow=True).content.decode()
    assert "Registro riletto: 1 valutazione aggiornata, 1 cambiata a mano" in page
    assert entry(cast, cast.other_child, cast.maths).mark == Decimal(8)
    assert entry(cast, cast.child, cast.maths).mark == Decimal("6.5")


def test_a_bad_mark_on_the_page_is_shown_and_nothing_written(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    url = reverse(
        "reportcards:interim_subject", args=[found.pk, cast.classroom_1a.pk, cast.maths.pk]
    )
    response = as_user(cast, cast.teacher).post(
        url, {f"voto-{cast.child.pk}": "12", f"voto-{cast.other_child.pk}": "7"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nessuna valutazione salvata" in page and 'aria-invalid="true"' in page
    assert 'value="12"' in page  # what was typed, to correct
    assert entry(cast, cast.child, cast.maths).mark == Decimal(5)
    assert entry(cast, cast.other_child, cast.maths).mark is None


def test_the_coordinator_sees_who_is_missing_and_who_confirmed(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    client = as_user(cast, cast.coordinator)
    url = reverse("reportcards:interim_classroom", args=[found.pk, cast.classroom_1a.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="missing"' in page and "Matematica" in page and "Italiano" in page
    InterimMark.objects.filter(report__round=found, mark=None, judgement="").update(mark=6)
    InterimRound.objects.filter(pk=found.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    as_user(cast, cast.guardian).post(
        reverse("reportcards:interim_confirm", args=[found.pk, cast.child.pk])
    )
    page = client.get(url).content.decode()
    assert 'data-testid="none-missing"' in page
    assert f'data-testid="student-{cast.child.pk}" data-confirmed="1"' in page
    assert f'data-testid="student-{cast.other_child.pk}" data-confirmed="0"' in page
    assert "2 studenti senza presa visione." in page
    overview = client.get(reverse("reportcards:interim_round", args=[found.pk])).content.decode()
    assert (
        f'data-testid="classroom-{cast.classroom_1a.pk}" data-missing="0" data-confirmed="1"'
        in overview
    )


def test_publishing_with_missing_entries_is_refused_on_the_page(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    client = as_user(cast, cast.office)
    response = client.post(
        reverse("reportcards:interim_publish", args=[found.pk]),
        {"data": timezone.localdate().isoformat(), "ora": "00:00"},
        follow=True,
    )
    assert "Mancano 3 valutazioni" in response.content.decode()
    found.refresh_from_db()
    assert found.publish_at is None


def test_the_family_sees_nothing_before_publication_then_reads_downloads_confirms(
    cast: Cast,
) -> None:
    found = interim_round(cast, published_hours=2)
    client = as_user(cast, cast.guardian)
    report_url = reverse("reportcards:interim_report", args=[found.pk, cast.child.pk])
    pdf_url = reverse("reportcards:interim_pdf", args=[found.pk, cast.child.pk])
    assert (
        'data-testid="no-interims"'
        in client.get(reverse("reportcards:interim_index")).content.decode()
    )
    assert client.get(report_url).status_code == 404
    assert client.get(pdf_url).status_code == 404
    InterimRound.objects.filter(pk=found.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    index = client.get(reverse("reportcards:interim_index")).content.decode()
    assert f'data-testid="interim-{found.pk}-{cast.child.pk}"' in index
    assert f'data-testid="interim-{found.pk}-{cast.other_child.pk}"' not in index
    page = client.get(report_url).content.decode()
    assert "Matematica" in page and 'data-testid="confirm"' in page
    download = client.get(pdf_url)
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    text = pdf_text(download.content)
    assert "Matematica 5 (cinque)" in text and "Italiano 7 (sette)" in text
    assert cast.child.surname in text
    client.post(reverse("reportcards:interim_confirm", args=[found.pk, cast.child.pk]))
    client.post(reverse("reportcards:interim_confirm", args=[found.pk, cast.child.pk]))
    assert InterimConfirmation.objects.filter(user=cast.guardian).count() == 1
    assert 'data-testid="confirmed"' in client.get(report_url).content.decode()


def test_the_report_cards_page_links_the_interim_reports(cast: Cast) -> None:
    for user in (cast.guardian, cast.teacher, cast.office):
        page = as_user(cast, user).get(reverse("reportcards:index")).content.decode()
        assert reverse("reportcards:interim_index") in page


def test_a_reminder_mails_the_classrooms_families_who_have_not_confirmed(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    """The report cards' reminders, reused: same recipients' rule, same history of reminders."""
    found = interim_round(cast, published_hours=2)
    url = reverse("reportcards:interim_remind", args=[found.pk, cast.classroom_1a.pk])
    refused = as_user(cast, cast.coordinator).post(url, follow=True).content.decode()
    assert "non è ancora pubblicato" in refused and not ConfirmationReminder.objects.exists()
    InterimRound.objects.filter(pk=found.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    as_user(cast, cast.guardian).post(
        reverse("reportcards:interim_confirm", args=[found.pk, cast.child.pk])
    )
    cast.adult_user.email = "adulto@example.org"
    cast.adult_user.save()
    page = as_user(cast, cast.coordinator).post(url, follow=True).content.decode()
    assert "Promemoria in invio" in page
    messages = mailbox.wait_for(2)
    other_family = Guardian.objects.get(user=cast.other_guardian)
    assert {str(m["To"]) for m in messages} == {other_family.email, "adulto@example.org"}
    body = mailbox.body(mailbox.to(other_family.email)[0])
    assert "pagellino" in body and cast.other_child.name in body and "/pagelle/pagellini/" in body
    reminder = ConfirmationReminder.objects.get()
    assert (reminder.interim_id, reminder.classroom_id) == (found.pk, cast.classroom_1a.pk)
    assert (reminder.students, reminder.messages_sent) == (2, 2)
    listed = as_user(cast, cast.office).get(
        reverse("reportcards:interim_classroom", args=[found.pk, cast.classroom_1a.pk])
    )
    assert "2 messaggi inviati" in listed.content.decode()


# --- API -----------------------------------------------------------------------------------------


def test_the_api_lists_downloads_and_confirms_for_the_family(cast: Cast) -> None:
    found = interim_round(cast, published_hours=1)
    client = api(cast.guardian)
    base = f"/api/v1/interim-reports/{found.pk}/{cast.child.pk}"
    assert client.get("/api/v1/interim-reports").json() == []
    assert client.get(f"{base}/pdf").status_code == 404
    refused = client.post(f"{base}/confirmation", {}, content_type="application/json")
    assert refused.status_code == 404 and not InterimConfirmation.objects.exists()
    InterimRound.objects.filter(pk=found.pk).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    listed = client.get("/api/v1/interim-reports").json()
    assert [(r["round_id"], r["student_id"], r["confirmed_at"]) for r in listed] == [
        (found.pk, cast.child.pk, None)
    ]
    assert "Matematica 5 (cinque)" in pdf_text(client.get(listed[0]["pdf_url"]).content)
    first = client.post(listed[0]["confirmation_url"], {}, content_type="application/json")
    again = client.post(listed[0]["confirmation_url"], {}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["confirmed_at"] == first.json()["confirmed_at"]
    assert client.get("/api/v1/interim-reports").json()[0]["confirmed_at"] is not None
    other = api(cast.other_guardian)
    assert (
        other.post(f"{base}/confirmation", {}, content_type="application/json").status_code == 404
    )
    assert InterimConfirmation.objects.count() == 1


def test_the_api_lets_the_teacher_read_and_adjust_their_own_entries(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    client = api(cast.teacher)
    entries = f"/api/v1/interim-reports/{found.pk}/classrooms/{cast.classroom_1a.pk}/subjects"
    listed = client.get(f"{entries}/{cast.maths.pk}/entries").json()
    child = next(e for e in listed if e["student_id"] == cast.child.pk)
    assert (child["entry"], child["register_average"], child["scale"]) == ("5", "5.00", "numerico")
    put = client.put(
        f"{entries}/{cast.maths.pk}/entries/{cast.child.pk}", {"entry": "6", "note": "Bene."},
        content_type="application/json",
    )  # fmt: skip
    assert put.status_code == 200 and put.json()["entry"] == "6" and put.json()["changed_by_hand"]
    bad = client.put(
        f"{entries}/{cast.maths.pk}/entries/{cast.child.pk}", {"entry": "15"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "entries_invalid"
    assert bad.json()["errors"][0]["student_id"] == cast.child.pk
    italian = client.put(
        f"{entries}/{cast.italian.pk}/entries/{cast.child.pk}", {"entry": "9"},
        content_type="application/json",
    )  # fmt: skip
    assert italian.status_code == 404
    assert entry(cast, cast.child, cast.maths).mark == Decimal(6)
    assert entry(cast, cast.child, cast.italian).mark == Decimal(7)


def test_the_api_refuses_changes_after_publication(cast: Cast) -> None:
    found = interim_round(cast, published_hours=-1)
    url = (
        f"/api/v1/interim-reports/{found.pk}/classrooms/{cast.classroom_1a.pk}/subjects/"
        f"{cast.maths.pk}/entries/{cast.child.pk}"
    )
    response = api(cast.teacher).put(url, {"entry": "9"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "round_published"
    assert entry(cast, cast.child, cast.maths).mark == Decimal(5)


# --- queries -------------------------------------------------------------------------------------


def count_queries(client: Client, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def more_students(cast: Cast, count: int) -> None:
    for _n in range(count):
        student = f.StudentFactory(institute=cast.institute)
        Enrollment.objects.create(
            student=student, classroom=cast.classroom_1a,
            school_year=cast.classroom_1a.school_year,
            entry_date=cast.classroom_1a.school_year.start_date,
        )  # fmt: skip


@pytest.mark.parametrize("who", ["office", "coordinator", "teacher", "guardian"])
def test_pages_ask_as_many_queries_for_a_bigger_class(cast: Cast, who: str) -> None:
    def measured(extra: int) -> list[int]:
        InterimConfirmation.objects.all().delete()
        InterimMark.objects.all().delete()
        InterimReport.objects.all().delete()
        InterimRound.objects.all().delete()
        more_students(cast, extra)
        found = interim_round_create(
            user=cast.office, school=cast.school, term=term_of(cast), title="Metà periodo",
            classrooms=[cast.classroom_1a],
        )  # fmt: skip
        InterimMark.objects.filter(mark=None, judgement="").update(mark=6)
        InterimRound.objects.filter(pk=found.pk).update(
            publish_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        client = as_user(cast, getattr(cast, who))
        paths = [reverse("reportcards:interim_index")]
        if who in ("office", "coordinator"):
            paths += [
                reverse("reportcards:interim_round", args=[found.pk]),
                reverse("reportcards:interim_classroom", args=[found.pk, cast.classroom_1a.pk]),
            ]
        if who == "teacher":
            paths.append(reverse(
                "reportcards:interim_subject", args=[found.pk, cast.classroom_1a.pk, cast.maths.pk]
            ))  # fmt: skip
        if who == "guardian":
            paths.append(reverse("reportcards:interim_report", args=[found.pk, cast.child.pk]))
            paths.append("/api/v1/interim-reports")
        if who == "teacher":
            paths.append(
                f"/api/v1/interim-reports/{found.pk}/classrooms/{cast.classroom_1a.pk}"
                f"/subjects/{cast.maths.pk}/entries"
            )
        counted = [count_queries(client, path) for path in paths if "/api/" not in path]
        token_client = api(getattr(cast, who))
        return counted + [count_queries(token_client, p) for p in paths if "/api/" in p]

    small = measured(0)
    assert measured(6) == small
