"""Report cards (pagelle): the PDF of each student for a locked scrutinio, its publication to
families from a date and time the office sets, and the families' confirmations of viewing
(presa visione). Domain: shared/domain/term-evaluation.md §5.

Every generated PDF is kept as a version (like `evaluation.SessionDocument`): after the
principal reopens a session and it is locked again, a new version is made and the earlier one
stays, with the confirmations given on it.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.evaluation.models import EvaluationSession
from campanella.people.models import Student, User
from campanella.school.models import Classroom, School, Term


class Publication(models.Model):
    """From when families see the report cards of a session (domain §5: nothing before)."""

    session = models.OneToOneField(
        EvaluationSession,
        on_delete=models.PROTECT,
        related_name="publication",
        verbose_name=_("scrutinio"),
    )
    publish_at = models.DateTimeField(_("pubblicazione dal"))
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("impostata il"), default=timezone.now)

    class Meta:
        verbose_name = _("pubblicazione delle pagelle")
        verbose_name_plural = _("pubblicazioni delle pagelle")

    def __str__(self) -> str:
        return f"{self.session} dal {timezone.localtime(self.publish_at):%d/%m/%Y %H:%M}"

    def is_published(self, now: datetime.datetime | None = None) -> bool:
        return self.publish_at <= (now or timezone.now())


class ReportCard(models.Model):
    """One version of a student's report card for a session; earlier versions are kept."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.PROTECT, related_name="report_cards"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="report_cards")
    version = models.PositiveSmallIntegerField(_("versione"))
    session_version = models.PositiveSmallIntegerField(_("versione dello scrutinio"))
    pdf = models.FileField(_("PDF"), upload_to="pagelle/%Y/")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pagella")
        verbose_name_plural = _("pagelle")
        ordering = ["session_id", "student_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student", "version"], name="report_card_version_once"
            ),
            models.UniqueConstraint(
                fields=["session", "student", "session_version"],
                name="report_card_once_per_session_version",
            ),
        ]

    def __str__(self) -> str:
        return f"Pagella di {self.student} v{self.version} ({self.session})"


class ViewConfirmation(models.Model):
    """A guardian (or the adult student) confirmed having seen a report card: once per login
    and version (confirming again changes nothing); rows are never changed nor deleted."""

    report_card = models.ForeignKey(
        ReportCard, on_delete=models.PROTECT, related_name="confirmations"
    )
    # Denormalized for the office's per-classroom list (one query, no join through versions).
    session = models.ForeignKey(EvaluationSession, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    as_student = models.BooleanField(_("come studente maggiorenne"), default=False)
    confirmed_at = models.DateTimeField(_("presa visione il"), default=timezone.now)

    class Meta:
        verbose_name = _("presa visione della pagella")
        verbose_name_plural = _("prese visione delle pagelle")
        ordering = ["confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_card", "user"], name="view_confirmation_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.report_card} ({self.confirmed_at:%d/%m/%Y %H:%M})"


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("in coda")
    RUNNING = "running", _("in corso")
    DONE = "done", _("completato")
    FAILED = "failed", _("non riuscito")


class ReportCardBundle(models.Model):
    """The report cards of a classroom's session in one PDF (`session`, `classroom`), or of a
    whole school's locked sessions of a period and kind as a zip of one PDF per classroom
    (`school`, `term`, `kind`); made by the background worker with its progress (how many
    done, and an estimate of the time left)."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=BundleStatus.choices, default=BundleStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="pagelle/pacchetti/%Y/", blank=True)  # PDF, or zip

    class Meta:
        verbose_name = _("pacchetto di pagelle")
        verbose_name_plural = _("pacchetti di pagelle")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session__isnull=False, classroom__isnull=False)
                | models.Q(school__isnull=False, term__isnull=False),
                name="report_card_bundle_of_a_classroom_or_a_school",
            ),
        ]

    def __str__(self) -> str:
        return f"Pagelle {self.title} ({self.requested_at:%d/%m/%Y %H:%M})"

    @property
    def title(self) -> str:
        if self.classroom_id is not None and self.classroom is not None:
            return f"della classe {self.classroom.name}"
        return f"di tutta la scuola {self.school.name if self.school else ''}".strip()

    @property
    def is_zip(self) -> bool:
        return self.file.name.endswith(".zip")

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.processed / self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in {BundleStatus.DONE, BundleStatus.FAILED}

    def seconds_left(self, now: datetime.datetime | None = None) -> int | None:
        """From the pace so far; None before the first report card is done."""
        if self.is_finished or not self.started_at or not self.processed:
            return None
        elapsed = ((now or timezone.now()) - self.started_at).total_seconds()
        return max(0, round(elapsed / self.processed * (self.total - self.processed)))


class ConfirmationReminder(models.Model):
    """An e-mail reminder to the families of a session's students who have not confirmed the
    current report card yet (`session`), or of a classroom's students who have not confirmed an
    interim report (`interim`, `classroom`); sent by the background worker, kept as the
    reminders' history."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    interim = models.ForeignKey(
        "InterimRound", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    students = models.PositiveIntegerField(_("studenti senza presa visione"), default=0)
    messages_sent = models.PositiveIntegerField(_("messaggi inviati"), default=0)
    login_url = models.CharField(max_length=300, default="")

    class Meta:
        verbose_name = _("promemoria della presa visione")
        verbose_name_plural = _("promemoria della presa visione")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session__isnull=False, interim__isnull=True)
                | models.Q(session__isnull=True, interim__isnull=False, classroom__isnull=False),
                name="confirmation_reminder_of_a_session_or_an_interim_classroom",
            ),
        ]

    def __str__(self) -> str:
        about = self.session if self.session_id else f"{self.interim} {self.classroom}"
        return f"Promemoria {about} ({self.requested_at:%d/%m/%Y %H:%M})"


# --- interim reports (pagellini) -------------------------------------------------------------


class InterimRound(models.Model):
    """A round of interim reports (pagellino, not deliberative: no council, no lock) of a
    school's chosen classrooms for a period, e.g. in the middle of the pentamestre. Families
    see it from `publish_at` on (nothing before, nor while it is not set); from then on its
    marks and notes no longer change."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("scuola")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("periodo")
    )
    title = models.CharField(_("titolo"), max_length=120)
    classrooms = models.ManyToManyField(Classroom, related_name="+", verbose_name=_("classi"))
    publish_at = models.DateTimeField(_("pubblicazione dal"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("creato da")
    )
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)

    class Meta:
        verbose_name = _("pagellino")
        verbose_name_plural = _("pagellini")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.school.name})"

    def is_published(self, now: datetime.datetime | None = None) -> bool:
        return self.publish_at is not None and self.publish_at <= (now or timezone.now())


class InterimReport(models.Model):
    """A student's interim report in a round: the note of the class council (written by the
    coordinator); its marks are `InterimMark` rows."""

    round = models.ForeignKey(
        InterimRound, on_delete=models.PROTECT, related_name="reports", verbose_name=_("pagellino")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("alunno")
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="+", verbose_name=_("classe")
    )
    note = models.TextField(_("annotazione"), blank=True)

    class Meta:
        verbose_name = _("pagellino di uno studente")
        verbose_name_plural = _("pagellini degli studenti")
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], name="interim_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round.title} – {self.student}"


class InterimMark(models.Model):
    """A subject's mark (secondary) or giudizio (primary, religion) in an interim report:
    prefilled from the register's term average as the scrutinio's proposals are, then
    adjusted by the subject's teacher. `student` and `classroom` are denormalized for the
    history (audit) and the per-classroom lists."""

    report = models.ForeignKey(
        InterimReport, on_delete=models.PROTECT, related_name="marks",
        verbose_name=_("pagellino dello studente"),
    )  # fmt: skip
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("alunno")
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="+", verbose_name=_("classe")
    )
    subject = models.ForeignKey(
        "school.Subject", on_delete=models.PROTECT, related_name="+", verbose_name=_("materia")
    )
    teacher = models.ForeignKey(
        "people.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("docente"),
    )  # fmt: skip
    scale = models.CharField(_("scala"), max_length=12)  # proposal_selectors NUMERIC/…
    register_average = models.DecimalField(
        _("media del registro"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    grades_count = models.PositiveSmallIntegerField(_("numero di voti"), default=0)
    mark = models.DecimalField(_("voto"), max_digits=4, decimal_places=2, null=True, blank=True)
    judgement = models.CharField(_("giudizio"), max_length=20, blank=True)
    note = models.TextField(_("annotazione della disciplina"), blank=True)
    changed_by_hand = models.BooleanField(_("modificato dal docente"), default=False)

    class Meta:
        verbose_name = _("valutazione del pagellino")
        verbose_name_plural = _("valutazioni dei pagellini")
        constraints = [
            models.UniqueConstraint(fields=["report", "subject"], name="interim_mark_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report} – {self.subject_id}"

    @property
    def filled(self) -> bool:
        return self.mark is not None or bool(self.judgement)


class InterimConfirmation(models.Model):
    """A guardian (or the adult student) confirmed having seen an interim report: once per
    login (confirming again changes nothing); rows are never changed nor deleted."""

    report = models.ForeignKey(
        InterimReport, on_delete=models.PROTECT, related_name="confirmations"
    )
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    as_student = models.BooleanField(_("come studente maggiorenne"), default=False)
    confirmed_at = models.DateTimeField(_("presa visione il"), default=timezone.now)

    class Meta:
        verbose_name = _("presa visione del pagellino")
        verbose_name_plural = _("prese visione dei pagellini")
        ordering = ["confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="interim_confirmation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.report} ({self.confirmed_at:%d/%m/%Y %H:%M})"
