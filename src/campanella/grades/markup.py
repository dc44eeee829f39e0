"""The one look of a grade or an average under the pass mark, for every grade page: coloured,
after a ▼ and with "insufficiente" for screen readers, so colour is never the only cue (each
page's legend explains the ▼)."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campanella.lib.html_text import escape

BELOW_MARK = '<span class="cmp-below-mark" aria-hidden="true">▼</span>'
# What screen readers hear after a marked value, per language: pages mark a hundred values.
_SAID: dict[str | None, str] = {}


def _said(language: str | None) -> str:
    if language not in _SAID:
        _SAID[language] = f'<span class="visually-hidden"> ({escape(_("insufficiente"))})</span>'
    return _SAID[language]


# Grade pages mark a few hundred values, mostly the same few dozen notations and averages:
# each one's markup is kept per language (bounded: free texts are not kept).
_MARKED: dict[tuple[str, bool, str | None], str] = {}
_PLAIN: dict[str, str] = {}


def marked(text: str, below: bool, language: str | None = None) -> str:
    """`text` escaped, marked when `below`; a judgement that already says "insufficiente" is
    not said twice. `language` is the active one (get_language()), given by pages that mark
    hundreds of values (asking it costs microseconds each time)."""
    if not below:  # the same in every language
        found = _PLAIN.get(text)
        if found is None:
            found = escape(text)
            if len(_PLAIN) < 4096 and len(text) <= 16:
                _PLAIN[text] = found
        return found
    if language is None:
        language = get_language()
    key = (text, below, language)
    found = _MARKED.get(key)
    if found is not None:
        return found
    hidden = "" if text.strip().lower() == "insufficiente" else _said(language)
    found = f'<span class="cmp-below">{BELOW_MARK}{escape(text)}{hidden}</span>'
    if len(_MARKED) < 4096 and len(text) <= 16:
        _MARKED[key] = found
    return found
