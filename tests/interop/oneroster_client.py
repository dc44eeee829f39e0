"""A small OneRoster 1.2 REST consumer, written against the standard's paths and envelopes.

It knows only a base URL (the server's root), a client id and secret and the scopes to ask;
nothing of Campanella's code. HTTP goes through a `Transport`: `urllib_transport` for a real
server, or any callable with the same shape (the tests hand in one that speaks WSGI).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Headers = dict[str, str]
Transport = Callable[[str, str, Headers, bytes | None], tuple[int, Headers, bytes]]

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ROSTER_CORE = SCOPE_PREFIX + "roster-core.readonly"
ROSTER = SCOPE_PREFIX + "roster.readonly"
DEMOGRAPHICS = SCOPE_PREFIX + "roster-demographics.readonly"
GRADEBOOK = SCOPE_PREFIX + "gradebook.readonly"

TOKEN_PATH = "/ims/oneroster/token"
ROSTERING = "/ims/oneroster/rostering/v1p2"
GRADEBOOK_BASE = "/ims/oneroster/gradebook/v1p2"


def urllib_transport(method: str, url: str, headers: Headers, body: bytes | None
                     ) -> tuple[int, Headers, bytes]:  # fmt: skip
    if not url.startswith(("https://", "http://")):
        raise ValueError(url)
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


@dataclass
class Reply:
    status: int
    headers: Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class OneRosterError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.status}: {reply.body[:300]!r}")
        self.reply = reply


@dataclass
class OneRosterClient:
    base_url: str
    client_id: str
    client_secret: str
    scopes: list[str]
    transport: Transport = urllib_transport
    auth_style: str = "basic"  # "basic" (client_secret_basic) or "post" (client_secret_post)
    access_token: str | None = field(default=None, repr=False)

    # --- OAuth 2 client credentials (RFC 6749 §4.4) ---

    def request_token(self) -> Reply:
        form = {"grant_type": "client_credentials", "scope": " ".join(self.scopes)}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/json"}  # fmt: skip
        if self.auth_style == "basic":
            pair = f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(self.client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        body = urllib.parse.urlencode(form).encode()
        status, got, raw = self.transport("POST", self.base_url + TOKEN_PATH, headers, body)
        return Reply(status, got, raw)

    def authenticate(self) -> dict[str, Any]:
        reply = self.request_token()
        if reply.status != 200:
            raise OneRosterError(reply)
        token: dict[str, Any] = reply.json()
        self.access_token = token["access_token"]
        return token

    # --- reads ---

    def get(self, path: str, **params: Any) -> Reply:
        if self.access_token is None:
            self.authenticate()
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = self.base_url + path + (f"?{query}" if query else "")
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        status, got, raw = self.transport("GET", url, headers, None)
        return Reply(status, got, raw)

    def page(self, path: str, envelope: str, **params: Any) -> tuple[list[dict[str, Any]], Reply]:
        reply = self.get(path, **params)
        if reply.status != 200:
            raise OneRosterError(reply)
        return reply.json()[envelope], reply

    def walk(self, path: str, envelope: str, limit: int = 100, **params: Any
             ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every object of a collection, page after page (offset / limit), until X-Total-Count."""
        offset = 0
        while True:
            items, reply = self.page(path, envelope, limit=limit, offset=offset, **params)
            yield from items
            offset += limit
            total = int(reply.header("X-Total-Count") or 0)
            if offset >= total or not items:
                return

    def one(self, path: str, envelope: str) -> dict[str, Any]:
        reply = self.get(path)
        if reply.status != 200:
            raise OneRosterError(reply)
        found: dict[str, Any] = reply.json()[envelope]
        return found

    # The standard's collections, by their paths.
    def users(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.walk(f"{ROSTERING}/users", "users", **params))

    def classes(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.walk(f"{ROSTERING}/classes", "classes", **params))

    def enrollments(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.walk(f"{ROSTERING}/enrollments", "enrollments", **params))

    def results(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.walk(f"{GRADEBOOK_BASE}/results", "results", **params))

    def line_items(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.walk(f"{GRADEBOOK_BASE}/lineItems", "lineItems", **params))
