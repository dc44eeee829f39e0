"""Class documents' writes: upload and versions, refusals that write nothing, withdrawal,
deadlines and the missing list, publication, reminders by e-mail (a real SMTP server)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.classdocs import rules, selectors, services
from campanella.classdocs.models import (
    ClassDocument,
    DocumentDeadline,
    DocumentKind,
    DocumentReminder,
)
from campanella.people.models import Staff
from tests import factories as f
from tests.classdocs.support import PNG, pdf_bytes, published_kind, uploaded
from tests.conftest import Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def upload(
    c: Cast,
    user: Any,
    content: bytes,
    *,
    classroom: Any = None,
    subject: Any = "maths",
    kind: str = DocumentKind.SYLLABUS,
    name: str = "programma.pdf",
) -> ClassDocument:
    return services.document_upload(
        user=user, classroom=classroom or c.classroom_1a,
        subject=c.maths if subject == "maths" else subject, kind=kind,
        upload=io.BytesIO(content), size=len(content), name=name,
    )  # fmt: skip


def test_upload_keeps_every_version_and_one_current(cast: Cast) -> None:
    first = uploaded(cast, text="prima")
    second = uploaded(cast, text="seconda")
    first.refresh_from_db()
    assert (first.version, first.current) == (1, False)
    assert (second.version, second.current) == (2, True)
    assert first.file.read() != second.file.read()
    assert second.file.open("rb").read().startswith(b"%PDF-")
    history = Change.objects.filter(classroom_ref=cast.classroom_1a.pk).order_by("pk")
    assert [c.action for c in history] == ["create", "update", "create"]
    assert history[0].actor_id == cast.teacher.pk


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (PNG, "immagine.pdf", "not_pdf"),
        (b"solo testo, rinominato in .pdf\n" * 10, "testo.pdf", "not_pdf"),
        (pdf_bytes()[:150], "troncato.pdf", "broken_pdf"),
        (b"", "vuoto.pdf", "empty_file"),
    ],
)
def test_what_is_not_a_pdf_is_refused_and_nothing_is_written(
    cast: Cast, content: bytes, name: str, code: str
) -> None:
    with pytest.raises(services.ClassDocumentError) as refused:
        upload(cast, cast.teacher, content, name=name)
    assert refused.value.code == code
    assert "PDF" in refused.value.message or "vuoto" in refused.value.message
    assert not ClassDocument.objects.exists() and not Change.objects.exists()


def test_over_the_size_limit_is_refused(cast: Cast, settings: Any) -> None:
    settings.CLASS_DOCUMENT_MAX_MB = 1
    big = pdf_bytes().replace(b"%PDF-1.4\n", b"%PDF-1.4\n" + b"%" * (1024 * 1024) + b"\n")
    with pytest.raises(services.ClassDocumentError) as refused:
        upload(cast, cast.teacher, big)
    assert refused.value.code == "too_big"
    assert "1 MB" in refused.value.message
    assert not ClassDocument.objects.exists()


def test_a_teacher_of_another_classroom_or_subject_writes_nothing(cast: Cast) -> None:
    """A valid PDF to a real slot (1A Matematica) by who does not teach it there."""
    for user in (cast.other_teacher, cast.coordinator, cast.office, cast.guardian, cast.outsider):
        with pytest.raises(services.NotAllowed):
            upload(cast, user, pdf_bytes())
    # 2B's Italian teacher, naming 1A's Italian (taught there by the coordinator).
    with pytest.raises(services.NotAllowed):
        upload(cast, cast.other_teacher, pdf_bytes(), subject=cast.italian)
    assert not ClassDocument.objects.exists() and not Change.objects.exists()


def test_the_refusal_comes_before_the_file_is_read(cast: Cast) -> None:
    with pytest.raises(services.NotAllowed):
        upload(cast, cast.other_teacher, PNG)


def test_the_15_may_document_is_the_coordinators_of_a_year_5_classroom(cast: Cast) -> None:
    coordinator = Staff.objects.get(user=cast.coordinator)
    fifth = f.ClassroomFactory(
        school=cast.school, school_year=cast.classroom_1a.school_year, year=5, section="A",
        coordinator=coordinator,
    )  # fmt: skip
    document = upload(cast, cast.coordinator, pdf_bytes(), classroom=fifth, subject=None,
                      kind=DocumentKind.MAY_15)  # fmt: skip
    assert document.subject is None and document.current
    with pytest.raises(services.NotAllowed):  # not in year 1
        upload(cast, cast.coordinator, pdf_bytes(), subject=None, kind=DocumentKind.MAY_15)
    with pytest.raises(services.NotAllowed):  # not by a teacher who does not coordinate it
        upload(cast, cast.teacher, pdf_bytes(), classroom=fifth, subject=None,
               kind=DocumentKind.MAY_15)  # fmt: skip
    assert [s.kind for s in selectors.teacher_slots(cast.coordinator) if s.subject is None] == [
        DocumentKind.MAY_15
    ]


def test_a_published_document_is_not_replaced_nor_withdrawn(cast: Cast) -> None:
    document = uploaded(cast)
    published_kind(cast)
    with pytest.raises(services.ClassDocumentError) as refused:
        uploaded(cast)
    assert refused.value.code == "already_published"
    with pytest.raises(services.ClassDocumentError):
        services.document_withdraw(user=cast.teacher, document_id=document.pk)
    assert ClassDocument.objects.count() == 1


def test_withdrawal_keeps_the_row_and_its_history(cast: Cast) -> None:
    document = uploaded(cast)
    with pytest.raises(services.NotAllowed):
        services.document_withdraw(user=cast.other_teacher, document_id=document.pk)
    services.document_withdraw(user=cast.teacher, document_id=document.pk)
    document.refresh_from_db()
    assert not document.current and document.withdrawn_at is not None
    assert Change.objects.filter(object_id=document.pk, action="cancel").exists()
    assert uploaded(cast).version == 2


def test_missing_list_names_teacher_subject_and_kind_and_follows_uploads(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    services.deadline_set(user=cast.office, school_year=year, kind=DocumentKind.SYLLABUS,
                          due_on=year.start_date + datetime.timedelta(days=1))  # fmt: skip
    missing = selectors.missing_slots(cast.institute.pk, year, DocumentKind.SYLLABUS)
    lines = {(s.classroom.name, s.subject.name, s.teacher_names) for s in missing if s.subject}
    teacher = Staff.objects.get(user=cast.teacher).full_name
    assert (cast.classroom_1a.name, "Matematica", teacher) in lines
    assert len(missing) == 3  # 1A Matematica, 1A Italiano, 2B Italiano
    maths = next(s for s in missing if s.subject == cast.maths)
    assert maths.deadline is not None and maths.overdue == (
        maths.deadline.due_on < timezone.localdate()
    )
    uploaded(cast)
    again = selectors.missing_slots(cast.institute.pk, year, DocumentKind.SYLLABUS)
    assert cast.maths not in [s.subject for s in again if s.classroom == cast.classroom_1a]
    assert len(again) == 2


def test_the_most_specific_deadline_applies(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    general = year.start_date + datetime.timedelta(days=30)
    first_years = year.start_date + datetime.timedelta(days=10)
    for due_on, class_year in ((general, None), (first_years, 1)):
        services.deadline_set(user=cast.office, school_year=year, kind=DocumentKind.PLAN,
                              due_on=due_on, class_year=class_year)  # fmt: skip
    due = {(s.classroom.pk): s.deadline.due_on for s in selectors.missing_slots(  # type: ignore[union-attr]
        cast.institute.pk, year, DocumentKind.PLAN)}  # fmt: skip
    assert due == {cast.classroom_1a.pk: first_years, cast.classroom_2b.pk: general}
    # Set again: updated, not duplicated; both in the history.
    services.deadline_set(user=cast.office, school_year=year, kind=DocumentKind.PLAN,
                          due_on=general, class_year=1)  # fmt: skip
    assert DocumentDeadline.objects.count() == 2
    assert Change.objects.filter(action="update").count() == 1


def test_deadlines_and_publications_are_the_offices(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    for user in (cast.teacher, cast.coordinator, cast.guardian, cast.foreign_office):
        with pytest.raises(services.NotAllowed):
            services.deadline_set(user=user, school_year=year, kind=DocumentKind.PLAN,
                                  due_on=year.start_date)  # fmt: skip
        with pytest.raises(services.NotAllowed):
            services.publication_set(user=user, school_year=year, kind=DocumentKind.PLAN,
                                     publish_at=timezone.now())  # fmt: skip
    with pytest.raises(services.ClassDocumentError) as refused:
        services.deadline_set(user=cast.office, school_year=year, kind=DocumentKind.PLAN,
                              due_on=year.end_date + datetime.timedelta(days=1))  # fmt: skip
    assert refused.value.code == "deadline_outside_year"
    assert not Change.objects.exists()


def test_families_see_nothing_before_publication_then_their_classroom_only(cast: Cast) -> None:
    document = uploaded(cast)
    for user in (cast.guardian, cast.child_user, cast.other_guardian, cast.adult_user):
        assert rules.document_for_user(user, document.pk) is None
    published_kind(cast, hours=1)  # tomorrow-ish: not yet
    assert rules.document_for_user(cast.guardian, document.pk) is None
    published_kind(cast, hours=-1)
    for user in (cast.guardian, cast.child_user, cast.other_guardian, cast.adult_user):
        assert rules.document_for_user(user, document.pk) == document
    # A family of 2B only, another institute, a teacher of 2B only: nothing.
    family_2b = f.UserFactory(username="famiglia_2b")
    student_2b = f.StudentFactory(institute=cast.institute)
    f.EnrollmentFactory(student=student_2b, classroom=cast.classroom_2b)
    guardian_2b = f.GuardianFactory(institute=cast.institute, user=family_2b)
    f.GuardianshipFactory(student=student_2b, guardian=guardian_2b)
    for user in (family_2b, cast.foreign_office, cast.other_teacher, cast.outsider):
        assert rules.document_for_user(user, document.pk) is None


def test_a_single_document_is_published_on_its_own_and_keeps_it_across_versions(
    cast: Cast,
) -> None:
    document = uploaded(cast)
    with pytest.raises(services.NotAllowed):
        services.document_publish(user=cast.teacher, document_id=document.pk,
                                  publish_at=timezone.now())  # fmt: skip
    services.document_publish(user=cast.office, document_id=document.pk,
                              publish_at=timezone.now() + datetime.timedelta(days=1))  # fmt: skip
    assert rules.document_for_user(cast.guardian, document.pk) is None
    second = uploaded(cast)  # not yet published: may be replaced; keeps the office's date
    assert second.publish_at is not None
    a_minute_ago = timezone.now() - datetime.timedelta(minutes=1)
    services.document_publish(user=cast.office, document_id=second.pk, publish_at=a_minute_ago)
    assert rules.document_for_user(cast.guardian, second.pk) == second
    assert rules.document_for_user(cast.guardian, document.pk) is None  # earlier: staff only


def test_reminder_mails_each_missing_teacher_once_a_minute(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    year = cast.classroom_1a.school_year
    Staff.objects.filter(user=cast.teacher).update(email="docente@example.org")
    Staff.objects.filter(user=cast.coordinator).update(email="coordinatore@example.org")
    Staff.objects.filter(user=cast.other_teacher).update(email="altro@example.org")
    uploaded(cast)  # the teacher has uploaded: not reminded
    reminder, created = services.reminder_create(
        user=cast.office, school_year=year, kind=DocumentKind.SYLLABUS
    )
    assert created
    again, created_again = services.reminder_create(
        user=cast.office, school_year=year, kind=DocumentKind.SYLLABUS
    )
    assert (again.pk, created_again) == (reminder.pk, False)
    services.reminder_send(reminder.pk, "http://testserver/documenti/docente/")
    services.reminder_send(reminder.pk, "http://testserver/documenti/docente/")  # once
    messages = mailbox.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == [
        "altro@example.org", "coordinatore@example.org",
    ]  # fmt: skip
    body = Mailbox.body(mailbox.to("coordinatore@example.org")[0])
    assert "Programma svolto di Italiano della classe" in body
    assert "http://testserver/documenti/docente/" in body
    reminder.refresh_from_db()
    assert (reminder.teachers, reminder.messages_sent) == (2, 2)
    assert DocumentReminder.objects.count() == 1
    with pytest.raises(services.NotAllowed):
        services.reminder_create(user=cast.teacher, school_year=year, kind=DocumentKind.PLAN)


def test_nothing_to_remind_is_said(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    with pytest.raises(services.ClassDocumentError) as refused:
        services.reminder_create(user=cast.office, school_year=year, kind=DocumentKind.MAY_15)
    assert refused.value.code == "nothing_missing"
