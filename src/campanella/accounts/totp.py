"""Two-step verification with time-based codes (RFC 6238), as authenticator apps expect."""

from __future__ import annotations

import pyotp
import segno
from django.core.cache import cache

from campanella.people.models import User

ISSUER = "Campanella"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def spaced(secret: str) -> str:
    """The secret in groups of four, to type it by hand when the camera is not an option."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def verify(user: User, code: str, secret: str | None = None) -> bool:
    """Accept the current code (±30 s) once: a code seen before is refused (replay)."""
    secret = secret or user.totp_secret
    code = code.strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    if not pyotp.TOTP(secret).verify(code, valid_window=1):
        return False
    replay_key = f"totp-used:{user.pk}:{code}"
    return bool(cache.add(replay_key, True, timeout=120))
