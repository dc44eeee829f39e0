"""Report cards: made only from a locked session, published from the office's time, seen only
by the student's own family, confirmed (presa visione) idempotently with history; the class
list shows only admitted / not admitted; the classroom's bundle as a background job."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from campanella.evaluation.models import EvaluationSession
from campanella.evaluation.sessions import session_lock, session_reopen
from campanella.people.models import Guardian
from campanella.reportcards import services
from campanella.reportcards.models import (
    BundleStatus,
    ConfirmationReminder,
    Publication,
    ReportCard,
    ReportCardBundle,
    ViewConfirmation,
)
from tests.conftest import Cast
from tests.evaluation.council_support import completed
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture
from tests.reportcards.support import body_of, locked, pdf_text, published

pytestmark = pytest.mark.django_db


def card_urls(session: EvaluationSession, student_id: int) -> list[str]:
    return [
        reverse("reportcards:card", args=[session.pk, student_id]),
        reverse("reportcards:pdf", args=[session.pk, student_id]),
    ]


def test_only_a_locked_session_makes_report_cards(cast: Cast) -> None:
    session = completed(cast)  # deliberated, at the minutes: not locked
    with pytest.raises(services.ReportCardError) as refused:
        services.report_card_current(session=session, student_id=cast.child.pk)
    assert refused.value.code == "session_not_locked"
    assert "non lo è" in refused.value.message
    assert not ReportCard.objects.exists()


def test_before_the_publication_the_family_sees_nothing_of_its_own_child(cast: Cast) -> None:
    session = published(cast, hours=2)
    guardian = cast.client_for(cast.guardian)
    for url in card_urls(session, cast.child.pk):
        assert guardian.get(url).status_code == 404
    confirm = reverse("reportcards:confirm", args=[session.pk, cast.child.pk])
    assert guardian.post(confirm).status_code == 404
    assert guardian.get(reverse("reportcards:outcomes", args=[session.pk])).status_code == 404
    index = guardian.get(reverse("reportcards:index"))
    assert b'data-testid="no-cards"' in index.content
    assert not ViewConfirmation.objects.exists() and not ReportCard.objects.exists()
    # The office moves the publication to now: the same requests succeed.
    Publication.objects.filter(session=session).update(
        publish_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    page = guardian.get(card_urls(session, cast.child.pk)[0])
    assert page.status_code == 200
    assert escape(cast.child.surname) in page.content.decode()
    assert guardian.get(reverse("reportcards:index")).content.count(b'data-testid="card-') == 1


def test_after_the_publication_the_pdf_has_the_marks_and_the_outcome(cast: Cast) -> None:
    session = published(cast)
    response = cast.client_for(cast.guardian).get(card_urls(session, cast.child.pk)[1])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(body_of(response))
    assert cast.child.surname in text and cast.child.name in text
    assert "Matematica 5 (cinque)" in text and "Italiano 7 (sette)" in text
    assert "Giudizio sospeso" in text and "Equazioni e disequazioni" in text
    assert cast.other_child.surname not in text
    assert "Istituto A" in text  # the school's header
    # Kept: the second download is the same version, not a new one.
    cast.client_for(cast.guardian).get(card_urls(session, cast.child.pk)[1])
    assert ReportCard.objects.filter(session=session, student=cast.child).count() == 1


def test_another_familys_child_is_refused_after_the_publication_and_nothing_is_written(
    cast: Cast,
) -> None:
    session = published(cast)
    for user in (cast.other_guardian, cast.child_user, cast.teacher, cast.foreign_office):
        client = cast.client_for(user)
        for url in card_urls(session, cast.adult_student.pk):
            assert client.get(url).status_code == 404, (user.username, url)
    other = cast.client_for(cast.other_guardian)
    confirm = reverse("reportcards:confirm", args=[session.pk, cast.child.pk])
    assert other.post(confirm).status_code == 404
    assert not ViewConfirmation.objects.exists()
    assert not ReportCard.objects.exists()


def test_confirmation_is_idempotent_timestamped_and_kept_across_versions(cast: Cast) -> None:
    session = published(cast)
    confirm = reverse("reportcards:confirm", args=[session.pk, cast.child.pk])
    guardian = cast.client_for(cast.guardian)
    assert guardian.post(confirm).status_code == 302
    assert guardian.post(confirm).status_code == 302
    first = ViewConfirmation.objects.get()
    assert (first.user, first.student, first.report_card.version) == (
        cast.guardian, cast.child, 1,
    )  # fmt: skip
    assert abs((timezone.now() - first.confirmed_at).total_seconds()) < 60
    # A minor student reads it but does not confirm; an adult one confirms their own.
    assert (
        cast.client_for(cast.child_user).get(card_urls(session, cast.child.pk)[0]).status_code
        == 200
    )
    assert cast.client_for(cast.child_user).post(confirm).status_code == 404
    own = reverse("reportcards:confirm", args=[session.pk, cast.adult_student.pk])
    assert cast.client_for(cast.adult_user).post(own).status_code == 302
    assert ViewConfirmation.objects.filter(as_student=True).count() == 1
    assert ViewConfirmation.objects.count() == 2
    # The principal reopens and the session is locked again: a new version, to confirm again;
    # the first confirmation stays in the history.
    session_reopen(session=session, user=cast.principal, reason="Errore materiale nel verbale")
    from campanella.evaluation.documents import documents_generate
    from campanella.evaluation.models import Step
    from tests.evaluation.council_support import at_step

    session = at_step(EvaluationSession.objects.get(pk=session.pk), Step.MINUTES)
    documents_generate(user=cast.coordinator, session=session)
    session = session_lock(
        session=EvaluationSession.objects.get(pk=session.pk), user=cast.coordinator
    )
    page = guardian.get(card_urls(session, cast.child.pk)[0]).content.decode()
    assert 'data-testid="confirm"' in page and 'data-testid="history"' in page
    assert guardian.post(confirm).status_code == 302
    versions = sorted(ViewConfirmation.objects.filter(user=cast.guardian).values_list(
        "report_card__version", flat=True))  # fmt: skip
    assert versions == [1, 2]
    assert ReportCard.objects.filter(session=session, student=cast.child).count() == 2


def test_office_and_coordinator_see_who_has_not_confirmed(cast: Cast) -> None:
    session = published(cast)
    cast.client_for(cast.guardian).post(
        reverse("reportcards:confirm", args=[session.pk, cast.child.pk])
    )
    url = reverse("reportcards:confirmations", args=[session.pk])
    for user in (cast.office, cast.coordinator, cast.principal):
        page = cast.client_for(user).get(url).content.decode()
        assert f'data-testid="student-{cast.child.pk}" data-confirmed="1"' in page
        assert f'data-testid="student-{cast.other_child.pk}" data-confirmed="0"' in page
        assert "2 studenti senza presa visione" in page
    for user in (cast.teacher, cast.guardian, cast.other_teacher, cast.foreign_office):
        assert cast.client_for(user).get(url).status_code == 404


def test_the_class_list_shows_only_admitted_or_not_and_credits(cast: Cast) -> None:
    session = published(cast)
    page = cast.client_for(cast.guardian).get(reverse("reportcards:outcomes", args=[session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ammess" in html and "Non ammess" in html
    assert "Credito totale" in html and ">9<" in html  # the adult student's credit
    assert "Giudizio sospeso" not in html and "Equazioni" not in html  # told to the family only
    assert "(sette)" not in html and "(cinque)" not in html  # no marks in the class list
    # A family with no child in the session does not see it.
    assert cast.client_for(cast.outsider).get(page.request["PATH_INFO"]).status_code == 404


def test_the_office_publishes_locked_sessions_only(cast: Cast) -> None:
    session = locked(cast)
    url = reverse("reportcards:publication")
    office = cast.client_for(cast.office)
    # 1A's session is the locked one; an unlocked session of 2B is refused with its name.
    from tests.evaluation.routes import a_session

    open_session = a_session(cast, cast.classroom_2b)
    response = office.post(url, {"sessione": [session.pk, open_session.pk],
                                 "data": "2027-06-20", "ora": "14:00"})  # fmt: skip
    assert response.status_code == 400
    assert "scrutinio chiuso" in response.content.decode()
    assert not Publication.objects.exists()
    response = office.post(url, {"sessione": [session.pk], "data": "2027-06-20", "ora": "14:00"})
    assert response.status_code == 302
    # Every report card made ahead of report-card day (the tests' worker runs at once).
    assert ReportCard.objects.filter(session=session).count() == 3
    publication = Publication.objects.get(session=session)
    assert (
        timezone.localtime(publication.publish_at).strftime("%Y-%m-%d %H:%M") == "2027-06-20 14:00"
    )
    bad = office.post(url, {"sessione": [session.pk], "data": "20/06/2027", "ora": "14"})
    assert bad.status_code == 400 and "Indicare la data" in bad.content.decode()
    for user in (cast.coordinator, cast.teacher, cast.guardian, cast.foreign_office):
        refused = cast.client_for(user).post(url, {"sessione": [session.pk], "data": "2027-01-01",
                                                   "ora": "08:00"})  # fmt: skip
        assert refused.status_code == 404
    assert Publication.objects.get(session=session).publish_at == publication.publish_at


def test_the_classrooms_bundle_runs_as_a_job_with_progress(cast: Cast) -> None:
    session = locked(cast)
    response = cast.client_for(cast.coordinator).post(
        reverse("reportcards:bundle_create", args=[session.pk])
    )
    bundle = ReportCardBundle.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/pacchetti/{bundle.pk}/")
    assert bundle.status == BundleStatus.DONE  # the tests' tasks backend runs it at once
    assert (bundle.total, bundle.processed, bundle.percent) == (4, 4, 100)
    assert ReportCard.objects.filter(session=session).count() == 3  # kept for the families
    status = cast.client_for(cast.coordinator).get(reverse("reportcards:bundle", args=[bundle.pk]))
    assert 'data-status="done"' in status.content.decode()
    download = cast.client_for(cast.office).get(reverse("reportcards:bundle_pdf", args=[bundle.pk]))
    text = pdf_text(body_of(download))
    for student in (cast.child, cast.adult_student, cast.other_child):
        assert student.surname in text
    assert text.count("Pagina 1 di") == 3
    for user in (cast.teacher, cast.guardian, cast.foreign_office):
        assert (
            cast.client_for(user)
            .get(reverse("reportcards:bundle_pdf", args=[bundle.pk]))
            .status_code
            == 404
        )


def test_a_bundle_of_an_unlocked_session_is_refused(cast: Cast) -> None:
    session = completed(cast)
    with pytest.raises(services.ReportCardError):
        services.bundle_create(user=cast.coordinator, session=session)
    assert not ReportCardBundle.objects.exists()


def test_time_left_follows_the_pace(cast: Cast) -> None:
    bundle = ReportCardBundle(total=10, processed=4, status=BundleStatus.RUNNING)
    bundle.started_at = timezone.now() - datetime.timedelta(seconds=8)
    assert bundle.seconds_left(timezone.now()) in (11, 12, 13)


def test_a_reminder_mails_the_families_who_have_not_confirmed(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    session = published(cast)
    cast.client_for(cast.guardian).post(
        reverse("reportcards:confirm", args=[session.pk, cast.child.pk])
    )
    cast.adult_user.email = "adulto@example.org"
    cast.adult_user.save()
    url = reverse("reportcards:remind", args=[session.pk])
    page = cast.client_for(cast.coordinator).post(url, follow=True).content.decode()
    assert "Promemoria in invio" in page
    messages = mailbox.wait_for(2)
    other_family = Guardian.objects.get(user=cast.other_guardian)
    assert {str(m["To"]) for m in messages} == {other_family.email, "adulto@example.org"}
    body = mailbox.body(mailbox.to(other_family.email)[0])
    assert cast.other_child.name in body and "/pagelle/" in body
    assert "presa visione" in body
    reminder = ConfirmationReminder.objects.get()
    assert (reminder.students, reminder.messages_sent) == (2, 2)
    page = cast.client_for(cast.office).get(reverse("reportcards:confirmations", args=[session.pk]))
    assert "2 messaggi inviati" in page.content.decode()
    # Nobody else may send one; before the publication no one at all.
    for user in (cast.teacher, cast.guardian, cast.foreign_office):
        assert cast.client_for(user).post(url).status_code == 404
    Publication.objects.filter(session=session).update(
        publish_at=timezone.now() + datetime.timedelta(days=1)
    )
    refused = cast.client_for(cast.coordinator).post(url, follow=True).content.decode()
    assert "non sono ancora pubblicate" in refused
    assert ConfirmationReminder.objects.count() == 1 and len(mailbox.messages) == 2


def test_a_whole_schools_bundle_is_a_zip_of_one_pdf_per_locked_classroom(cast: Cast) -> None:
    session = locked(cast)
    from tests.evaluation.routes import a_session

    a_session(cast, cast.classroom_2b)  # 2ª B's session of the period: not locked, left out
    group = f"{cast.school.pk}-{session.term_id}-{session.kind}"
    office = cast.client_for(cast.office)
    assert group in office.get(reverse("reportcards:index")).content.decode()
    response = office.post(reverse("reportcards:school_bundle_create"), {"gruppo": group})
    bundle = ReportCardBundle.objects.get()
    assert response["Location"].endswith(f"/pacchetti/{bundle.pk}/")
    assert bundle.status == BundleStatus.DONE, bundle.error
    assert (bundle.total, bundle.processed) == (4, 4)  # three cards and 1ª A's PDF
    download = office.get(reverse("reportcards:bundle_pdf", args=[bundle.pk]))
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body_of(download))) as archive:
        names = archive.namelist()
        assert names == [f"pagelle-3a-a-{session.pk}.pdf"]  # 3ª A, as the council made it
        text = pdf_text(archive.read(names[0]))
    assert all(s.surname in text for s in (cast.child, cast.adult_student, cast.other_child))
    for user in (cast.coordinator, cast.teacher, cast.guardian, cast.foreign_office):
        url = reverse("reportcards:bundle_pdf", args=[bundle.pk])
        assert cast.client_for(user).get(url).status_code == 404
    # A period with no locked session: refused with a message, nothing queued.
    EvaluationSession.objects.filter(pk=session.pk).update(step="verbale", locked_at=None)
    refused = office.post(reverse("reportcards:school_bundle_create"), {"gruppo": group})
    assert refused.status_code == 302 and ReportCardBundle.objects.count() == 1
