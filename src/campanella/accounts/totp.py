"""Two-step verification with time-based codes (RFC 6238), as authenticator apps expect."""

from __future__ import annotations

import datetime
import hmac

import pyotp
import segno

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


def matching_step(secret: str, code: str, now: datetime.datetime | None = None) -> int | None:
    """The time step whose code this is (now, or one step either side), else None."""
    code = code.strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    generator = pyotp.TOTP(secret)
    now = now or datetime.datetime.now(tz=datetime.UTC)
    current = generator.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(generator.generate_otp(step), code):
            return step
    return None


def verify(user: User, code: str, secret: str | None = None) -> bool:
    """Accept a current code (±30 s) once: that code and every older one are refused after it.

    The last accepted step is kept on the login in the database and claimed with one
    conditional update, so two app servers (or two parallel requests) cannot both accept it.
    """
    step = matching_step(secret or user.totp_secret, code)
    if step is None:
        return False
    claimed = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
    if claimed:
        user.totp_last_step = step
    return bool(claimed)
