"""Digests of a feed's token and of its login's credential (no models: usable anywhere)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.crypto import salted_hmac


def token_digest(raw_token: str) -> str:
    """The token is random and long: a plain SHA-256 suffices and keeps the lookup indexed."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


def credential_digest(user: Any) -> str:
    """What a feed remembers of its login's credential: it changes with a new password, a
    reset and "log out everywhere" (the session hash includes the session epoch)."""
    return salted_hmac(
        "campanella.comms.calendar-feed", user.get_session_auth_hash(), algorithm="sha256"
    ).hexdigest()
