"""The frame's header of every page (skip link, institute, child switch, counts, logout,
brand, menu) built in Python, with the same text and escaping as the template it replaced.

Every page renders it: as template tags (`{% translate %}`, `{% csrf_token %}`, a loop over
the menu) it cost about a millisecond of each page (docs/benchmarks.md, "Family pages"). The
fixed parts are kept per language, script prefix and URL configuration; what belongs to the
request (names, counts, the CSRF token, the current page) is filled in on each. Nothing of a
login is kept. tests/test_frame_header.py compares it with the template it replaced."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, gettext, ngettext

from campanella.lib.html_text import escape


@lru_cache(maxsize=16)
def _texts(_language: str | None) -> dict[str, str]:
    """The header's fixed labels in a language: as `{% translate "…" %}` writes a literal,
    unescaped (the catalogs are code, as the templates are)."""
    labels = {
        "skip": "Vai al contenuto principale",
        "child": "Figlio",
        "switch": "Cambia",
        "no_news": "Notifiche: nessuna nuova",
        "notices": "Comunicazioni",
        "unread": "da leggere",
        "messages": "Messaggi",
        "logout": "Esci",
        "tagline": "Registro elettronico",
        "navigation": "Navigazione principale",
    }
    return {key: gettext(text) for key, text in labels.items()}


@lru_cache(maxsize=16)
def _login_url(_language: str | None, _prefix: str, _urlconf: Any) -> str:
    return escape(reverse("accounts:login"))


def _csrf_input(context: Context) -> str:
    """What `{% csrf_token %}` writes (Django's CsrfTokenNode, without its DEBUG warning)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, not a secret
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def _lookup(value: Any, key: str) -> Any:
    """`value.key` as a template reads it: a dict's item, else an attribute, else ''."""
    if isinstance(value, dict):
        return value.get(key, "")
    return getattr(value, key, "")


def _counts(context: Context, links: Any, texts: dict[str, str]) -> str:
    notifications = context.get("unread_notifications")
    notices = context.get("unread_notices")
    threads = context.get("unread_messages")
    parts = ["\n                  "]
    if notifications is not None:
        if notifications:
            label = ngettext("Notifiche: %(n)s nuova", "Notifiche: %(n)s nuove", notifications) % {
                "n": escape(notifications)
            }
            badge = (
                ' <span class="badge bg-primary" aria-hidden="true" data-testid="bell-count">'
                f"{escape(notifications)}</span>"
            )
        else:
            label, badge = texts["no_news"], ""
        parts.append(
            f'<a class="text-white me-3" href="{escape(_lookup(links, "notifications"))}" '
            f'data-testid="bell" aria-label="{label}"><span aria-hidden="true">&#128276;</span>'
            f"{badge}</a>"
        )
    parts.append("\n                  ")
    for count, key, testid, label in (
        (notices, "notices", "unread-notices", texts["notices"]),
        (threads, "messages", "unread-messages", texts["messages"]),
    ):
        if count is not None:
            badge = ""
            if count:
                badge = (
                    f' <span class="badge bg-primary">{escape(count)}'
                    f'<span class="visually-hidden"> {texts["unread"]}</span></span>'
                )
            parts.append(
                f'<a class="text-white me-3" href="{escape(_lookup(links, key))}" '
                f'data-testid="{testid}">{label}{badge}</a>'
            )
        parts.append("\n                  ")
    return "".join(parts)


def _switch(context: Context, nav: Any, links: Any, texts: dict[str, str]) -> str:
    request = context.get("request")
    path = escape(request.get_full_path()) if request is not None else ""
    current = _lookup(nav, "current_child")
    options = "".join(
        f'<option value="{escape(_lookup(child, "pk"))}"'
        f"{' selected' if _lookup(child, 'pk') == current else ''}>"
        f"{escape(_lookup(child, 'name'))}</option>"
        for child in _lookup(nav, "children")
    )
    return (
        "\n                  "
        f'<form method="post" action="{escape(_lookup(links, "switch_child"))}" '
        'class="d-flex align-items-center me-2 cmp-child-switch" data-testid="child-switch">\n'
        f"                    {_csrf_input(context)}\n"
        f'                    <input type="hidden" name="next" value="{path}">\n'
        '                    <label for="child-select" class="visually-hidden">'
        f"{texts['child']}</label>\n"
        '                    <select id="child-select" name="student" '
        'class="form-select form-select-sm">\n'
        f"                      {options}\n"
        "                    </select>\n"
        '                    <button type="submit" class="btn btn-sm btn-outline-light ms-1">'
        f"{texts['switch']}</button>\n"
        "                  </form>\n                  "
    )


def _menu(nav: Any, texts: dict[str, str]) -> str:
    items = _lookup(nav, "items")
    if not items:
        return ""
    entries = []
    for item in items:
        current = _lookup(item, "current")
        entries.append(
            '\n                    <li class="nav-item">\n'
            f'                      <a class="nav-link{" active" if current else ""}" '
            f'href="{escape(_lookup(item, "url"))}"'
            f"{' aria-current=' + chr(34) + 'page' + chr(34) if current else ''}>"
            f"<span>{escape(_lookup(item, 'label'))}</span></a>\n"
            "                    </li>\n                  "
        )
    return (
        "\n"
        '      <div class="it-header-navbar-wrapper">\n'
        '        <div class="container">\n'
        '          <div class="row">\n'
        '            <div class="col-12">\n'
        '              <nav class="navbar navbar-expand-lg" '
        f'aria-label="{texts["navigation"]}">\n'
        '                <ul class="navbar-nav flex-row flex-wrap cmp-nav">\n'
        f"                  {''.join(entries)}\n"
        "                </ul>\n"
        "              </nav>\n"
        "            </div>\n"
        "          </div>\n"
        "        </div>\n"
        "      </div>\n      "
    )


def frame_header(context: Context) -> str:
    """The skip link and the `<header>` of base.html, as HTML to mark safe."""
    language = get_language()
    texts = _texts(language)
    user: Any = context.get("user")
    nav = context.get("nav", "")
    links = context.get("site_links", "")
    logged_in = bool(getattr(user, "is_authenticated", False))
    right = ""
    if logged_in:
        switch = _switch(context, nav, links, texts) if _lookup(nav, "children") else ""
        right = (
            f"\n                  {switch}"
            f"{_counts(context, links, texts)}"
            '<span class="text-white me-3 d-none d-md-inline" data-testid="user-name">'
            f"{escape(user.get_username())}</span>\n"
            f'                  <form method="post" action="{escape(_lookup(links, "logout"))}"'
            ' class="d-inline">\n'
            f"                    {_csrf_input(context)}\n"
            '                    <button type="submit" '
            'class="btn btn-primary btn-sm btn-icon btn-full">\n'
            f"                      {texts['logout']}\n"
            "                    </button>\n"
            "                  </form>\n                "
        )
    if logged_in:
        brand = escape(_lookup(links, "home"))
    else:
        prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
        brand = _login_url(language, prefix, urlconf)
    return (
        '<div class="skiplinks">\n'
        f'    <a class="visually-hidden-focusable" href="#main">{texts["skip"]}</a>\n'
        "  </div>\n"
        '  <header class="it-header-wrapper">\n'
        '    <div class="it-header-slim-wrapper">\n'
        '      <div class="container">\n'
        '        <div class="row">\n'
        '          <div class="col-12">\n'
        '            <div class="it-header-slim-wrapper-content">\n'
        '              <span class="d-lg-block navbar-brand">'
        f"{escape(_lookup(nav, 'institute_name'))}</span>\n"
        '              <div class="it-header-slim-right-zone">\n'
        f"                {right}\n"
        "              </div>\n"
        "            </div>\n"
        "          </div>\n"
        "        </div>\n"
        "      </div>\n"
        "    </div>\n"
        '    <div class="it-nav-wrapper">\n'
        '      <div class="it-header-center-wrapper it-small-header">\n'
        '        <div class="container">\n'
        '          <div class="row">\n'
        '            <div class="col-12">\n'
        '              <div class="it-header-center-content-wrapper">\n'
        '                <div class="it-brand-wrapper">\n'
        f'                  <a href="{brand}">\n'
        '                    <div class="it-brand-text">\n'
        '                      <div class="it-brand-title">Campanella</div>\n'
        '                      <div class="it-brand-tagline d-none d-md-block">'
        f"{texts['tagline']}</div>\n"
        "                    </div>\n"
        "                  </a>\n"
        "                </div>\n"
        "              </div>\n"
        "            </div>\n"
        "          </div>\n"
        "        </div>\n"
        "      </div>\n"
        f"      {_menu(nav, texts)}\n"
        "    </div>\n"
        "  </header>"
    )
