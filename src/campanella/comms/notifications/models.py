"""Notifications and their delivery.

A `Notification` is one line in a login's bell (in-app is always on). Each outside channel it
goes out on is a `Delivery` row (one per e-mail, one per push subscription) that the background
job claims, sends and marks: a row marked sent is never sent again, a failure is retried with
backoff. `key` makes emitting idempotent: one notification per (user, key).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.school.models import School


class NotificationKind(models.TextChoices):
    GRADE = "grade", _("voti")
    ABSENCE = "absence", _("assenze, ritardi e uscite")
    NOTE = "note", _("note disciplinari")
    AGENDA = "agenda", _("compiti e verifiche")
    NOTICE = "notice", _("comunicazioni")
    MESSAGE = "message", _("messaggi")
    MEETING = "meeting", _("colloqui")
    REPORT_CARD = "report_card", _("pagelle")
    MATERIAL = "material", _("materiale didattico")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PUSH = "push", _("notifica push")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("da inviare")
    DIGEST = "digest", _("nel riepilogo giornaliero")
    SENT = "sent", _("inviata")
    FAILED = "failed", _("non riuscita")
    SKIPPED = "skipped", _("non inviabile")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(_("titolo"), max_length=200)
    body = models.CharField(_("testo"), max_length=1000, blank=True)
    url = models.CharField(_("collegamento"), max_length=500)
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Shown and sent from this moment (a school may hold grades back for some hours).
    visible_from = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("letta il"), null=True, blank=True)
    # Its e-mail and push deliveries are decided (by the job queued with it, else the sweep).
    channels_ready = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notifica")
        verbose_name_plural = _("notifiche")
        ordering = ["-visible_from", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_user_key"),
        ]
        indexes = [
            # The bell on every page: this login's unread rows already visible.
            models.Index(
                fields=["user", "visible_from"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "-visible_from"], name="notification_user"),
            models.Index(
                fields=["created_at"],
                condition=Q(channels_ready=False),
                name="notification_unprepared",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class PushSubscription(models.Model):
    """A browser or phone of a login that accepted push notifications (Web Push, VAPID)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("dispositivo"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dispositivo per le notifiche push")
        verbose_name_plural = _("dispositivi per le notifiche push")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.user_agent or self.endpoint[:40]}"

    def as_info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Delivery(models.Model):
    """A notification on one channel: e-mail once, push once per device."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it may be sent (quiet hours, a held grade) or retried; a claim moves it forward by
    # a lease, so a worker that dies mid-send leaves it to be retried, not lost.
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=Q(channel="email"),
                name="delivery_one_email",
            ),
            models.UniqueConstraint(
                fields=["notification", "subscription"],
                condition=Q(channel="push"),
                name="delivery_one_push_per_device",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
            models.Index(fields=["status", "channel"], name="delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationPreference(models.Model):
    """A login's choice for one kind; without a row the role's default holds (preferences.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    email = models.BooleanField(_("e-mail"))
    push = models.BooleanField(_("notifica push"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


DEFAULT_QUIET_FROM = datetime.time(21, 0)
DEFAULT_QUIET_UNTIL = datetime.time(7, 0)


class NotificationSettings(models.Model):
    """A login's quiet hours and daily digest (without a row: the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    quiet_hours = models.BooleanField(_("nessun invio nelle ore di silenzio"), default=True)
    quiet_from = models.TimeField(_("silenzio dalle"), default=DEFAULT_QUIET_FROM)
    quiet_until = models.TimeField(_("silenzio fino alle"), default=DEFAULT_QUIET_UNTIL)
    daily_digest = models.BooleanField(_("un solo riepilogo al giorno per e-mail"), default=False)

    def __str__(self) -> str:
        return f"{self.user_id}"


class SchoolNotificationPolicy(models.Model):
    """A school's rule for notifying grades: some hours later, or not before a time of day."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="notification_policy"
    )
    grade_delay_hours = models.PositiveSmallIntegerField(
        _("ritardo delle notifiche dei voti (ore)"), default=0
    )
    grade_release_time = models.TimeField(
        _("notifiche dei voti non prima delle"), null=True, blank=True
    )

    def __str__(self) -> str:
        return f"{self.school_id}"


class PeriodicSlot(models.Model):
    """One run of a periodic job (lib/periodic.py) in one slot: unique, so of several
    processes only the first to insert it runs that slot."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_slot_unique")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"
