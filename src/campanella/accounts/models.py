"""Access to Campanella: API tokens (sessions are Django's)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def token_digest(raw_token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 suffices and keeps lookups indexable."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def credential_digest(user: Any) -> str:
    """What a token remembers of its login's credentials (password hash and session epoch)."""
    return salted_hmac(
        "campanella.accounts.token-credential", user.get_session_auth_hash(), algorithm="sha256"
    ).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its digest is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("utente"),
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)
    expires_at = models.DateTimeField(_("scade il"))
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True)
    created_from = models.GenericIPAddressField(_("creato da"), null=True, blank=True)
    # A digest of the login's session hash when issued: a new password, a reset, "log out
    # everywhere" or a revocation changes that hash, and the token stops working.
    credential_digest = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%d/%m/%Y})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class HomeVisit(models.Model):
    """When a login last opened its home, and the visit before: what the home calls new is
    what came after `since`. A visit is a run of home views less than VISIT_GAP apart
    (campanella.accounts.whats_new), so a reload does not empty the list of news."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="home_visit",
        verbose_name=_("utente"),
    )
    last_seen_at = models.DateTimeField(_("ultima visita"))
    since = models.DateTimeField(_("visita precedente"))

    class Meta:
        verbose_name = _("visita della pagina iniziale")
        verbose_name_plural = _("visite della pagina iniziale")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seen_at:%d/%m/%Y %H:%M}"
