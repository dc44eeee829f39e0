"""Access to Campanella: API tokens, sessions (Django's, with the login's id in a column)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
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


class GatewayKind(models.TextChoices):
    SPID = "spid", _("SPID")
    CIE = "cie", _("CIE")


class ClientAuthMethod(models.TextChoices):
    SECRET_BASIC = "client_secret_basic", _("segreto del client (HTTP Basic)")
    SECRET_POST = "client_secret_post", _("segreto del client (nel corpo della richiesta)")
    PRIVATE_KEY_JWT = "private_key_jwt", _("chiave privata (private_key_jwt)")


class IdentityGateway(models.Model):
    """An OpenID Connect gateway to SPID or CIE that the office configured for its institute.

    The client secret and the private key are kept encrypted (accounts.oidc.secrets): they must
    be usable to call the gateway, so they cannot be hashed; they are never shown back."""

    institute = models.ForeignKey(
        "school.Institute",
        on_delete=models.CASCADE,
        related_name="identity_gateways",
        verbose_name=_("istituto"),
    )
    kind = models.CharField(_("tipo"), max_length=4, choices=GatewayKind.choices)
    name = models.CharField(_("nome"), max_length=100)
    issuer = models.URLField(
        _("indirizzo dell'emittente (issuer)"),
        max_length=300,
        help_text=_("La configurazione si legge da /.well-known/openid-configuration."),
    )
    client_id = models.CharField(_("identificativo del client"), max_length=200)
    client_auth = models.CharField(
        _("autenticazione del client"),
        max_length=30,
        choices=ClientAuthMethod.choices,
        default=ClientAuthMethod.SECRET_BASIC,
    )
    client_secret_encrypted = models.TextField(blank=True)
    private_key_encrypted = models.TextField(blank=True)
    scopes = models.CharField(_("ambiti (scope)"), max_length=300, default="openid profile")
    fiscal_number_claim = models.CharField(
        _("attributo con il codice fiscale"),
        max_length=100,
        default="fiscalNumber",
        help_text=_("SPID lo invia come TINIT-<codice fiscale> nell'attributo fiscalNumber."),
    )
    allow_guardians = models.BooleanField(_("possono accedere i genitori"), default=True)
    allow_staff = models.BooleanField(_("può accedere il personale"), default=True)
    students_from_age = models.PositiveSmallIntegerField(
        _("possono accedere gli alunni dall'età di"),
        null=True,
        blank=True,
        help_text=_("Vuoto: gli alunni non accedono con questo servizio."),
    )
    enabled = models.BooleanField(_("attivo"), default=True)
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)

    class Meta:
        verbose_name = _("servizio di identità digitale")
        verbose_name_plural = _("servizi di identità digitale")
        ordering = ["institute_id", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"


class LoginSession(AbstractBaseSession):
    """Django's database session with its login's id in a column of its own, written with
    the data (accounts.sessions), so that a request reads its session and its user with the
    roles in one query. The id is a copy of what the session's data says, not a decision:
    the user is still checked against the session's data and its hash (password and session
    epoch) as Django checks it, so revoking (a password change, "esci da tutti i
    dispositivi", a deactivation) works as before. No database constraint: a deleted user's
    session stays unusable, as Django's own sessions did."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> Any:
        from campanella.accounts.sessions import SessionStore

        return SessionStore

    class Meta:
        db_table = "accounts_login_session"
        verbose_name = _("sessione")
        verbose_name_plural = _("sessioni")
