"""Writes of class documents, one atomic action each, with their history in `audit`: a
teacher's upload (a replacement is a new version, the earlier stays), a withdrawal, the office's
deadlines, publications and reminders.

Refusals: `NotAllowed` when the login may not touch the slot or the object (answered 404, as
for a missing one, and nothing is written); `ClassDocumentError` with an Italian message and a
stable code for what the login may do but not like this (a file that is not a PDF, too big, a
published document replaced…).
"""

from __future__ import annotations

import datetime
import hashlib
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.classdocs import rules, selectors
from campanella.classdocs.models import (
    FINAL_YEAR,
    ClassDocument,
    DocumentDeadline,
    DocumentKind,
    DocumentPublication,
    DocumentReminder,
)
from campanella.lib.pdf_check import pdf_problem
from campanella.people.mail import send_templated_mail
from campanella.people.models import Staff, User
from campanella.school.models import Classroom, School, SchoolYear, Subject


class ClassDocumentError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """The login may not do this to this object: answered 404, as for a missing one."""


# --- the file ------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(settings.CLASS_DOCUMENT_MAX_MB) * 1024 * 1024


def file_checked(stream: IO[bytes], size: int) -> None:
    """Refuse what is not a whole PDF, by its content; or what is over the size limit."""
    if size > max_bytes():
        raise ClassDocumentError(
            _("Il file è troppo grande (%(size)s MB): il limite è %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}".replace(".", ","),
               "limit": settings.CLASS_DOCUMENT_MAX_MB},
            "too_big",
        )  # fmt: skip
    if size == 0:
        raise ClassDocumentError(_("Il file è vuoto."), "empty_file")
    problem = pdf_problem(stream, size)  # type: ignore[arg-type]
    if problem == "not_pdf":
        raise ClassDocumentError(
            _("Il file non è un PDF: si possono caricare solo documenti PDF "
              "(il nome del file non basta, conta il contenuto)."),
            "not_pdf",
        )  # fmt: skip
    if problem is not None:
        raise ClassDocumentError(
            _("Il PDF è danneggiato o incompleto: salvarlo di nuovo e ricaricarlo."),
            "broken_pdf",
        )


def digest(stream: IO[bytes]) -> str:
    stream.seek(0)
    found = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        found.update(chunk)
    stream.seek(0)
    return found.hexdigest()


def slot_name(classroom: Classroom, subject: Subject | None, kind: str) -> str:
    label = str(DocumentKind(kind).label)
    return (
        f"{label} di {subject.name} della classe {classroom.name}"
        if subject
        else (f"{label} della classe {classroom.name}")
    )


def document_state(document: ClassDocument) -> dict[str, Any]:
    """The history's picture of a version: its fields, the stored file by name."""
    fields = [f.name for f in ClassDocument._meta.concrete_fields if f.name != "file"]
    return {**snapshot(document, fields), "file": document.file.name}


# --- teachers ------------------------------------------------------------------------------


def slot_checked(user: User, classroom: Classroom, subject: Subject | None, kind: str) -> None:
    if kind not in DocumentKind.values:  # the kinds are public: naming a wrong one leaks nothing
        raise ClassDocumentError(
            _("Tipo di documento sconosciuto: indicare piano, programma, relazione o 15-maggio."),
            "unknown_kind",
        )
    if kind == DocumentKind.MAY_15:
        subject = None
    if not rules.may_upload(user, (classroom, subject, kind)):
        raise NotAllowed
    if kind == DocumentKind.MAY_15 and classroom.year != FINAL_YEAR:
        raise NotAllowed


def published_refused(document: ClassDocument | None, verb: str) -> None:
    if document is not None and rules.is_published(document):
        raise ClassDocumentError(
            _("Il documento è già pubblicato alle famiglie: non si può più %(verb)s. "
              "Rivolgersi alla segreteria.") % {"verb": verb},
            "already_published",
        )  # fmt: skip


@transaction.atomic
def document_upload(
    *,
    user: User,
    classroom: Classroom,
    subject: Subject | None,
    kind: str,
    upload: IO[bytes],
    size: int,
    name: str,
) -> ClassDocument:
    """Upload the PDF of a slot this login writes (NotAllowed otherwise, before reading the
    file); a replacement makes a new version and keeps the earlier. Refused when not a PDF,
    too big, or when the current version is already published."""
    slot_checked(user, classroom, subject, kind)
    if kind == DocumentKind.MAY_15:
        subject = None
    file_checked(upload, size)
    slot = ClassDocument.objects.filter(classroom=classroom, subject=subject, kind=kind)
    current = slot.select_for_update().filter(current=True).first()
    published_refused(current, _("sostituire"))
    top = slot.aggregate(top=Max("version"))["top"] or 0
    document = ClassDocument(
        classroom=classroom, subject=subject, kind=kind, version=top + 1, current=True,
        original_name=(name or "documento.pdf")[:200], size=size, sha256=digest(upload),
        uploaded_by=user, publish_at=current.publish_at if current else None,
    )  # fmt: skip
    institute_id = classroom.school.institute_id
    if current is not None:
        before = document_state(current)
        current.current = False
        current.save(update_fields=["current"])
        change_record(
            instance=current, action=ChangeAction.UPDATE, actor=user, before=before,
            after=document_state(current),
            reason="sostituito da una nuova versione", institute_id=institute_id,
        )  # fmt: skip
    stored = slugify(f"{kind}-{classroom.name}-{subject.short_name if subject else ''}")
    document.file.save(f"{stored}-v{document.version}.pdf", File(upload), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # two uploads of the same slot at once: the other one won
        document.file.delete(save=False)
        raise ClassDocumentError(
            _("Il documento è stato caricato da qualcun altro nello stesso momento: riprovare."),
            "conflict",
        ) from None
    change_record(
        instance=document, action=ChangeAction.CREATE, actor=user, after=document_state(document),
        reason="nuova versione" if current else "caricamento", institute_id=institute_id,
    )  # fmt: skip
    return document


@transaction.atomic
def document_withdraw(*, user: User, document_id: int) -> ClassDocument:
    """The teacher withdraws the current version of their slot (kept, no longer current)."""
    document = rules.own_document(user, document_id)
    if document is None:
        raise NotAllowed
    published_refused(document, _("ritirare"))
    before = document_state(document)
    document.current = False
    document.withdrawn_at = timezone.now()
    document.save(update_fields=["current", "withdrawn_at"])
    change_record(
        instance=document, action=ChangeAction.CANCEL, actor=user, before=before,
        after=document_state(document),
        reason="ritirato dal docente", institute_id=document.classroom.school.institute_id,
    )  # fmt: skip
    return document


# --- the office ----------------------------------------------------------------------------


def managed_or_refuse(user: User, school_year: SchoolYear) -> None:
    if not rules.may_manage(user, school_year.institute_id):
        raise NotAllowed


@transaction.atomic
def deadline_set(
    *,
    user: User,
    school_year: SchoolYear,
    kind: str,
    due_on: datetime.date,
    school: School | None = None,
    class_year: int | None = None,
) -> DocumentDeadline:
    """By when a kind is due (for all classrooms, or a school's, or a class year's)."""
    managed_or_refuse(user, school_year)
    if kind not in DocumentKind.values:
        raise ClassDocumentError(_("Tipo di documento sconosciuto."), "unknown_kind")
    if school is not None and school.institute_id != school_year.institute_id:
        raise NotAllowed
    if kind == DocumentKind.MAY_15 and class_year not in (None, FINAL_YEAR):
        raise ClassDocumentError(
            _("Il documento del 15 maggio riguarda solo le classi quinte."), "only_final_year"
        )
    if not school_year.start_date <= due_on <= school_year.end_date:
        raise ClassDocumentError(
            _("La scadenza deve cadere nell'anno scolastico %(year)s.")
            % {"year": school_year.name},
            "deadline_outside_year",
        )
    existing = (
        DocumentDeadline.objects.select_for_update()
        .filter(school_year=school_year, kind=kind, school=school, class_year=class_year)
        .first()
    )
    before = snapshot(existing) if existing else None
    deadline = existing or DocumentDeadline(
        school_year=school_year, kind=kind, school=school, class_year=class_year
    )
    deadline.due_on = due_on
    deadline.set_by = user
    deadline.set_at = timezone.now()
    deadline.save()
    change_record(
        instance=deadline, action=ChangeAction.UPDATE if existing else ChangeAction.CREATE,
        actor=user, before=before, institute_id=school_year.institute_id,
    )  # fmt: skip
    return deadline


@transaction.atomic
def publication_set(
    *, user: User, school_year: SchoolYear, kind: str, publish_at: datetime.datetime
) -> DocumentPublication:
    """From `publish_at` on, the families and students of each classroom of the year read its
    documents of this kind."""
    managed_or_refuse(user, school_year)
    if kind not in DocumentKind.values:
        raise ClassDocumentError(_("Tipo di documento sconosciuto."), "unknown_kind")
    existing = (
        DocumentPublication.objects.select_for_update()
        .filter(school_year=school_year, kind=kind)
        .first()
    )
    if existing is not None and existing.publish_at == publish_at:
        return existing
    before = snapshot(existing) if existing else None
    publication = existing or DocumentPublication(school_year=school_year, kind=kind)
    publication.publish_at = publish_at
    publication.set_by = user
    publication.set_at = timezone.now()
    publication.save()
    change_record(
        instance=publication, action=ChangeAction.UPDATE if existing else ChangeAction.CREATE,
        actor=user, before=before, institute_id=school_year.institute_id,
    )  # fmt: skip
    return publication


@transaction.atomic
def document_publish(
    *, user: User, document_id: int, publish_at: datetime.datetime
) -> ClassDocument:
    """Publish one current document from `publish_at` (whatever its kind's publication)."""
    document = rules.managed_document(user, document_id)
    if document is None:
        raise NotAllowed
    if document.publish_at == publish_at:
        return document
    before = document_state(document)
    document.publish_at = publish_at
    document.save(update_fields=["publish_at"])
    change_record(
        instance=document, action=ChangeAction.UPDATE, actor=user, before=before,
        after=document_state(document),
        reason="pubblicazione del documento", institute_id=document.classroom.school.institute_id,
    )  # fmt: skip
    return document


def reminder_create(
    *, user: User, school_year: SchoolYear, kind: str, classroom: Classroom | None = None
) -> tuple[DocumentReminder, bool]:
    """Record a reminder to the teachers missing this kind (of a classroom, or of all the
    year's): (the reminder, whether it is new). Asked again in the same minute, the first one
    is returned and nothing is sent twice. The e-mails are `reminder_send` (a background job)."""
    managed_or_refuse(user, school_year)
    if kind not in DocumentKind.values:
        raise ClassDocumentError(_("Tipo di documento sconosciuto."), "unknown_kind")
    if classroom is not None and classroom.school_year_id != school_year.pk:
        raise NotAllowed
    missing = selectors.missing_slots(
        school_year.institute_id, school_year, kind, classroom.pk if classroom else None
    )
    if not any(slot.teachers for slot in missing):
        raise ClassDocumentError(
            _("Nessun docente da sollecitare: i documenti di questo tipo sono tutti caricati."),
            "nothing_missing",
        )
    minute = timezone.now().replace(second=0, microsecond=0)
    try:
        with transaction.atomic():
            reminder, created = DocumentReminder.objects.get_or_create(
                school_year=school_year, kind=kind, classroom=classroom, minute=minute,
                defaults={"sent_by": user},
            )  # fmt: skip
    except IntegrityError:  # the same reminder asked twice at once
        reminder = DocumentReminder.objects.get(
            school_year=school_year, kind=kind, classroom=classroom, minute=minute
        )
        created = False
    return reminder, created


def reminder_send(reminder_id: int, login_url: str = "") -> DocumentReminder:
    """One e-mail per teacher missing documents of the reminder's kind, listing them. Once."""
    taken = DocumentReminder.objects.filter(pk=reminder_id, finished_at=None).update(
        finished_at=timezone.now()
    )
    reminder = DocumentReminder.objects.select_related("school_year__institute").get(pk=reminder_id)
    if not taken:
        return reminder
    school_year = reminder.school_year
    missing = selectors.missing_slots(
        school_year.institute_id, school_year, reminder.kind, reminder.classroom_id
    )
    by_teacher: dict[int, tuple[Any, list[selectors.Slot]]] = {}
    for slot in missing:
        for teacher in slot.teachers:
            by_teacher.setdefault(teacher.pk, (teacher, []))[1].append(slot)
    teacher_ids = list(by_teacher)
    addresses = {
        staff.pk: staff.email or (staff.user.email if staff.user else "")
        for staff in Staff.objects.filter(pk__in=teacher_ids).select_related("user")
    }
    sent = 0
    for teacher_id, (teacher, slots) in by_teacher.items():
        address = addresses.get(teacher_id, "")
        if not address:
            continue
        send_templated_mail(
            to=address,
            template="classdocs/email/reminder",
            school=school_year.institute.name,
            context={
                "person_name": teacher.full_name,
                "kind": str(DocumentKind(reminder.kind).label),
                "lines": [
                    {
                        "name": slot_name(slot.classroom, slot.subject, slot.kind),
                        "due_on": slot.deadline.due_on if slot.deadline else None,
                    }
                    for slot in slots
                ],
                "login_url": login_url,
            },
        )
        sent += 1
    reminder.teachers = len(by_teacher)
    reminder.messages_sent = sent
    reminder.save(update_fields=["teachers", "messages_sent"])
    return reminder
