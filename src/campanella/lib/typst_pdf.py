"""Compiling the project's Typst templates into accessible PDFs: one place for the settings
every document shares.

* Only Typst's embedded fonts (Libertinus Serif, New Computer Modern, DejaVu Sans Mono): every
  server prints identical pages whatever fonts it has installed.
* PDF/UA-1: tagged, with title and language, checked by Typst at compile time.
* Warnings are re-raised as Python warnings (plain ``typst.compile()`` drops them, so a
  mistyped font name would go unseen); the tests turn them into errors.
* Data reaches a template only as JSON in ``sys.inputs.data``, never formatted into markup, so
  names with ``#``, ``*``, ``$`` or ``[`` print exactly as they are.
* Large documents free the cache Typst keeps process-wide (see ``evict_typst_cache``).
* One ``typst.Compiler`` per template and thread is kept: a report card costs about a tenth
  less than with a new compiler every time (its fonts and sources stay loaded; a changed
  template file is still read again). Per thread, because a compiler cannot run two
  compilations at once.
"""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path
from typing import Final

import typst

__all__ = ["EVICTION_AGE", "LARGE_BATCH", "TEMPLATES", "compile_template", "evict_typst_cache"]

# Relative to this file, so they are found in a checkout, an editable or a wheel install alike.
TEMPLATES: Final = Path(__file__).resolve().parent / "typst"

# From this many pages on, the cache Typst keeps (about 0.9 MB a page) outweighs the cost of
# evicting it; smaller documents stay cached, bounded by the package's own eviction.
LARGE_BATCH: Final = 100
EVICTION_AGE: Final = 10  # comemo::evict(10) after every compile in the typst package 0.15


_compilers = threading.local()


def _compiler(template: Path) -> typst.Compiler:
    kept: dict[Path, typst.Compiler] = getattr(_compilers, "by_template", None) or {}
    _compilers.by_template = kept
    if template not in kept:
        kept[template] = typst.Compiler(template, root=template.parent, ignore_system_fonts=True)
    return kept[template]


def compile_template(template: Path, data: object, *, pages: int = 0) -> bytes:
    """Compile ``template`` with ``data`` (JSON-serialisable) as ``sys.inputs.data``.

    ``pages`` is how many pages the caller expects (roughly): from ``LARGE_BATCH`` on, Typst's
    cache is evicted after the compilation. Returns the PDF bytes.
    """
    pdf, problems = _compiler(template).compile_with_warnings(
        format="pdf",
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
        pdf_standards="ua-1",
    )
    for problem in problems:
        warnings.warn(problem, stacklevel=3)
    if pages >= LARGE_BATCH:
        evict_typst_cache()
    if not isinstance(pdf, bytes):  # a list only for multi-page images, None only with output=
        raise TypeError(f"Typst returned {type(pdf).__name__} for a PDF")
    return pdf


def evict_typst_cache() -> None:
    """Free what Typst memoized for a large document.

    Typst keeps its layout cache process-wide, and the ``typst`` package evicts an entry only
    after it has gone unused for 10 compilations: about 0.9 MB a page, so each whole-school
    batch would keep over 1 GB alive. The package has no call to clear it, so run the cheapest
    compilations that age everything past the limit (about 0.6 s after 1,000 pages).
    """
    for _ in range(EVICTION_AGE + 1):
        typst.compile(b"", format="pdf", ignore_system_fonts=True)
