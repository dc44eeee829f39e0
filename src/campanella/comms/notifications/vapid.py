"""The VAPID key pair that signs Web Push requests (RFC 8292).

From the environment (WEBPUSH_VAPID_PRIVATE_KEY: the raw P-256 private key, base64url, as
`campanella generate_vapid_key` prints it). The demo and DEBUG generate one on first use and keep
it in var/ (never in the repository); elsewhere, without a key, push is off.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # raw 32 bytes, base64url without padding
    public_key: str  # uncompressed point, base64url: the browser's applicationServerKey


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def keys_from(private_key: str) -> VapidKeys:
    number = int.from_bytes(b64url_decode(private_key), "big")
    public = ec.derive_private_key(number, ec.SECP256R1()).public_key()
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(private_key=private_key, public_key=b64url(point))


@functools.cache
def _cached(private_key: str) -> VapidKeys:
    return keys_from(private_key)


def vapid_keys() -> VapidKeys | None:
    """The keys, or None when push is not configured."""
    private_key = settings.WEBPUSH_VAPID_PRIVATE_KEY
    if not private_key and settings.WEBPUSH_VAPID_GENERATE:
        stored = Path(settings.VAR_DIR) / "vapid-private-key.txt"
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(new_private_key())
            stored.chmod(0o600)
        private_key = stored.read_text().strip()
    return _cached(private_key) if private_key else None
