"""Escaping for the long lists pages build in Python (grade book, family pages, charts).

The same text as Django's `django.utils.html.escape` (which is the standard library's
`html.escape` of `str(text)`: & < > " ' escaped) without its lazy-string wrapper, which cost
more than the escaping itself on pages that escape a thousand short texts. The result is
plain text, not a SafeString: it is always joined into HTML that the caller marks safe."""

from __future__ import annotations

from html import escape as _escape


def escape(text: object) -> str:
    return _escape(str(text))
