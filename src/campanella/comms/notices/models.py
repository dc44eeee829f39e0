"""Notices (circolari, avvisi) and what their recipients do with them.

A notice is written once to an audience (kept as `audience`, for the record and the display);
on publication its recipients are materialised, one row per login (`NoticeRecipient`), with the
students through whom a family or a student is addressed (`NoticeRecipientStudent`, which gives
the tracking its classrooms). The header's unread count reads only the recipients' table, on a
partial index of the unread rows: `visible_from`/`visible_until` copy the notice's publication
and expiry onto each row for it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Student
from campanella.school.models import Classroom, Institute, SchoolYear


class NoticeKind(models.TextChoices):
    CIRCULAR = "circolare", _("circolare")
    NOTICE = "avviso", _("avviso")


class AudienceScope(models.TextChoices):
    INSTITUTE = "istituto", _("tutto l'istituto")
    SCHOOLS = "scuole", _("scuole (plessi)")
    YEARS = "anni", _("anni di corso")
    CLASSROOMS = "classi", _("classi")
    FAMILIES = "famiglie", _("famiglie scelte")


class AudienceRole(models.TextChoices):
    STAFF = "personale", _("tutto il personale")
    TEACHERS = "docenti", _("docenti")
    FAMILIES = "famiglie", _("famiglie")
    STUDENTS = "studenti", _("studenti")


class RecipientKind(models.TextChoices):
    FAMILY = "famiglia", _("famiglia")
    STUDENT = "studente", _("studente")
    STAFF = "personale", _("personale")


class NoticeCounter(models.Model):
    """The last number given to a notice of an institute in a school year (circolare n. X)."""

    institute = models.ForeignKey(Institute, on_delete=models.CASCADE)
    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "school_year"], name="notice_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_year}: {self.last_number}"


class Notice(models.Model):
    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="notices", verbose_name=_("istituto")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="notices", verbose_name=_("anno")
    )
    number = models.PositiveIntegerField(_("numero"))
    protocol = models.CharField(_("protocollo"), max_length=60, blank=True)
    kind = models.CharField(
        _("tipo"), max_length=10, choices=NoticeKind.choices, default=NoticeKind.CIRCULAR
    )
    title = models.CharField(_("oggetto"), max_length=200)
    body = models.TextField(_("testo"), max_length=20_000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices_written",
        verbose_name=_("autore"),
    )
    author_name = models.CharField(_("firmata da"), max_length=200)
    audience = models.JSONField(_("destinatari"), default=dict)
    audience_label = models.CharField(_("destinatari"), max_length=500)
    publish_at = models.DateTimeField(_("pubblicazione"), db_index=True)
    expires_at = models.DateTimeField(_("scadenza"), null=True, blank=True)
    requires_confirmation = models.BooleanField(_("richiede la conferma di lettura"), default=False)
    asks_consent = models.BooleanField(_("richiede l'adesione"), default=False)
    consent_question = models.CharField(_("domanda per l'adesione"), max_length=300, blank=True)
    consent_deadline = models.DateTimeField(_("termine per l'adesione"), null=True, blank=True)
    consent_per_child = models.BooleanField(_("adesione per ciascun figlio"), default=False)
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("destinatari"), default=0)
    # Withdrawn (annullata) by its author, the office or the principal, with the reason: it
    # stays in the recipients' list marked as such (or never shows, if withdrawn before its
    # publication) and asks nothing of them any more.
    withdrawn_at = models.DateTimeField(_("annullata il"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annullata da"),
    )
    withdrawn_by_name = models.CharField(_("annullata da"), max_length=200, blank=True)
    withdrawal_reason = models.CharField(_("motivo dell'annullamento"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("comunicazione")
        verbose_name_plural = _("comunicazioni")
        ordering = ["-publish_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "school_year", "number"], name="notice_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at")),
                name="notice_expires_after_publication",
            ),
            models.CheckConstraint(
                condition=Q(asks_consent=False) | Q(consent_deadline__isnull=False),
                name="notice_consent_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="notice_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} n. {self.number} – {self.title}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def label(self) -> str:
        return f"{self.get_kind_display().capitalize()} n. {self.number}"

    def consent_open(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return (
            self.asks_consent
            and self.consent_deadline is not None
            and (
                moment <= self.consent_deadline  # type: ignore[operator]
            )
        )


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="comms/notices/%Y/%m/")
    name = models.CharField(_("nome"), max_length=200)
    content_type = models.CharField(_("tipo"), max_length=100)
    size = models.PositiveIntegerField(_("dimensione"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NoticeRecipient(models.Model):
    """One login a notice reaches, once, however many of its children are in the audience."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices_received"
    )
    kind = models.CharField(_("come"), max_length=10, choices=RecipientKind.choices)
    visible_from = models.DateTimeField()
    visible_until = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(_("letta il"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("lettura confermata il"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("ultimo promemoria"), null=True, blank=True)

    class Meta:
        verbose_name = _("destinatario")
        verbose_name_plural = _("destinatari")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_recipient_unique")
        ]
        indexes = [
            # The header's unread count: this login's unread rows, by publication.
            models.Index(
                fields=["user", "visible_from"],
                condition=Q(read_at__isnull=True),
                name="notice_recipient_unread",
            ),
            models.Index(fields=["user", "visible_from"], name="notice_recipient_user"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class NoticeRecipientStudent(models.Model):
    """A student through whom the recipient is addressed: their child, or themselves."""

    recipient = models.ForeignKey(
        NoticeRecipient, on_delete=models.CASCADE, related_name="students"
    )
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipient_students")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "student"], name="notice_recipient_student_unique"
            )
        ]
        indexes = [models.Index(fields=["notice", "classroom"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.student_id}"


class NoticeConsent(models.Model):
    """An answer to a notice asking consent: yes or no, for a child or for oneself."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="consents")
    recipient = models.ForeignKey(
        NoticeRecipient, on_delete=models.PROTECT, related_name="consents"
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agrees = models.BooleanField(_("aderisce"))
    text = models.CharField(_("note"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to="comms/consents/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField(_("risposta del"), default=timezone.now)

    class Meta:
        verbose_name = _("adesione")
        verbose_name_plural = _("adesioni")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "student"],
                condition=Q(student__isnull=False),
                name="notice_consent_per_child",
            ),
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(student__isnull=True),
                name="notice_consent_own",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {'sì' if self.agrees else 'no'}"


class NoticeReminder(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    requested_at = models.DateTimeField(default=timezone.now)
    login_url = models.CharField(max_length=300)
    finished_at = models.DateTimeField(null=True, blank=True)
    messages_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.requested_at:%d/%m/%Y %H:%M}"
