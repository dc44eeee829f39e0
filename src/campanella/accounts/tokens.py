"""Password-recovery links: each bound to its login's credential digest.

A link works for the login in its URL only, until it is used (the new password changes the
digest), or the password changes any other way, or every session is closed, or the login's
access ends (all of them change the digest); and at most PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from campanella.accounts.models import credential_digest


class RecoveryTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "campanella.accounts.tokens.RecoveryTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}:{credential_digest(user)}:{user.is_active}:{timestamp}"


recovery_tokens = RecoveryTokenGenerator()


def recovery_path(user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:recover_confirm", args=[uid, recovery_tokens.make_token(user)])
