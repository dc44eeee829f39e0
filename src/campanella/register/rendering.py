"""Long lists of the family register rendered in Python, with the same escaping as a template.

A month of a classroom's lessons is 100–200 lines; the template engine spent more on them than
the rest of the page (docs/benchmarks.md, "Family pages")."""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from campanella.lib.html_text import escape
from campanella.register.models import SignatureKind
from campanella.register.selectors import (
    EVENT_ABSENCE,
    EVENT_LATE,
    EventJustification,
    FamilyEvent,
    LessonLine,
)


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


_MARK = 987654321  # an id no URL holds elsewhere: reversed once, then split around


@lru_cache(maxsize=64)
def _history_link(kind: str, _language: str | None, _prefix: str, _urlconf: Any) -> tuple[str, str]:
    """The history page's address of an event of `kind`, (before the id, after it), reversed
    once per process for each language, script prefix and URL configuration."""
    before, after = escape(reverse("register:record_history", args=[kind, _MARK])).split(str(_MARK))
    return before, after


def _state(justification: EventJustification | None) -> str:
    """What `register/_justification_state.html` wrote (with its file's last newline)."""
    if justification:
        return (
            f'<span data-state="{escape(justification.status)}">'
            f"{escape(justification.get_status_display())}</span>\n"
        )
    return (
        '<span data-state="da_giustificare" class="text-danger fw-bold">'
        f"{gettext('da giustificare')}</span>\n"
    )


def event_items(events: list[FamilyEvent], kind: str, staff_view: bool) -> SafeString:
    """The `<li>` of each absence, late entry or early exit (all of `kind`) of the family
    register, as its template wrote them: day, what and when, the justification's state and,
    for staff, the link to the event's history. Literal texts are not escaped, as
    `{% translate "…" %}` writes them."""
    language = get_language()
    link = _history_link(
        kind, language, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )
    history = gettext("Storico")
    if kind == EVENT_ABSENCE:
        what, hour_word = gettext("assenza"), gettext("ora")
    elif kind == EVENT_LATE:
        what, short_word = gettext("entrata alle"), gettext("ritardo breve")
    else:
        what = gettext("uscita alle")
    items = []
    for item in events:
        text = f"{escape(day_label(item.date, 'D d/m/Y', language))} · {what}"
        if kind == EVENT_ABSENCE:
            if item.hour is not None:
                text += f" ({item.hour}ª {hour_word})"
        else:
            text += f" {item.time:%H:%M}" if item.time is not None else " "
            if kind == EVENT_LATE and item.short:
                text += f" ({short_word})"
        text += f" · {_state(item.justification)}"
        if staff_view:
            day = escape(day_label(item.date, "d/m/Y", language))
            text += (
                f' · <a href="{link[0]}{item.pk}{link[1]}">{history}'
                f'<span class="visually-hidden"> {day}</span></a>'
            )
        items.append(f'<li class="list-group-item">{text}</li>')
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped
