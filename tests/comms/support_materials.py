"""Teaching materials of the cast (tests.conftest): the maths teacher's shelf of 1ª A."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from campanella.comms.materials.models import Material, MaterialKind
from campanella.comms.materials.services import MaterialDraft, material_create
from campanella.people.models import User
from tests.conftest import Cast

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def pdf_upload(name: str = "esercizi.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def add(
    c: Cast, kind: str = MaterialKind.FOLDER, *, user: User | None = None, upload: Any = None,
    classroom: Any = None, subject: Any = None, **fields: Any,
) -> Material:  # fmt: skip
    """An item on 1ª A's maths shelf, added by its teacher (as the service returns it)."""
    defaults: dict[str, Any] = {"title": f"Un {kind}"}
    if kind == MaterialKind.LINK:
        defaults["url"] = "https://it.wikipedia.org/wiki/Teorema_di_Pitagora"
    if kind == MaterialKind.FILE and upload is None:
        upload = pdf_upload()
    made = material_create(
        user=user or c.teacher,
        classroom_id=(classroom or c.classroom_1a).pk,
        subject_id=(subject or c.maths).pk,
        draft=MaterialDraft(kind=kind, **{**defaults, **fields}),
        upload=upload,
        upload_name=upload.name if upload else "",
        upload_size=upload.size if upload else None,
    )
    return made.material


def a_file(c: Cast, **fields: Any) -> Material:
    return add(c, MaterialKind.FILE, **fields)
