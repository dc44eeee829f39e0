"""Writes about access: issuing and revoking API tokens."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from campanella.accounts.models import ApiToken, token_digest

TOKEN_LIFETIME = datetime.timedelta(days=30)
# Touching last_used_at on every request would turn every API read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


@transaction.atomic
def api_token_issue(*, user: Any, ip_address: str | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the record and the raw token (shown only once)."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(raw),
        expires_at=timezone.now() + TOKEN_LIFETIME,
        created_from=ip_address,
    )
    return token, raw


def api_token_login(
    *, request: HttpRequest, username: str, password: str
) -> tuple[ApiToken, str] | None:
    """Check credentials like the login page does; None when they are wrong."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    return api_token_issue(user=user, ip_address=request.META.get("REMOTE_ADDR"))


def api_token_user(raw_token: str) -> Any | None:
    """The active user a valid, unexpired token belongs to, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw_token), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, raw_token: str) -> bool:
    deleted, _ = ApiToken.objects.filter(digest=token_digest(raw_token)).delete()
    return deleted > 0
