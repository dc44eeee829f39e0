"""A real push service on loopback for the Web Push tests: it receives the encrypted POST,
decrypts it with the subscription's private key (http_ece, RFC 8291) and answers with the
statuses a test asks for (201 by default; 500 or 410 to test retries and removals)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from campanella.comms.notifications.models import PushSubscription
from campanella.comms.notifications.services import push_subscribe
from campanella.comms.notifications.vapid import b64url, new_private_key
from campanella.people.models import User


@dataclass
class Device:
    """A browser's side of a subscription: its key pair and auth secret."""

    path: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


@dataclass
class PushService:
    port: int
    statuses: list[int] = field(default_factory=list)  # answered in order, then 201
    received: list[dict[str, Any]] = field(default_factory=list)  # decrypted payloads
    headers: list[dict[str, str]] = field(default_factory=list)
    devices: dict[str, Device] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def device(self, user: User, name: str = "telefono") -> tuple[Device, PushSubscription]:
        device = Device(path=f"/push/{name}-{user.pk}")
        self.devices[device.path] = device
        subscription = push_subscribe(
            user=user,
            endpoint=f"http://127.0.0.1:{self.port}{device.path}",
            p256dh=device.p256dh,
            auth=device.auth,
            user_agent=name,
        )
        return device, subscription

    def handle(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 201
            if status == 201:
                device = self.devices[path]
                plain = http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth_secret,
                    version="aes128gcm",
                )
                self.received.append({"path": path, **json.loads(plain)})
                self.headers.append(headers)
            return status


@pytest.fixture
def push_service(settings: Any) -> Iterator[PushService]:
    settings.WEBPUSH_VAPID_PRIVATE_KEY = new_private_key()
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:segreteria@example.org"
    settings.WEBPUSH_ALLOW_HTTP = True
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    service = PushService(port=server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = service.handle(self.path, body, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


def assert_vapid_signed(headers: dict[str, str], public_key: str) -> None:
    """The request carries a VAPID JWT (ES256) signed by the server's key (RFC 8292)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from campanella.comms.notifications.vapid import b64url_decode

    value = {name.lower(): text for name, text in headers.items()}["authorization"]
    scheme, _space, params = value.partition(" ")
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == public_key
    signing_input, signature = fields["t"].rsplit(".", 1)
    raw = b64url_decode(signature)
    signed = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key))
    key.verify(signed, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64url_decode(signing_input.split(".")[1]))
    assert claims["sub"] == "mailto:segreteria@example.org"
