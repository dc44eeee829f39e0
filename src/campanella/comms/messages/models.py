"""Message threads between a family and a teacher or the office, about one student.

A thread is about a student: its family side is every guardian of that student whose access is
not revoked (read through the links, so a new or a revoked guardian counts at once); the other
side is one teacher or the office of the student's institute. `ThreadParticipant` rows carry only
the unread state per login (upserted at every message): the header's count reads them alone, on
a partial index of the unread rows.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Staff, Student, User
from campanella.school.models import Institute

WORKING_DAYS = [0, 1, 2, 3, 4]


class Side(models.TextChoices):
    FAMILY = "famiglia", _("famiglia")
    TEACHER = "docente", _("docente")
    OFFICE = "segreteria", _("segreteria")


class Broadcast(models.Model):
    """The office writing once to the families of whole classrooms: one thread per student."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="+", verbose_name=_("istituto")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("autore"),
    )
    subject = models.CharField(_("oggetto"), max_length=200)
    classroom_ids = models.JSONField(_("classi"), default=list)
    created_at = models.DateTimeField(_("inviato il"), default=timezone.now)
    thread_count = models.PositiveIntegerField(_("famiglie raggiunte"), default=0)

    class Meta:
        verbose_name = _("messaggio alle famiglie di una classe")
        verbose_name_plural = _("messaggi alle famiglie delle classi")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class Thread(models.Model):
    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="+", verbose_name=_("istituto")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="message_threads", verbose_name=_("alunno")
    )
    teacher = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="message_threads",
        verbose_name=_("docente"),
    )
    with_office = models.BooleanField(_("con la segreteria"), default=False)
    subject = models.CharField(_("oggetto"), max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("iniziata da"),
    )
    broadcast = models.ForeignKey(
        Broadcast,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("messaggio alle classi"),
    )
    created_at = models.DateTimeField(_("iniziata il"), default=timezone.now)
    last_message_at = models.DateTimeField(_("ultimo messaggio"), default=timezone.now)

    class Meta:
        verbose_name = _("conversazione")
        verbose_name_plural = _("conversazioni")
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(with_office=True) & Q(teacher__isnull=True))
                | (Q(with_office=False) & Q(teacher__isnull=False)),
                name="message_thread_one_counterpart",
            )
        ]
        indexes = [
            models.Index(fields=["teacher", "last_message_at"]),
            models.Index(fields=["student", "last_message_at"]),
            models.Index(
                fields=["institute", "last_message_at"],
                condition=Q(with_office=True),
                name="message_thread_office",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.PROTECT, related_name="messages", verbose_name=_("conversazione")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("autore"),
    )
    author_side = models.CharField(_("lato"), max_length=10, choices=Side.choices)
    author_name = models.CharField(_("autore"), max_length=200)
    body = models.TextField(_("testo"), max_length=5_000)
    created_at = models.DateTimeField(_("inviato il"), default=timezone.now)

    class Meta:
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.author_name}"

    def recipients(self) -> models.QuerySet[User]:
        """The logins this message is new for (for notifications): every participant of the
        thread but its author and, when the office wrote, the author's office colleagues."""
        rows = ThreadParticipant.objects.filter(thread_id=self.thread_id).exclude(
            user_id=self.author_id
        )
        if self.author_side == Side.OFFICE:
            rows = rows.exclude(side=Side.OFFICE)
        return User.objects.filter(pk__in=rows.values("user_id")).order_by("pk")


class MessageAttachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("messaggio")
    )
    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("conversazione"),
    )
    file = models.FileField(_("file"), upload_to="comms/messages/%Y/%m/")
    name = models.CharField(_("nome"), max_length=200)
    content_type = models.CharField(_("tipo"), max_length=100)
    size = models.PositiveIntegerField(_("dimensione"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("allegato")
        verbose_name_plural = _("allegati")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ThreadParticipant(models.Model):
    """One login's unread state in a thread (not its right to read it: see rules)."""

    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("conversazione"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="message_threads",
        verbose_name=_("utente"),
    )
    side = models.CharField(_("lato"), max_length=10, choices=Side.choices)
    unread_since = models.DateTimeField(_("da leggere dal"), null=True, blank=True)
    last_read_at = models.DateTimeField(_("letta il"), null=True, blank=True)

    class Meta:
        verbose_name = _("partecipante")
        verbose_name_plural = _("partecipanti")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="message_participant_unique")
        ]
        indexes = [
            # The header's unread count: this login's threads with something new.
            models.Index(
                fields=["user"],
                condition=Q(unread_since__isnull=False),
                name="message_participant_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} → {self.user_id}"


class MessageHours(models.Model):
    """When the institute's teachers receive messages from families (a teacher may close
    their inbox outside these hours: `TeacherInbox`)."""

    institute = models.OneToOneField(
        Institute,
        on_delete=models.CASCADE,
        related_name="message_hours",
        verbose_name=_("istituto"),
    )
    weekdays = models.JSONField(_("giorni"), default=list)
    opens_at = models.TimeField(_("dalle"), default=datetime.time(8, 0))
    closes_at = models.TimeField(_("alle"), default=datetime.time(17, 0))

    class Meta:
        verbose_name = _("orario dei messaggi")
        verbose_name_plural = _("orari dei messaggi")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="message_hours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institute_id}: {self.opens_at}–{self.closes_at}"


class TeacherInbox(models.Model):
    """A teacher's choice: receive families' messages only within the institute's hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="message_inbox",
        verbose_name=_("docente"),
    )
    closed_off_hours = models.BooleanField(_("non ricevo fuori orario"), default=False)

    class Meta:
        verbose_name = _("ricezione dei messaggi")
        verbose_name_plural = _("ricezione dei messaggi")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.closed_off_hours}"
