"""The one look of a grade or an average under the pass mark, for every grade page: coloured,
after a ▼ and with "insufficiente" for screen readers, so colour is never the only cue (each
page's legend explains the ▼)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

BELOW_MARK = '<span class="cmp-below-mark" aria-hidden="true">▼</span>'


def marked(text: str, below: bool) -> str:
    """`text` escaped, marked when `below`; a judgement that already says "insufficiente" is
    not said twice."""
    if not below:
        return escape(text)
    said = text.strip().lower() == "insufficiente"
    hidden = "" if said else f'<span class="visually-hidden"> ({escape(_("insufficiente"))})</span>'
    return f'<span class="cmp-below">{BELOW_MARK}{escape(text)}{hidden}</span>'
