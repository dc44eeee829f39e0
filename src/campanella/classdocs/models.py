"""Class documents: per classroom × subject the plan (piano di lavoro), the syllabus covered
(programma svolto) and the final report (relazione finale); per year-5 classroom the "Documento
del 15 maggio" of the class council (no subject). Teachers upload PDFs; a replacement is a new
version and the earlier ones stay (one current version per slot); a withdrawal keeps the row.

The office sets deadlines (per school year × kind, optionally per school and class year),
publishes a kind for a school year from a date and time (or a single document), and reminds the
teachers who are missing a document by e-mail.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.people.models import User
from campanella.school.models import Classroom, School, SchoolYear, Subject


class DocumentKind(models.TextChoices):
    PLAN = "piano", _("Piano di lavoro")
    SYLLABUS = "programma", _("Programma svolto")
    FINAL_REPORT = "relazione", _("Relazione finale")
    MAY_15 = "15-maggio", _("Documento del 15 maggio")


SUBJECT_KINDS = (DocumentKind.PLAN, DocumentKind.SYLLABUS, DocumentKind.FINAL_REPORT)
FINAL_YEAR = 5  # the "Documento del 15 maggio" is of the classrooms of the final year


class ClassDocument(models.Model):
    """One version of the document of a slot (classroom, subject, kind); subject is empty
    for the 15 May document. `current` marks the version families read; a withdrawal leaves no
    current version but keeps every row and file."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="+", verbose_name=_("classe")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("materia"),
    )  # fmt: skip
    kind = models.CharField(_("tipo"), max_length=12, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField(_("versione"))
    current = models.BooleanField(_("versione in vigore"), default=True)
    file = models.FileField(_("PDF"), upload_to="documenti-classe/%Y/")
    original_name = models.CharField(_("nome del file"), max_length=200)
    size = models.PositiveIntegerField(_("dimensione in byte"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("caricato da")
    )
    uploaded_at = models.DateTimeField(_("caricato il"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("ritirato il"), null=True, blank=True)
    publish_at = models.DateTimeField(
        _("pubblicato singolarmente dal"), null=True, blank=True
    )  # set by the office for this document alone; kept across versions

    class Meta:
        verbose_name = _("documento di classe")
        verbose_name_plural = _("documenti di classe")
        ordering = ["classroom_id", "kind", "subject_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "subject", "kind", "version"],
                condition=Q(subject__isnull=False),
                name="class_document_version_once",
            ),
            models.UniqueConstraint(
                fields=["classroom", "kind", "version"],
                condition=Q(subject__isnull=True),
                name="class_document_version_once_no_subject",
            ),
            models.UniqueConstraint(
                fields=["classroom", "subject", "kind"],
                condition=Q(subject__isnull=False, current=True),
                name="class_document_one_current",
            ),
            models.UniqueConstraint(
                fields=["classroom", "kind"],
                condition=Q(subject__isnull=True, current=True),
                name="class_document_one_current_no_subject",
            ),
            models.CheckConstraint(
                condition=Q(kind="15-maggio", subject__isnull=True)
                | (~Q(kind="15-maggio") & Q(subject__isnull=False)),
                name="class_document_subject_unless_may_15",
            ),
        ]

    def __str__(self) -> str:
        subject = f" – {self.subject}" if self.subject_id else ""
        return f"{self.get_kind_display()}{subject} – {self.classroom} v{self.version}"


class DocumentDeadline(models.Model):
    """By when a kind of document is due in a school year: for every classroom, or only for a
    school's and/or a class year's (the most specific one applies)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("anno scolastico")
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=DocumentKind.choices)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("scuola"),
    )  # fmt: skip
    class_year = models.PositiveSmallIntegerField(_("anno di corso"), null=True, blank=True)
    due_on = models.DateField(_("scadenza"))
    set_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("impostata da")
    )
    set_at = models.DateTimeField(_("impostata il"), default=timezone.now)

    class Meta:
        verbose_name = _("scadenza dei documenti di classe")
        verbose_name_plural = _("scadenze dei documenti di classe")
        ordering = ["school_year_id", "kind", "school_id", "class_year"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} entro il {self.due_on:%d/%m/%Y}"

    def applies_to(self, classroom: Classroom) -> bool:
        return (self.school_id is None or self.school_id == classroom.school_id) and (
            self.class_year is None or self.class_year == classroom.year
        )

    @property
    def specificity(self) -> int:
        return (2 if self.school_id else 0) + (1 if self.class_year else 0)


class DocumentPublication(models.Model):
    """From when the families and students of each classroom read a kind's documents of a
    school year (nothing before)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("anno scolastico")
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=DocumentKind.choices)
    publish_at = models.DateTimeField(_("pubblicazione dal"))
    set_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("impostata da")
    )
    set_at = models.DateTimeField(_("impostata il"), default=timezone.now)

    class Meta:
        verbose_name = _("pubblicazione dei documenti di classe")
        verbose_name_plural = _("pubblicazioni dei documenti di classe")
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "kind"], name="class_document_publication_once"
            ),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.publish_at)
        return f"{self.get_kind_display()} dal {when:%d/%m/%Y %H:%M}"

    def is_published(self, now: datetime.datetime | None = None) -> bool:
        return self.publish_at <= (now or timezone.now())


class DocumentReminder(models.Model):
    """An e-mail to the teachers missing a kind's documents of a school year (of one classroom,
    or of all); at most one per minute for the same kind and classroom (a double click, two
    tabs), kept as the reminders' history."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("anno scolastico")
    )
    kind = models.CharField(_("tipo"), max_length=12, choices=DocumentKind.choices)
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("classe"),
    )  # fmt: skip
    minute = models.DateTimeField(_("minuto dell'invio"))
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("inviato da")
    )
    requested_at = models.DateTimeField(_("richiesto il"), default=timezone.now)
    finished_at = models.DateTimeField(_("inviato il"), null=True, blank=True)
    teachers = models.PositiveIntegerField(_("docenti sollecitati"), default=0)
    messages_sent = models.PositiveIntegerField(_("messaggi inviati"), default=0)

    class Meta:
        verbose_name = _("sollecito dei documenti di classe")
        verbose_name_plural = _("solleciti dei documenti di classe")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "kind", "classroom", "minute"],
                condition=Q(classroom__isnull=False),
                name="class_document_reminder_once_a_minute",
            ),
            models.UniqueConstraint(
                fields=["school_year", "kind", "minute"],
                condition=Q(classroom__isnull=True),
                name="class_document_reminder_all_once_a_minute",
            ),
        ]

    def __str__(self) -> str:
        return f"Sollecito {self.get_kind_display()} ({self.requested_at:%d/%m/%Y %H:%M})"
