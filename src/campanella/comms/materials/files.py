"""A teacher's upload, checked without reading it whole into memory: the size first (Django
spools uploads over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file), then the kind by its
content (lib/file_kinds), refused with an Italian message and a stable code."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from campanella.lib.file_kinds import KINDS, FileKind, detect_stream

CHUNK = 64 * 1024


class FileRefused(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedUpload:
    stream: IO[bytes]
    name: str
    kind: FileKind
    size: int
    sha256: str


def max_bytes() -> int:
    return int(settings.MATERIALS_MAX_MB) * 1024 * 1024


def allowed_labels() -> str:
    return ", ".join(KINDS[c].label for c in settings.MATERIALS_TYPES if c in KINDS)


def safe_name(name: str, kind: FileKind) -> str:
    """The uploaded name without folders or odd characters, with the extension of its kind."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\- ]+", "", stem).strip()[:150] or "materiale"
    return f"{stem}.{kind.extension}"


def measured(stream: IO[bytes], limit: int) -> tuple[int, str]:
    """Size and SHA-256 read in chunks, stopping past `limit`; the stream back at its start."""
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        size += len(chunk)
        if size > limit:
            break
        digest.update(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


def checked_upload(stream: IO[bytes], name: str, declared_size: int | None) -> CheckedUpload:
    limit = max_bytes()
    if declared_size is not None and declared_size > limit:
        raise too_big(name)
    size, sha256 = measured(stream, limit)
    if size > limit:
        raise too_big(name)
    if size == 0:
        raise FileRefused(_("Il file «%(name)s» è vuoto.") % {"name": name}, "file_vuoto")
    kind = detect_stream(stream)
    if kind is None or kind.code not in settings.MATERIALS_TYPES:
        raise FileRefused(
            _("Il file «%(name)s» non è di un tipo ammesso (conta il contenuto, non il nome). "
              "Tipi ammessi: %(types)s.") % {"name": name, "types": allowed_labels()},
            "tipo_non_ammesso",
        )  # fmt: skip
    return CheckedUpload(stream, safe_name(name, kind), kind, size, sha256)


def too_big(name: str) -> FileRefused:
    return FileRefused(
        _("Il file «%(name)s» supera il limite di %(max)s MB.")
        % {"name": name, "max": settings.MATERIALS_MAX_MB},
        "file_troppo_grande",
    )
