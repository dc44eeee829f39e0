"""API keys of the back-office (issue 15 item 5): the office creates one per program that talks
to the register, with only the scopes it needs; the key is shown once, only its digest is kept,
a revocation takes effect on the next request of any server process (the state is in the
database), and the last use is kept with the address it came from."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.interop.models import ApiKey, KeyScope

KEY_PREFIX: Final = "cmpk_"
SHOWN_PREFIX: Final = 12  # "cmpk_" and seven characters: enough to tell keys apart on the page
LAST_USE_RESOLUTION: Final = datetime.timedelta(minutes=1)


class KeyRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def token_digest(raw: str) -> str:
    """Keys are random and long: a plain SHA-256 suffices and keeps the lookup indexed."""
    return hashlib.sha256(raw.encode()).hexdigest()


def is_machine_key(raw: str) -> bool:
    return raw.startswith(KEY_PREFIX)


@transaction.atomic
def api_key_create(
    *, user: Any, institute_id: int, name: str, scopes: Iterable[str]
) -> tuple[ApiKey, str]:
    """A new key; returns the record and the raw key (shown once, never again)."""
    chosen = sorted(set(scopes))
    if not chosen or set(chosen) - set(KeyScope.values):
        raise KeyRefused(_("Scegliere almeno un permesso fra quelli previsti."))
    if not name.strip():
        raise KeyRefused(_("Dare un nome alla chiave (per esempio il programma che la usa)."))
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        institute_id=institute_id,
        name=name.strip(),
        scopes=chosen,
        prefix=raw[:SHOWN_PREFIX],
        digest=token_digest(raw),
        created_by=user,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, user: Any, key: ApiKey) -> ApiKey:
    """Revoke at once: the next request with it is refused, whatever process serves it."""
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = user
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def api_key_for(raw: str, *, address: str | None = None) -> ApiKey | None:
    """The active key `raw` is, else None; its last use is kept (once a minute at most)."""
    if not is_machine_key(raw):
        return None
    key = ApiKey.objects.filter(digest=token_digest(raw), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USE_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_from=address)
    return key


def keys_of(institute_id: int) -> list[ApiKey]:
    return list(ApiKey.objects.filter(institute_id=institute_id).select_related("created_by"))
