"""The home's child cards rendered in Python, with the same escaping and text as a template.

A family's home is one card per child with about twenty links and labels; as an `{% include %}`
per child (and one more for its news) the template engine spent about a third of the home's
time on them (docs/benchmarks.md, "Family pages"). The HTML is byte for byte what the
templates it replaces wrote (tests/accounts/test_child_card.py compares them)."""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from campanella.accounts.selectors import ChildHome
from campanella.lib.html_text import escape

_EVENTS = ("assenza", "ritardo")  # any other kind is an exit, as the template had it
_MARK = 987654321  # an id no URL holds elsewhere: reversed once, then split around


@lru_cache(maxsize=64)
def _links(_language: str | None, _prefix: str, _urlconf: Any) -> dict[str, tuple[str, str]]:
    """Each link of a card as (before the id, after it), reversed once per process for each
    language, script prefix and URL configuration (the arguments are only the key)."""
    names = {
        "student": "people:student_detail",
        "register": "register:student",
        "grades": "grades:student",
        "teachers": "people:classroom_teachers",
        "documents": "classdocs:classroom",
        "materials": "comms:material_classroom",
    }
    links = {}
    for key, name in names.items():
        before, after = escape(reverse(name, args=[_MARK])).split(str(_MARK))
        links[key] = (before, after)
    return links


@lru_cache(maxsize=16)
def _texts(_language: str | None) -> dict[str, str]:
    """The card's fixed labels in a language: as `{% translate "…" %}` writes a literal,
    unescaped (the catalogs are code, as the templates are)."""
    labels = {
        "register": "Assenze, argomenti, note e agenda",
        "grades": "Voti",
        "teachers": "Docenti",
        "documents": "Documenti di classe",
        "materials": "Materiale didattico",
        "latest": "Ultimi voti",
        "today": "Oggi",
        "no_lessons": "Nessuna lezione oggi.",
        "not_enrolled": "Non risulta iscritto in una classe oggi.",
        "booklet": "Vai al libretto web",
        "news": "Novità dall'ultima visita",
        "assenza": "assenza",
        "ritardo": "entrata posticipata",
        "uscita": "uscita anticipata",
        "grade": "Voto",
        "note": "Nota disciplinare",
        "verifica": "Verifica",
        "compiti": "Compiti",
        "for": "per il",
    }
    return {key: gettext(text) for key, text in labels.items()}


def _day(day: datetime.date) -> str:
    """`day|date:"d/m"`."""
    return f"{day.day:02d}/{day.month:02d}"


def _news(item: ChildHome, link: tuple[str, str], name: str, texts: dict[str, str]) -> str:
    """What `_child_news.html` wrote."""
    news = item.news
    if not news:
        return "\n"
    parts = ["\n"]
    if news.to_justify:
        count = len(news.to_justify)
        title = ngettext("Da giustificare: %(counter)s", "Da giustificare: %(counter)s", count)
        events = "".join(
            f"<li>{texts[kind] if kind in _EVENTS else texts['uscita']} {_day(day)}</li>"
            for kind, day in news.to_justify[:5]
        )
        href = f"{link[0]}{item.child.student.pk}{link[1]}"
        parts.append(
            '\n<div class="mb-2" data-testid="to-justify">\n'
            f'  <h4 class="h6">{title % {"counter": count}}</h4>\n'
            f'  <ul class="list-unstyled mb-1">{events}</ul>\n'
            f'  <p class="mb-0"><a href="{href}">{texts["booklet"]}'
            f'<span class="visually-hidden"> – {name}</span></a></p>\n</div>\n'
        )
    parts.append("\n")
    if news.grades or news.notes or news.agenda:
        grades = "".join(
            f"<li>{texts['grade']} <strong>{escape(text)}</strong> {escape(subject)} "
            f'<span class="small">{_day(day)}</span></li>'
            for text, subject, day in news.grades
        )
        notes = "".join(
            f"<li>{texts['note']} {_day(day)}: {escape(Truncator(text).chars(80))}</li>"
            for day, text in news.notes
        )
        agenda = "".join(
            f"<li>{texts['verifica'] if entry.kind == 'verifica' else texts['compiti']} "
            f"{escape(entry.subject.name)} {texts['for']} {_day(entry.date)}</li>"
            for entry in news.agenda
        )
        parts.append(
            '\n<div class="mb-2" data-testid="child-news">\n'
            f'  <h4 class="h6">{texts["news"]}</h4>\n'
            '  <ul class="list-unstyled mb-0">\n'
            f"    {grades}\n    {notes}\n    {agenda}\n  </ul>\n</div>\n"
        )
    parts.append("\n\n")
    return "".join(parts)


def child_card(item: ChildHome) -> SafeString:
    """The card of one child (or of the student themselves) on the home."""
    language = get_language()
    links = _links(language, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    texts = _texts(language)
    student = item.child.student
    name = escape(student.name)

    def href(key: str, pk: int) -> str:
        before, after = links[key]
        return f"{before}{pk}{after}"

    parts = [
        '\n<div class="col-12 col-lg-6 mb-3">\n'
        '  <div class="card card-bg h-100"><div class="card-body">\n'
        f'    <h3 class="card-title h5"><a href="{href("student", student.pk)}">{name} '
        f"{escape(student.surname)}</a></h3>\n    "
    ]
    enrollment = item.child.enrollment
    if enrollment:
        classroom = enrollment.classroom
        room = escape(classroom.name)
        hidden_room = f'<span class="visually-hidden"> – {room}</span>'
        hidden_name = f'<span class="visually-hidden"> – {name}</span>'
        room_id = enrollment.classroom_id
        parts.append(
            f'\n      <p class="card-text mb-2">{room} · {escape(classroom.school.name)}</p>\n'
            f'      <p class="mb-2"><a href="{href("register", student.pk)}">'
            f"{texts['register']}{hidden_name}</a> · "
            f'<a href="{href("grades", student.pk)}">{texts["grades"]}{hidden_name}</a> · '
            f'<a href="{href("teachers", room_id)}" data-testid="teachers-link">'
            f"{texts['teachers']}{hidden_room}</a> · "
            f'<a href="{href("documents", room_id)}" data-testid="documents-link">'
            f"{texts['documents']}{hidden_room}</a> · "
            f'<a href="{href("materials", room_id)}" data-testid="materials-link">'
            f"{texts['materials']}{hidden_room}</a></p>\n      "
        )
        parts.append(_news(item, links["register"], name, texts))
        parts.append("\n      ")
        if item.latest_grades:
            latest = "".join(
                f"<li><strong>{escape(text)}</strong> {escape(subject)} "
                f'<span class="small">{_day(day)}</span></li>'
                for text, subject, day in item.latest_grades
            )
            parts.append(
                f'\n      <h4 class="h6">{texts["latest"]}</h4>\n'
                f'      <ul class="list-unstyled mb-2" data-testid="latest-grades">{latest}</ul>\n'
                "      "
            )
        parts.append(f'\n      <h4 class="h6">{texts["today"]}</h4>\n      ')
        if item.today:
            hours = "".join(
                f"<li>{entry.slot.start_time:%H:%M} {escape(entry.subject.name)}</li>"
                for entry in item.today
            )
            parts.append(f'\n      <ol class="ps-3 mb-0">\n        {hours}\n      </ol>\n      ')
        else:
            closed = "".join(f" {escape(c.description)}." for c in item.closed_today)
            parts.append(f'\n      <p class="mb-0">{texts["no_lessons"]}{closed}</p>\n      ')
        parts.append("\n    ")
    else:
        parts.append(f'\n      <p class="card-text">{texts["not_enrolled"]}</p>\n    ')
    parts.append("\n  </div></div>\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
