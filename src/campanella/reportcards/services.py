"""Writes of report cards: making (and keeping) each version of a student's PDF, publishing a
session to families, recording a confirmation of viewing, and the classroom's bundle job.

Report cards are made only from a locked session (`ReportCardError` otherwise): the PDF is what
the council decided, printed by `lib.report_cards` from the same data the minutes are made of
(`evaluation.documents.session_data`). A session's version grows when the principal reopens it;
the next report card is then a new version and the earlier ones stay, with their confirmations.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.evaluation.council import CouncilError
from campanella.evaluation.documents import session_data
from campanella.evaluation.models import EvaluationSession, Step
from campanella.evaluation.selectors import session_students
from campanella.lib import council_documents as docs
from campanella.lib import report_cards as cards
from campanella.people.mail import send_templated_mail
from campanella.people.models import Guardianship, Student, User
from campanella.people.news import StudentNews, tell_families
from campanella.reportcards import rules
from campanella.reportcards.models import (
    BundleStatus,
    ConfirmationReminder,
    Publication,
    ReportCard,
    ReportCardBundle,
    ViewConfirmation,
)
from campanella.school.models import JudgementArea, School, SchoolKind, Term
from campanella.school.selectors import judgement_descriptions


class ReportCardError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """The login may not do this to this object: answered 404, as for a missing one."""


# --- the PDF ------------------------------------------------------------------------------


def locked_or_refuse(session: EvaluationSession) -> None:
    if session.step != Step.LOCKED:
        raise ReportCardError(
            _("Le pagelle si producono solo da uno scrutinio chiuso: %(session)s non lo è.")
            % {"session": session_name(session)},
            "session_not_locked",
        )


def session_name(session: EvaluationSession) -> str:
    return f"{session.get_kind_display()} della classe {session.classroom.name}"


class Printer:
    """Everything a session's report cards print, read once (a constant number of queries),
    then one PDF per student."""

    def __init__(self, session: EvaluationSession) -> None:
        locked_or_refuse(session)
        try:
            self.data = session_data(session)
        except CouncilError as error:
            raise ReportCardError(str(error), "document_data") from None
        students = Student.objects.filter(pk__in=[int(s.key) for s in self.data.students])
        self.facts = {
            str(s.pk): cards.StudentFacts(str(s.pk), s.birth_date, s.birth_place)
            for s in students.only("pk", "birth_date", "birth_place")
        }
        self.descriptions: dict[str, str] = {}
        self.behaviour_descriptions: dict[str, str] = {}
        if session.classroom.school.kind == SchoolKind.PRIMARY:
            school_id = session.classroom.school_id
            self.descriptions = judgement_descriptions(school_id, JudgementArea.LEARNING)
            self.behaviour_descriptions = judgement_descriptions(school_id, JudgementArea.BEHAVIOUR)

    def student_keys(self) -> list[str]:
        return [s.key for s in self.data.students]

    def one(self, student_id: int) -> bytes:
        return cards.report_card_pdf(
            self.data,
            str(student_id),
            facts=self.facts.get(str(student_id)),
            descriptions=self.descriptions,
            behaviour_descriptions=self.behaviour_descriptions,
        )

    def many(self, keys: Iterable[str]) -> bytes:
        return cards.report_cards_pdf(
            self.data,
            list(keys),
            facts=self.facts,
            descriptions=self.descriptions,
            behaviour_descriptions=self.behaviour_descriptions,
        )


def current_report_card(session: EvaluationSession, student_id: int) -> ReportCard | None:
    return ReportCard.objects.filter(
        session=session, student_id=student_id, session_version=session.version
    ).first()


def report_card_current(
    *,
    session: EvaluationSession,
    student_id: int,
    user: User | None = None,
    printer: Printer | None = None,
) -> ReportCard:
    """The report card of this version of the session, made now if it was not yet; earlier
    versions stay. Two requests at once make it once (the second reads the first's)."""
    found = current_report_card(session, student_id)
    if found is not None:
        return found
    printer = printer or Printer(session)
    try:
        pdf = printer.one(student_id)
    except (cards.ReportCardError, docs.CouncilDocumentError) as error:
        raise ReportCardError(str(error), "document_data") from None
    top = ReportCard.objects.filter(session=session, student_id=student_id).aggregate(
        top=Max("version")
    )["top"]
    card = ReportCard(
        session=session,
        student_id=student_id,
        version=(top or 0) + 1,
        session_version=session.version,
        created_by=user if getattr(user, "pk", None) else None,
    )
    name = slugify(f"pagella-{session.pk}-{student_id}-v{card.version}")
    try:
        with transaction.atomic():
            card.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
            card.save()
    except IntegrityError:
        card.pdf.delete(save=False)
        again = current_report_card(session, student_id)
        if again is None:
            raise
        return again
    return card


def report_cards_prepare(session_id: int) -> int:
    """Make every student's current report card of a locked session ahead of the families'
    downloads (the publication queues it); those already made are kept. Returns how many
    were made now."""
    session = (
        EvaluationSession.objects.select_related(
            "classroom__school__institute", "term__school_year"
        )
        .filter(pk=session_id, step=Step.LOCKED)
        .first()
    )
    if session is None:
        return 0
    made = set(
        ReportCard.objects.filter(session=session, session_version=session.version).values_list(
            "student_id", flat=True
        )
    )
    printer = Printer(session)
    missing = [int(key) for key in printer.student_keys() if int(key) not in made]
    for student_id in missing:
        report_card_current(session=session, student_id=student_id, printer=printer)
    return len(missing)


# --- publication -------------------------------------------------------------------------


@transaction.atomic
def publication_set(
    *, user: User, sessions: Iterable[EvaluationSession], publish_at: datetime.datetime
) -> list[Publication]:
    """From `publish_at` on, families see the report cards of these sessions. Only locked
    sessions (ReportCardError names the first that is not), only by the institute's office or
    principal (NotAllowed). The change is in the history."""
    chosen = list(sessions)
    if not chosen:
        raise ReportCardError(_("Scegliere almeno uno scrutinio da pubblicare."), "no_session")
    for session in chosen:
        if not rules.may_publish(user, session):
            raise NotAllowed
    for session in chosen:
        locked_or_refuse(session)
    done = []
    for session in chosen:
        existing = Publication.objects.select_for_update().filter(session=session).first()
        before = snapshot(existing) if existing else None
        if existing is not None and existing.publish_at == publish_at:
            done.append(existing)
            continue
        publication = existing or Publication(session=session)
        publication.publish_at = publish_at
        publication.set_by = user
        publication.set_at = timezone.now()
        publication.save()
        change_record(
            instance=publication,
            action=ChangeAction.UPDATE if existing else ChangeAction.CREATE,
            actor=user,
            before=before,
            institute_id=session.classroom.school.institute_id,
        )
        done.append(publication)
        tell_about_report_cards(session, publish_at)
    return done


def tell_about_report_cards(session: EvaluationSession, publish_at: datetime.datetime) -> None:
    """Each family (and student) is told once, from the publication (a later change of the
    date keeps the first notification: its key is the session and the student)."""
    from django.urls import reverse

    students = rules.session_students_ids(session).values_list("pk", flat=True)
    tell_families(
        [
            StudentNews(
                student_ids=(student_id,),
                kind="report_card",
                title=_("Pagella pubblicata: %(session)s") % {"session": session_name(session)},
                url=reverse("reportcards:card", args=[session.pk, student_id]),
                key=f"report_card:{session.pk}:{student_id}",
                not_before=publish_at,
            )
            for student_id in students
        ],
        school_id=session.classroom.school_id,
    )


# --- presa visione -----------------------------------------------------------------------


def confirmation_record(
    *, user: User, session_id: int, student_id: int
) -> tuple[ViewConfirmation, bool]:
    """The login confirms having seen the student's current report card: (the confirmation,
    whether it is new). Asked again, it changes nothing. Only a guardian of the student or the
    adult student, once published (NotAllowed otherwise: the same 404 as a missing card)."""
    access = rules.report_card_access(user, session_id, student_id)
    if access is None or not access.family or not access.may_confirm:
        raise NotAllowed
    card = report_card_current(session=access.session, student_id=student_id, user=user)
    found = ViewConfirmation.objects.filter(report_card=card, user=user).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            confirmation = ViewConfirmation.objects.create(
                report_card=card,
                session=access.session,
                student_id=student_id,
                user=user,
                as_student=rules.roles_for_user(user).student is not None
                and rules.roles_for_user(user).student.pk == student_id,  # type: ignore[union-attr]
            )
    except IntegrityError:  # the same login confirmed twice at once
        return ViewConfirmation.objects.get(report_card=card, user=user), False
    return confirmation, True


# --- the classroom's bundle ------------------------------------------------------------------


def bundle_create(*, user: User, session: EvaluationSession) -> ReportCardBundle:
    """Queue the classroom's report cards in one PDF (the job is `tasks.run_bundle`)."""
    if not rules.may_follow(user, session):
        raise NotAllowed
    locked_or_refuse(session)
    return ReportCardBundle.objects.create(
        session=session, classroom=session.classroom, requested_by=user
    )


def school_sessions(school: School, term: Term, kind: str) -> list[EvaluationSession]:
    """The locked sessions of a school's classrooms for a period and kind (not the deferred
    ones of single students), by classroom."""
    return list(
        EvaluationSession.objects.filter(
            classroom__school=school, term=term, kind=kind, step=Step.LOCKED, student=None
        )
        .select_related("classroom__school__institute", "term__school_year")
        .order_by("classroom__year", "classroom__section", "classroom__track", "pk")
    )


def school_bundle_create(*, user: User, school: School, term: Term, kind: str) -> ReportCardBundle:
    """Queue the report cards of every locked session of a school for a period and kind, as a
    zip of one PDF per classroom. Office and principal of the institute only."""
    if not rules.manages(user, school.institute_id) or term.school_id != school.pk:
        raise NotAllowed
    if not school_sessions(school, term, kind):
        raise ReportCardError(
            _("Nessuno scrutinio chiuso di %(school)s per questo periodo.")
            % {"school": school.name},
            "no_locked_session",
        )
    return ReportCardBundle.objects.create(school=school, term=term, kind=kind, requested_by=user)


def bundle_run(bundle_id: int) -> ReportCardBundle:
    """Make every student's report card (kept, so families' downloads find them ready), then
    the classroom's PDF (a school's: one PDF per classroom, in a zip); progress after each
    one. Safe to run once: a second worker leaves it."""
    taken = ReportCardBundle.objects.filter(pk=bundle_id, status=BundleStatus.PENDING).update(
        status=BundleStatus.RUNNING, started_at=timezone.now()
    )
    bundle = ReportCardBundle.objects.select_related("classroom", "school", "term").get(
        pk=bundle_id
    )
    if not taken:
        return bundle
    try:
        if bundle.session_id is not None:
            sessions = list(
                EvaluationSession.objects.select_related(
                    "classroom__school__institute", "term__school_year"
                ).filter(pk=bundle.session_id)
            )
        else:
            assert bundle.school is not None
            assert bundle.term is not None
            sessions = school_sessions(bundle.school, bundle.term, bundle.kind)
        printers = [Printer(session) for session in sessions]
        bundle.total = sum(len(p.student_keys()) + 1 for p in printers)  # every card, then each PDF
        ReportCardBundle.objects.filter(pk=bundle.pk).update(total=bundle.total)
        files: list[tuple[str, bytes]] = []
        for session, printer in zip(sessions, printers, strict=True):
            keys = printer.student_keys()
            for key in keys:
                report_card_current(
                    session=session, student_id=int(key), user=bundle.requested_by,
                    printer=printer,
                )  # fmt: skip
                progress(bundle)
            name = slugify(f"pagelle-{session.classroom.name}-{session.pk}") or "pagelle"
            files.append((f"{name}.pdf", printer.many(keys)))
            progress(bundle)
        if bundle.session_id is not None:
            name = slugify(f"pagelle-{sessions[0].classroom.name}-{sessions[0].pk}-{bundle.pk}")
            bundle.file.save(f"{name}.pdf", ContentFile(files[0][1]), save=False)
        else:
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:  # PDFs are compressed
                for file_name, content in files:
                    zipped.writestr(file_name, content)
            name = slugify(f"pagelle-{bundle.school.name if bundle.school else ''}-{bundle.pk}")
            bundle.file.save(f"{name}.zip", ContentFile(archive.getvalue()), save=False)
    except Exception as error:  # the office must see the failure, not a job stuck "running"
        message = getattr(error, "message", None) or str(error)
        ReportCardBundle.objects.filter(pk=bundle.pk).update(
            status=BundleStatus.FAILED, error=message[:300], finished_at=timezone.now()
        )
        bundle.refresh_from_db()
        return bundle
    bundle.processed = bundle.total
    bundle.status = BundleStatus.DONE
    bundle.finished_at = timezone.now()
    bundle.save(update_fields=["file", "processed", "status", "finished_at"])
    return bundle


# --- reminders ----------------------------------------------------------------------------


def reminder_create(
    *, user: User, session: EvaluationSession, login_url: str
) -> ConfirmationReminder:
    """Queue an e-mail to the families who have not confirmed the current report card (the job
    is `tasks.send_reminder`). Only once published: before it, families cannot see it."""
    if not rules.may_follow(user, session):
        raise NotAllowed
    locked_or_refuse(session)
    if not rules.published_sessions().filter(pk=session.pk).exists():
        raise ReportCardError(
            _("Le pagelle di %(session)s non sono ancora pubblicate: il promemoria si invia "
              "dopo la pubblicazione.") % {"session": session_name(session)},
            "not_published",
        )  # fmt: skip
    return ConfirmationReminder.objects.create(session=session, sent_by=user, login_url=login_url)


def reminder_recipients(session: EvaluationSession) -> list[tuple[Student, list[tuple[str, str]]]]:
    """Per student with no confirmation of the current version: whom to remind."""
    confirmed = ViewConfirmation.objects.filter(
        session=session, report_card__session_version=session.version
    ).values("student_id")
    return family_recipients(session_students(session).exclude(pk__in=confirmed))


Recipients = list[tuple[Student, list[tuple[str, str]]]]


def family_recipients(students: QuerySet[Student]) -> Recipients:
    """Per student: (name, address) of each guardian who receives communications (link not
    revoked) and, for an adult student, the student's own login address. Two queries. Report
    cards' and interim reports' reminders alike."""
    listed = list(students.select_related("user"))
    links = (
        Guardianship.objects.filter(
            student__in=listed, access_revoked_on__isnull=True, receives_communications=True
        )
        .select_related("guardian__user")
        .order_by("pk")
    )
    by_student: dict[int, list[tuple[str, str]]] = {}
    for link in links:
        guardian = link.guardian
        address = guardian.email or (guardian.user.email if guardian.user else "")
        if address:
            by_student.setdefault(link.student_id, []).append((guardian.full_name, address))
    found = []
    for student in listed:
        addresses = by_student.get(student.pk, [])
        if student.is_adult and student.user is not None:
            own = student.user.login_email or student.user.email
            if own:
                addresses.append((student.full_name, own))
        found.append((student, addresses))
    return found


def reminder_send(reminder_id: int) -> ConfirmationReminder:
    """Send the reminder's e-mails (one per family member, in their child's name). Once."""
    reminder = ConfirmationReminder.objects.select_related(
        "session__classroom__school__institute", "session__term"
    ).get(pk=reminder_id)
    if reminder.finished_at is not None:
        return reminder
    session = reminder.session
    assert session is not None  # an interim report's reminder is interim.interim_reminder_send
    kind = session.get_kind_display()
    label = f"{kind} del {session.term.number}° {session.term.get_kind_display()}"
    return reminder_mail(
        reminder,
        reminder_recipients(session),
        template="reportcards/email/reminder",
        school=session.classroom.school.institute.name,
        context={"session_label": label, "classroom": session.classroom.name},
    )


def reminder_mail(
    reminder: ConfirmationReminder,
    recipients: Recipients,
    *,
    template: str,
    school: str,
    context: dict[str, str],
) -> ConfirmationReminder:
    """Mail each recipient in their child's name, then keep on the reminder how many."""
    sent = 0
    for student, addresses in recipients:
        for name, address in addresses:
            send_templated_mail(
                to=address,
                template=template,
                school=school,
                context={
                    **context,
                    "person_name": name,
                    "student_name": f"{student.name} {student.surname}",
                    "login_url": reminder.login_url,
                },
            )
            sent += 1
    reminder.students = len(recipients)
    reminder.messages_sent = sent
    reminder.finished_at = timezone.now()
    reminder.save(update_fields=["students", "messages_sent", "finished_at"])
    return reminder


def progress(bundle: ReportCardBundle) -> None:
    bundle.processed += 1
    ReportCardBundle.objects.filter(pk=bundle.pk).update(processed=bundle.processed)


def publication_of(session: EvaluationSession) -> Publication | None:
    try:
        return session.publication
    except Publication.DoesNotExist:
        return None


__all__ = [
    "NotAllowed",
    "Printer",
    "ReportCardError",
    "bundle_create",
    "bundle_run",
    "confirmation_record",
    "publication_of",
    "publication_set",
    "report_card_current",
    "report_cards_prepare",
    "school_bundle_create",
]
