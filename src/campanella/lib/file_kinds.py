"""What a file is, from its first bytes (never from its name or the browser's word).

Office documents are ZIP archives: a .docx/.xlsx is told by its main part, an OpenDocument
file by its `mimetype` member. Anything not recognised is `None`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO


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
        FileKind(
            "pptx",
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "presentazione PowerPoint",
        ),
        FileKind(
            "odp", "odp", "application/vnd.oasis.opendocument.presentation", "presentazione ODP"
        ),
        FileKind("gif", "gif", "image/gif", "immagine GIF"),
        FileKind("txt", "txt", "text/plain; charset=utf-8", "testo semplice"),
        # Any other valid ZIP archive (office documents are told apart first).
        FileKind("zip", "zip", "application/zip", "archivio ZIP"),
    )
}
OPEN_DOCUMENT = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
MAX_ZIP_MEMBERS = 2_000
# Bytes read to tell a plain text (UTF-8, no NUL) from a binary file.
TEXT_PROBE_BYTES = 8192


def detect(content: bytes) -> FileKind | None:
    """The kind of `content`, or None when it is none of KINDS."""
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(io.BytesIO(content))
    return _head_kind(content[:TEXT_PROBE_BYTES], whole=len(content) <= TEXT_PROBE_BYTES)


def detect_stream(stream: IO[bytes]) -> FileKind | None:
    """The kind of a seekable file (e.g. an upload spooled to disk), read without holding it
    whole in memory; the stream is left at its start."""
    stream.seek(0)
    head = stream.read(TEXT_PROBE_BYTES)
    try:
        if head.startswith(b"PK\x03\x04"):
            stream.seek(0)
            return _zip_kind(stream)
        whole = not stream.read(1)
        return _head_kind(head, whole=whole)
    finally:
        stream.seek(0)


def _head_kind(head: bytes, *, whole: bool) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return KINDS["gif"]
    if _looks_like_text(head, whole=whole):
        return KINDS["txt"]
    return None


def _looks_like_text(head: bytes, *, whole: bool) -> bool:
    """UTF-8 without NUL bytes; a character cut by the end of the probe is forgiven."""
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        cut = error.start >= len(head) - 3 and error.reason.startswith("unexpected end")
        return cut and not whole
    return True


def _zip_kind(stream: IO[bytes]) -> FileKind | None:
    try:
        with zipfile.ZipFile(stream) as archive:
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
    if "ppt/presentation.xml" in names:
        return KINDS["pptx"]
    return KINDS["zip"]
