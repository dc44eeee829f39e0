"""Is this upload a PDF? Decided by its content, never by its name or the browser's type.

A PDF starts with `%PDF-1.x` (or `%PDF-2.0`), ends (give or take a few bytes of trailing
whitespace) with `%%EOF`, and just before it says `startxref` followed by the byte offset of
its cross-reference table, which must point inside the file at `xref` or at a cross-reference
stream object (`N 0 obj`). This is a sanity check of the structure, not a full parser: it
refuses images, text files, truncated uploads and HTML error pages renamed `.pdf`.
"""

from __future__ import annotations

import re
from typing import BinaryIO

HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)[\r\n\s%]")
STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF\s*$")
XREF_AT = re.compile(rb"\s*(xref|\d+\s+\d+\s+obj)")
TAIL_BYTES = 2048


def pdf_problem(stream: BinaryIO, size: int) -> str | None:
    """None when `stream` (`size` bytes) looks like a whole PDF; else a stable code:
    `not_pdf` (no PDF header), `broken_pdf` (a header but no valid end or cross-reference)."""
    stream.seek(0)
    head = stream.read(16)
    if not HEADER.match(head):
        return "not_pdf"
    stream.seek(max(0, size - TAIL_BYTES))
    tail = stream.read(TAIL_BYTES)
    found = STARTXREF.search(tail)
    if found is None:
        return "broken_pdf"
    offset = int(found.group(1))
    if offset <= 0 or offset >= size:
        return "broken_pdf"
    stream.seek(offset)
    if not XREF_AT.match(stream.read(32)):
        return "broken_pdf"
    stream.seek(0)
    return None
