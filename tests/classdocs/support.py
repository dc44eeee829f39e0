"""Objects of the class documents' tests: a real (tiny, well-formed) PDF, uploads of the cast's
teacher (Matematica in 1A), published or not."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campanella.classdocs import services
from campanella.classdocs.models import ClassDocument, DocumentKind, DocumentPublication
from tests.conftest import Cast


def pdf_bytes(text: str = "Programma svolto di Matematica") -> bytes:
    """A one-page PDF with `text`, its cross-reference table at the right offsets."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def pdf_upload(name: str = "programma.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, "application/pdf")


def uploaded(
    c: Cast, kind: str = DocumentKind.SYLLABUS, text: str = "Programma svolto di Matematica"
) -> ClassDocument:
    """The teacher's Matematica document of 1A (a new version each call)."""
    content = pdf_bytes(text)
    return services.document_upload(
        user=c.teacher, classroom=c.classroom_1a, subject=c.maths, kind=kind,
        upload=io.BytesIO(content), size=len(content), name="programma.pdf",
    )  # fmt: skip


def published_kind(c: Cast, kind: str = DocumentKind.SYLLABUS, hours: int = -1) -> None:
    """The kind's documents of the cast's year published `hours` from now (negative: past)."""
    DocumentPublication.objects.update_or_create(
        school_year=c.classroom_1a.school_year, kind=kind,
        defaults={"publish_at": timezone.now() + datetime.timedelta(hours=hours),
                  "set_by": c.office},
    )  # fmt: skip


def published_document(c: Cast) -> ClassDocument:
    document = uploaded(c)
    published_kind(c)
    return document
