"""The PDF check looks at the content: a real PDF passes, anything else is refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import typst
from pypdf import PdfReader

from campanella.lib.pdf_check import pdf_problem
from tests.classdocs.support import PNG, pdf_bytes


def problem(content: bytes) -> str | None:
    return pdf_problem(io.BytesIO(content), len(content))


def test_a_well_formed_pdf_passes_and_pypdf_reads_it() -> None:
    content = pdf_bytes("Ciao")
    assert problem(content) is None
    assert "Ciao" in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_a_typst_pdf_passes(tmp_path: Path) -> None:
    source = tmp_path / "programma.typ"
    source.write_text("= Programma svolto\nArgomenti trattati.", encoding="utf-8")
    content = typst.compile(source, format="pdf", ignore_system_fonts=True)
    assert problem(content) is None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (PNG, "not_pdf"),
        (b"Questo e' un testo rinominato .pdf\n", "not_pdf"),
        (b"<html><body>%PDF-1.4</body></html>", "not_pdf"),
        (pdf_bytes()[:200], "broken_pdf"),  # truncated upload
        (pdf_bytes().replace(b"startxref\n", b"startxref\n9"), "broken_pdf"),  # bad offset
        (b"%PDF-1.4\n%%EOF\n", "broken_pdf"),
    ],
)
def test_what_is_not_a_whole_pdf_is_refused(content: bytes, code: str) -> None:
    assert problem(content) == code
