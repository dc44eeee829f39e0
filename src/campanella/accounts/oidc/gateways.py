"""The office's gateways: saved with their secrets encrypted and the change in the history."""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.db.models import QuerySet
from joserfc.jwk import RSAKey

from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.secrets import SecretUnreadable, decrypt, encrypt
from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot

# What the history shows of a gateway: never the encrypted secrets.
HISTORY_FIELDS = (
    "kind", "name", "issuer", "client_id", "client_auth", "scopes", "fiscal_number_claim",
    "allow_guardians", "allow_staff", "students_from_age", "enabled",
)  # fmt: skip


def gateways_of(institute_id: int) -> QuerySet[IdentityGateway]:
    return IdentityGateway.objects.filter(institute_id=institute_id).order_by("kind", "name")


def login_gateways() -> list[IdentityGateway]:
    """The buttons of the login page: every enabled gateway, with its institute's name."""
    return list(
        IdentityGateway.objects.filter(enabled=True)
        .select_related("institute")
        .order_by("kind", "institute__name", "name")
    )


def is_acceptable_issuer(url: str) -> bool:
    """HTTPS, or plain HTTP only on this machine's loopback (a gateway run for tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def is_private_key(pem: str) -> bool:
    try:
        return RSAKey.import_key(pem).is_private
    except Exception:
        return False


def public_jwks(gateway: IdentityGateway) -> str:
    """The public half of the private_key_jwt key, as the JWKS to register at the gateway."""
    if gateway.client_auth != ClientAuthMethod.PRIVATE_KEY_JWT:
        return ""
    try:
        pem = decrypt(gateway.private_key_encrypted)
    except SecretUnreadable:
        return ""
    if not pem:
        return ""
    public = RSAKey.import_key(pem).as_dict(private=False)
    public.setdefault("use", "sig")
    public.setdefault("alg", "RS256")
    return json.dumps({"keys": [public]}, indent=2)


@transaction.atomic
def gateway_save(
    *,
    actor: Any,
    gateway: IdentityGateway,
    client_secret: str = "",
    private_key: str = "",
) -> IdentityGateway:
    """Create or update; a blank secret or key keeps the one stored. A private_key_jwt gateway
    without a key gets a new one (its public half is shown to register at the gateway)."""
    creating = gateway.pk is None
    before = None
    if not creating:
        stored = IdentityGateway.objects.select_for_update().get(pk=gateway.pk)
        before = snapshot(stored, HISTORY_FIELDS)
    if client_secret:
        gateway.client_secret_encrypted = encrypt(client_secret)
    if private_key:
        gateway.private_key_encrypted = encrypt(private_key)
    needs_key = gateway.client_auth == ClientAuthMethod.PRIVATE_KEY_JWT
    if needs_key and not gateway.private_key_encrypted:
        gateway.private_key_encrypted = encrypt(new_private_key_pem())
    gateway.save()
    change_record(
        instance=gateway,
        action=ChangeAction.CREATE if creating else ChangeAction.UPDATE,
        actor=actor,
        before=before,
        after=snapshot(gateway, HISTORY_FIELDS),
        institute_id=gateway.institute_id,
    )
    return gateway
