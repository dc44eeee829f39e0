"""A login's private calendar feed: the URL a phone subscribes to.

Only a digest of the random token is stored; the URL is shown once, when made. The feed also
remembers a digest of its login's credential (password hash and session epoch) when made: a new
password, a reset by link or by the office, or "log out everywhere" changes it, and the feed
answers 404 from then on, exactly as the API tokens of campanella.accounts do.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("utente"),
    )
    digest = models.CharField(max_length=64, unique=True)
    credential_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)
    last_used_at = models.DateTimeField(_("ultimo aggiornamento"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendario privato")
        verbose_name_plural = _("calendari privati")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%d/%m/%Y})"
