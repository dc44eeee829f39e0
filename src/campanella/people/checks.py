"""Deployment checks (`campanella check --deploy`) of what people-facing mail needs."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

PLACEHOLDER_DOMAINS = ("localhost", "localhost.localdomain", "example.com", "example.org")


@register(Tags.security, deploy=True)
def sender_address_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mail from noreply@localhost is dropped or sent to spam: families never get their links."""
    address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")[1]
    domain = address.rpartition("@")[2].lower()
    if address and "@" in address and domain not in PLACEHOLDER_DOMAINS:
        return []
    return [
        Warning(
            f"Il mittente delle e-mail è {address or 'vuoto'}: le scuole non ricevono i "
            "messaggi (recupero password, credenziali) da un indirizzo che non esiste.",
            hint="Impostare EMAIL_FROM, es. EMAIL_FROM='IIS Galilei <registro@scuola.edu.it>'.",
            id="campanella.W001",
        )
    ]
