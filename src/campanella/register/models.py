"""The class register: lessons and signatures, attendance, justifications, notes, agenda.

All of these are public acts: they are written only through `register.services`, which keeps
the history (audit.Change) and never deletes (cancelled records stay, with who/when/why).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Staff, Student, User
from campanella.school.models import Classroom, HourSlot, Subject, Teaching


class Cancellable(models.Model):
    """Never deleted: a mistaken record is cancelled, with who, when and why."""

    cancelled_at = models.DateTimeField(_("annullato il"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("motivo dell'annullamento"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Recorded(Cancellable):
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registrato da")
    )
    recorded_at = models.DateTimeField(_("registrato il"), default=timezone.now)

    class Meta:
        abstract = True


class Lesson(models.Model):
    """One classroom-hour of one day: what was done, with one or more signatures."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("classe")
    )
    date = models.DateField(_("data"))
    slot = models.ForeignKey(HourSlot, on_delete=models.PROTECT, related_name="lessons")
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("materia")
    )
    topic = models.TextField(_("argomento"), blank=True)
    activities = models.TextField(_("attività svolte"), blank=True)

    class Meta:
        verbose_name = _("lezione")
        verbose_name_plural = _("lezioni")
        ordering = ["date", "slot__number"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "date", "slot"], name="lesson_unique_hour")
        ]

    def __str__(self) -> str:
        return f"{self.classroom} {self.date:%d/%m/%Y} {self.slot.number}ª {self.subject}"


class SignatureKind(models.TextChoices):
    OWN = "propria", _("docente della materia")
    CO_TEACHING = "compresenza", _("compresenza")
    SUPPORT = "sostegno", _("sostegno")
    SUBSTITUTION = "supplenza", _("supplenza")


class Signature(Cancellable):
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="signatures")
    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("docente")
    )
    teaching = models.ForeignKey(
        Teaching, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=SignatureKind.choices)
    signed_at = models.DateTimeField(_("firmato il"), default=timezone.now)
    late = models.BooleanField(_("firma in ritardo"), default=False)

    class Meta:
        verbose_name = _("firma")
        verbose_name_plural = _("firme")
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "teacher"],
                condition=Q(cancelled_at__isnull=True),
                name="signature_once_per_teacher",
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher} – {self.lesson}"


class Absence(Recorded):
    """Absent for the whole day (slot empty) or for single hours (one row per hour)."""

    # student and classroom: no index of their own, each leads a composite index (Meta).
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="absences", db_index=False
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="absences", db_index=False
    )
    date = models.DateField(_("data"))
    slot = models.ForeignKey(
        HourSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="absences"
    )
    justification = models.ForeignKey(
        "Justification", on_delete=models.SET_NULL, null=True, blank=True, related_name="absences"
    )

    class Meta:
        verbose_name = _("assenza")
        verbose_name_plural = _("assenze")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "date"],
                condition=Q(slot__isnull=True, cancelled_at__isnull=True),
                name="absence_once_per_day",
            ),
            models.UniqueConstraint(
                fields=["student", "date", "slot"],
                condition=Q(slot__isnull=False, cancelled_at__isnull=True),
                name="absence_once_per_hour",
            ),
        ]
        indexes = [
            models.Index(fields=["classroom", "date"]),
            models.Index(fields=["student", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.student} assente {self.date:%d/%m/%Y}"


class LateEntry(Recorded):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="late_entries")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="late_entries")
    date = models.DateField(_("data"))
    time = models.TimeField(_("ora di entrata"))
    slot = models.ForeignKey(
        HourSlot, on_delete=models.PROTECT, related_name="+", verbose_name=_("entra alla")
    )
    short = models.BooleanField(_("ritardo breve"), default=False)
    justification = models.ForeignKey(
        "Justification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="late_entries",
    )

    class Meta:
        verbose_name = _("entrata posticipata")
        verbose_name_plural = _("entrate posticipate")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "date"],
                condition=Q(cancelled_at__isnull=True),
                name="late_once_per_day",
            )
        ]
        indexes = [models.Index(fields=["classroom", "date"])]

    def __str__(self) -> str:
        return f"{self.student} entra alle {self.time:%H:%M} del {self.date:%d/%m/%Y}"


class EarlyExit(Recorded):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="early_exits")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="early_exits")
    date = models.DateField(_("data"))
    time = models.TimeField(_("ora di uscita"))
    slot = models.ForeignKey(
        HourSlot, on_delete=models.PROTECT, related_name="+", verbose_name=_("esce durante la")
    )
    picked_up_by = models.CharField(_("prelevato da"), max_length=150, blank=True)
    justification = models.ForeignKey(
        "Justification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="early_exits",
    )

    class Meta:
        verbose_name = _("uscita anticipata")
        verbose_name_plural = _("uscite anticipate")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "date"],
                condition=Q(cancelled_at__isnull=True),
                name="exit_once_per_day",
            )
        ]
        indexes = [models.Index(fields=["classroom", "date"])]

    def __str__(self) -> str:
        return f"{self.student} esce alle {self.time:%H:%M} del {self.date:%d/%m/%Y}"


class OffSite(Recorded):
    """Fuori classe for a school activity: counts as present."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="off_site")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="off_site")
    date = models.DateField(_("data"))
    slot = models.ForeignKey(
        HourSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("attività"), max_length=200)

    class Meta:
        verbose_name = _("fuori classe")
        verbose_name_plural = _("fuori classe")

    def __str__(self) -> str:
        return f"{self.student} fuori classe {self.date:%d/%m/%Y}: {self.reason}"


class JustificationKind(models.TextChoices):
    ABSENCE = "assenza", _("assenza")
    LATE = "ritardo", _("entrata posticipata")
    EXIT = "uscita", _("uscita anticipata")


class JustificationStatus(models.TextChoices):
    PENDING = "in_attesa", _("in attesa di convalida")
    ACCEPTED = "accettata", _("accettata")
    REJECTED = "respinta", _("respinta")
    WITHDRAWN = "ritirata", _("ritirata")


class Justification(models.Model):
    """Libretto web: the family justifies (or announces) an absence, late entry or exit."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="justifications")
    kind = models.CharField(_("tipo"), max_length=10, choices=JustificationKind.choices)
    start_date = models.DateField(_("dal"))
    end_date = models.DateField(_("al"))
    time = models.TimeField(_("ora prevista"), null=True, blank=True)
    reason = models.CharField(_("motivo"), max_length=300)
    in_advance = models.BooleanField(_("comunicata in anticipo"), default=False)
    status = models.CharField(
        _("stato"),
        max_length=10,
        choices=JustificationStatus.choices,
        default=JustificationStatus.PENDING,
    )
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("nota del docente"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("giustificazione")
        verbose_name_plural = _("giustificazioni")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="justification_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.student} {self.start_date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status == JustificationStatus.PENDING


class DisciplinaryNote(Recorded):
    """Nota disciplinare for some students or (no students) the whole classroom."""

    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="notes")
    students = models.ManyToManyField(Student, blank=True, related_name="disciplinary_notes")
    date = models.DateField(_("data"))
    text = models.TextField(_("testo"))
    measure = models.TextField(_("provvedimento del dirigente"), blank=True)
    measure_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("nota disciplinare")
        verbose_name_plural = _("note disciplinari")
        ordering = ["-date", "-recorded_at"]

    def __str__(self) -> str:
        return f"Nota {self.classroom} {self.date:%d/%m/%Y}"


class Annotation(Recorded):
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="annotations")
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="annotations"
    )
    date = models.DateField(_("data"))
    text = models.TextField(_("testo"))
    visible_to_family = models.BooleanField(_("visibile alla famiglia"), default=False)

    class Meta:
        verbose_name = _("annotazione")
        verbose_name_plural = _("annotazioni")
        ordering = ["-date", "-recorded_at"]

    def __str__(self) -> str:
        return f"Annotazione {self.classroom} {self.date:%d/%m/%Y}"


class AgendaKind(models.TextChoices):
    HOMEWORK = "compiti", _("compiti")
    TEST = "verifica", _("verifica")


class AgendaItem(Recorded):
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="agenda")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("tipo"), max_length=10, choices=AgendaKind.choices)
    date = models.DateField(_("per il giorno"))
    text = models.TextField(_("descrizione"))

    class Meta:
        verbose_name = _("voce dell'agenda")
        verbose_name_plural = _("agenda")
        ordering = ["date"]
        indexes = [models.Index(fields=["classroom", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.date:%d/%m/%Y}"


def combine(day: datetime.date, moment: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, moment))


class AttendanceWaiver(Recorded):
    """Deroga (DPR 122/2009 art. 14): hours the principal exempts from the 25% limit."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="waivers")
    school_year = models.ForeignKey("school.SchoolYear", on_delete=models.PROTECT, related_name="+")
    hours = models.PositiveIntegerField(_("ore escluse dal limite"))
    reason = models.CharField(_("motivo"), max_length=300)

    class Meta:
        verbose_name = _("deroga al limite di assenze")
        verbose_name_plural = _("deroghe al limite di assenze")

    def __str__(self) -> str:
        return f"Deroga {self.student}: {self.hours} ore"
