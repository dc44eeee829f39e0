"""Long lists of the family register rendered in Python, with the same escaping as a template.

A month of a classroom's lessons is 100–200 lines; the template engine spent more on them than
the rest of the page (docs/benchmarks.md, "Family pages")."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from campanella.lib.html_text import escape
from campanella.register.models import SignatureKind
from campanella.register.selectors import LessonLine


@lru_cache(maxsize=4096)
def day_label(day: datetime.date, layout: str, language: str | None) -> str:
    """`day` as the template filter `date:layout` writes it in `language` (the active one:
    part of the key so that a kept label is never of another language)."""
    return dateformat.format(day, layout)


def lesson_items(lines: list[LessonLine]) -> SafeString:
    """The `<li>` of each lesson: day, hour, subject, who signed (and how, when not the
    subject's own teacher), topic."""
    language = get_language()
    kinds = {kind: escape(label) for kind, label in SignatureKind.choices}
    # A month of lessons repeats the same days, subjects and teachers: each escaped once.
    days: dict[datetime.date, str] = {}
    texts: dict[str, str] = {}
    signed: dict[tuple[str, str], str] = {}
    items = []
    for line in lines:
        day = days.get(line.date)
        if day is None:
            day = days[line.date] = escape(day_label(line.date, "D d/m", language))
        subject = texts.get(line.subject)
        if subject is None:
            subject = texts[line.subject] = escape(line.subject)
        text = f"{day} · {line.hour}ª · {subject}"
        if line.teachers:
            names = []
            for name, kind in line.teachers:
                shown = signed.get((name, kind))
                if shown is None:
                    own = kind == SignatureKind.OWN
                    shown = escape(name) if own else f"{escape(name)} – {kinds[kind]}"
                    signed[name, kind] = shown
                names.append(shown)
            text += f" ({', '.join(names)})"
        if line.topic:
            text += f": {escape(line.topic)}"
        items.append(f"<li>{text}</li>")
    return mark_safe("".join(items))  # noqa: S308 - every text above is escaped
