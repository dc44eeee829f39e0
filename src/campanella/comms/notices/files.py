"""Files people attach to notices and to consents: size and kind checked by their content,
refused with an Italian message and a stable code (settings.COMMS_ATTACHMENT_*)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from campanella.lib.file_kinds import KINDS, FileKind, detect


class FileRefused(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: FileKind
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def as_content_file(self) -> ContentFile[bytes]:
        return ContentFile(self.content, name=self.name)


def allowed_labels() -> str:
    return ", ".join(KINDS[c].label for c in settings.COMMS_ATTACHMENT_TYPES if c in KINDS)


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")


def safe_name(name: str, kind: FileKind) -> str:
    """The uploaded name without folders or odd characters, with the extension of its kind."""
    stem = re.sub(r"[^\w\- ]+", "", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0])
    stem = stem.strip()[:150] or "allegato"
    return f"{stem}.{kind.extension}"


def checked_file(upload: UploadedFile) -> CheckedFile:
    """The upload read and checked: not over the limit, of an allowed kind (by content)."""
    limit = settings.COMMS_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise too_big(upload.name or "", limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_big(upload.name or "", limit)
    kind = detect(content)
    if kind is None or kind.code not in settings.COMMS_ATTACHMENT_TYPES:
        raise FileRefused(
            _("Il file «%(name)s» non è di un tipo ammesso. Tipi ammessi: %(types)s.")
            % {"name": upload.name, "types": allowed_labels()},
            "tipo_non_ammesso",
        )
    return CheckedFile(safe_name(upload.name or "", kind), kind, content)


def too_big(name: str, limit: int) -> FileRefused:
    return FileRefused(
        _("Il file «%(name)s» supera il limite di %(max)s MB.")
        % {"name": name, "max": megabytes(limit)},
        "file_troppo_grande",
    )
