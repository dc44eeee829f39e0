"""The gateways' client secrets and private keys, encrypted at rest.

They must be sent to the gateway, so they are encrypted (Fernet, AES-128-CBC with HMAC-SHA256),
not hashed. The key is derived from SECRET_KEY: a database dump alone does not reveal them.
Keys in SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY keeps the gateways working
until the office saves them again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PURPOSE = b"campanella.accounts.oidc.gateway-secret"


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(PURPOSE + b":" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode() if value else ""


class SecretUnreadable(Exception):
    """The stored value was encrypted with a key this server no longer has."""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _keys().decrypt(value.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable from None
