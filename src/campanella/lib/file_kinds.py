"""What a file is, from its first bytes (never from its name or the browser's word).

Office documents are ZIP archives: a .docx/.xlsx is told by its main part, an OpenDocument
file by its `mimetype` member. Anything not recognised is `None`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    code: str
    extension: str
    content_type: str
    label: str


KINDS = {
    kind.code: kind
    for kind in (
        FileKind("pdf", "pdf", "application/pdf", "PDF"),
        FileKind("png", "png", "image/png", "immagine PNG"),
        FileKind("jpeg", "jpg", "image/jpeg", "immagine JPEG"),
        FileKind(
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "documento Word",
        ),
        FileKind(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "foglio Excel",
        ),
        FileKind("odt", "odt", "application/vnd.oasis.opendocument.text", "documento ODT"),
        FileKind("ods", "ods", "application/vnd.oasis.opendocument.spreadsheet", "foglio ODS"),
    )
}
OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
MAX_ZIP_MEMBERS = 2_000


def detect(content: bytes) -> FileKind | None:
    """The kind of `content`, or None when it is none of KINDS."""
    if content.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if content.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return None


def _zip_kind(content: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if len(names) > MAX_ZIP_MEMBERS:
                return None
            if "mimetype" in names:
                code = OPEN_DOCUMENT.get(archive.read("mimetype").strip())
                return KINDS[code] if code else None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    if "word/document.xml" in names:
        return KINDS["docx"]
    if "xl/workbook.xml" in names:
        return KINDS["xlsx"]
    return None
