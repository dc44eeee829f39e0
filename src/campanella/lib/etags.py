"""Entity tags for conditional GETs (RFC 9110 §8.8.3 and §13.1.2), without Django.

A tag is strong and computed from who asks and what is answered: the same body for two
logins still has two tags, so one login's tag never earns a 304 for another.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text
_ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')
_OWS = " \t"


class MalformedTags(ValueError):
    """The If-None-Match value is neither `*` nor a comma-separated list of entity tags."""


@dataclass(frozen=True)
class IfNoneMatch:
    """A parsed If-None-Match: any representation (`*`) or the opaque tags listed."""

    any_tag: bool
    opaque_tags: frozenset[str]

    def matches(self, etag: str) -> bool:
        """Weak comparison, as If-None-Match requires: W/"x" matches "x"."""
        return self.any_tag or _opaque(etag) in self.opaque_tags


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def parse_if_none_match(value: str) -> IfNoneMatch:
    """Parse the header; raise MalformedTags for anything RFC 9110 does not allow.

    `*` stands alone. A list may hold empty elements and optional whitespace around commas
    (the #rule of RFC 9110 §5.6.1); every other element is one quoted entity tag.
    """
    stripped = value.strip(_OWS)
    if stripped == "*":
        return IfNoneMatch(any_tag=True, opaque_tags=frozenset())
    tags: set[str] = set()
    for element in stripped.split(","):
        element = element.strip(_OWS)
        if not element:
            continue
        if not _ENTITY_TAG.fullmatch(element):
            raise MalformedTags(element)
        tags.add(_opaque(element))
    if not tags:
        raise MalformedTags(value)
    return IfNoneMatch(any_tag=False, opaque_tags=frozenset(tags))


def strong_etag(identity: str, body: bytes) -> str:
    """A strong tag of the body as answered to `identity` (22 characters of SHA-256)."""
    digest = hashlib.sha256(identity.encode() + b"\x00" + body).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") + '"'
