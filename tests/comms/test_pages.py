"""Pages of notices: the header's count (one query), the list, opening, confirming and
answering, the home, the tracking, its export and the reminders by real e-mail."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campanella.comms.notices.models import AudienceScope, NoticeConsent, NoticeRecipient
from campanella.comms.notices.selectors import unread_count
from campanella.comms.notices.services import audience_of
from campanella.people.models import Guardian
from tests.comms.routes import family_notice
from tests.comms.support import trip
from tests.conftest import Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_unread_count_is_one_query_on_the_unread_index(cast: Cast) -> None:
    for _ in range(3):
        family_notice(cast)
    with CaptureQueriesContext(connection) as captured:
        assert unread_count(cast.guardian) == 3
    assert len(captured) == 1
    sql = captured[0]["sql"]
    assert "comms_noticerecipient" in sql and "JOIN" not in sql.upper()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "notice_recipient_unread" in plan, plan


def header_queries(cast: Cast, notices: int) -> int:
    client = cast.client_for(cast.guardian)
    for _ in range(notices):
        family_notice(cast)
    client.get("/profilo/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/profilo/")
    assert response.status_code == 200
    count = response.content.decode().count('data-testid="unread-notices"')
    assert count == 1
    return len(captured)


def test_every_page_shows_the_count_at_the_same_cost(cast: Cast) -> None:
    few = header_queries(cast, 1)
    many = header_queries(cast, 6)
    assert few == many
    page = cast.client_for(cast.guardian).get("/profilo/").content.decode()
    assert '7<span class="visually-hidden"> da leggere' in page


def test_list_and_detail_queries_do_not_grow(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    family_notice(cast)
    client.get(reverse("comms:notice_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("comms:notice_list"))
    for _ in range(8):
        family_notice(cast)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("comms:notice_list"))
    assert len(one) == len(many)
    assert response.content.decode().count("da leggere") >= 9


def test_opening_marks_read_and_the_guardian_answers_per_child(cast: Cast) -> None:
    notice = family_notice(cast)
    client = cast.client_for(cast.guardian)
    assert "Uscita didattica al museo" in client.get(reverse("accounts:home")).content.decode()
    page = client.get(reverse("comms:notice_detail", args=[notice.pk])).content.decode()
    assert "Autorizzate la partecipazione?" in page and cast.child.name in page
    assert unread_count(cast.guardian) == 0
    assert "Uscita didattica" not in client.get(reverse("accounts:home")).content.decode()
    response = client.post(
        reverse("comms:notice_consent", args=[notice.pk]),
        {"risposta": "si", "alunno": cast.child.pk, "note": "Porta il pranzo"},
        follow=True,
    )
    assert "Risposta registrata" in response.content.decode()
    consent = NoticeConsent.objects.get()
    assert consent.agrees and consent.student == cast.child and consent.text == "Porta il pranzo"
    response = client.post(reverse("comms:notice_confirm", args=[notice.pk]), follow=True)
    assert "Lettura confermata" in response.content.decode()
    assert NoticeRecipient.objects.get(notice=notice).confirmed_at is not None


def test_the_office_tracks_per_classroom_and_exports(cast: Cast) -> None:
    notice = trip(cast)
    from campanella.comms.notices import services

    services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
    )
    office = cast.client_for(cast.office)
    page = office.get(reverse("comms:notice_tracking", args=[notice.pk])).content.decode()
    assert cast.classroom_1a.name in page and "aderisce" in page and "non letta" in page
    response = office.get(reverse("comms:notice_export", args=[notice.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]  # type: ignore[union-attr]
    child_row = next(r for r in rows if r[1] == cast.child.full_name)
    assert child_row[0] == cast.classroom_1a.name and child_row[3] == "aderisce"
    assert child_row[6] == "sì"


def test_the_export_keeps_formulas_inert(cast: Cast) -> None:
    notice = family_notice(cast)
    from campanella.comms.notices import services

    services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=False, student_id=cast.child.pk,
        text='=HYPERLINK("http://x.example","y")',
    )  # fmt: skip
    response = cast.client_for(cast.office).get(reverse("comms:notice_export", args=[notice.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = next(
        c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)
    )  # type: ignore[union-attr]
    assert cell.data_type == "s"


def test_reminders_reach_those_missing_once_within_the_interval(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
    settings: Any,
) -> None:
    notice = trip(cast)  # 1ª A's families: the guardian and the other guardian
    Guardian.objects.filter(user=cast.guardian).update(email="paola@example.org")
    Guardian.objects.filter(user=cast.other_guardian).update(email="altro@example.org")
    from campanella.comms.notices import services

    services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
    )
    office = cast.client_for(cast.office)
    url = reverse("comms:notice_remind", args=[notice.pk])
    response = office.post(url, follow=True)
    assert "Promemoria in invio" in response.content.decode()
    messages = mailbox.wait_for(1)
    assert [str(m["To"]) for m in messages] == ["altro@example.org"]
    body = Mailbox.body(messages[0])
    assert "Uscita didattica al museo" in body and f"/comunicazioni/{notice.pk}/" in body
    again = office.post(url, follow=True).content.decode()
    assert "Un promemoria è già stato inviato" in again
    assert len(mailbox.messages) == 1
    settings.COMMS_REMINDER_INTERVAL_MINUTES = 0
    office.post(url)
    assert len(mailbox.wait_for(2)) == 2


def test_a_teacher_writes_to_own_classroom_from_the_page(cast: Cast) -> None:
    client = cast.client_for(cast.teacher)
    form = client.get(reverse("comms:notice_create")).content.decode()
    assert cast.classroom_1a.name in form and cast.classroom_2b.name not in form
    response = client.post(
        reverse("comms:notice_create"),
        {
            "tipo": "avviso", "oggetto": "Verifica", "testo": "Martedì.", "ambito": "classi",
            "ruolo": ["famiglie", "studenti"], "classe": [cast.classroom_1a.pk],
            "conferma": "on",
        },
        follow=True,
    )  # fmt: skip
    assert "pubblicata" in response.content.decode()
    assert unread_count(cast.guardian) == 1 and unread_count(cast.child_user) == 1
    assert unread_count(cast.guardian) == 1
    sent = client.get(reverse("comms:notice_sent")).content.decode()
    assert "Verifica" in sent
    other = cast.client_for(cast.other_teacher).get(reverse("comms:notice_sent")).content.decode()
    assert "Verifica" not in other


def test_whole_institute_families_and_staff(cast: Cast) -> None:
    notice = trip(cast, audience=audience_of(AudienceScope.INSTITUTE, ["famiglie", "personale"]))
    assert unread_count(cast.teacher) == 1 and unread_count(cast.guardian) == 1
    assert unread_count(cast.child_user) == 0 and unread_count(cast.foreign_office) == 0
    assert notice.recipient_count == NoticeRecipient.objects.filter(notice=notice).count()


def office_queries(cast: Cast, name: str, notice_id: int | None = None) -> int:
    client = cast.client_for(cast.office)
    url = reverse(name, args=[notice_id] if notice_id else [])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_tracking_export_and_sent_queries_do_not_grow(cast: Cast) -> None:
    small = family_notice(cast)
    large = trip(
        cast, audience=audience_of(AudienceScope.INSTITUTE, ["famiglie", "studenti", "personale"])
    )
    from campanella.comms.notices import services

    services.notice_consent(
        user=cast.guardian, notice_id=large.pk, agrees=True, student_id=cast.child.pk
    )
    assert large.recipient_count > 3 * small.recipient_count
    for name in ("comms:notice_tracking", "comms:notice_export"):
        assert office_queries(cast, name, small.pk) == office_queries(cast, name, large.pk)
    few = office_queries(cast, "comms:notice_sent")
    for _ in range(3):
        family_notice(cast)
    assert office_queries(cast, "comms:notice_sent") == few
