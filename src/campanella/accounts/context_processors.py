"""Navigation and header data for every page, role-aware."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campanella.accounts.portfolio import children_choices, current_child_id
from campanella.people.roles import roles_for_user


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def import_nav() -> list[NavItem]:
    try:
        return [NavItem(_("Importa"), reverse("interop:index"))]
    except NoReverseMatch:  # the import pages are being built (issue 3)
        return []


# The header's own data (the institute's name, the children to switch between) is shown on
# every page and only displays: it is kept for a minute per login
# (settings.FAMILY_HEADER_SECONDS) under the login's access version, which every change of what
# the login may see (a child linked or revoked, a portfolio join, a role) moves, so such a
# change shows at once. Data pages never read it; they check the links themselves.


@dataclass(frozen=True)
class KeptHeader:
    institute_name: str
    children: list[dict[str, Any]]  # {"pk", "name"}, in name order


def kept_header(request: HttpRequest) -> KeptHeader:
    if settings.FAMILY_HEADER_SECONDS == 0:
        return header_of(request)
    user: Any = request.user
    key = f"campanella:header:{user.pk}:{user.access_version}:{user.session_epoch}"
    kept = cache.get_or_set(key, lambda: header_of(request), settings.FAMILY_HEADER_SECONDS)
    return cast(KeptHeader, kept)


def header_of(request: HttpRequest) -> KeptHeader:
    roles = roles_for_user(request.user)
    children = children_choices(request)
    if roles.staff is not None:
        institute_name = roles.staff.institute.name
    elif roles.student is not None:
        institute_name = roles.student.institute.name
    else:
        institute_name = children[0].institute.name if children else "Campanella"
    return KeptHeader(
        institute_name=institute_name,
        children=[{"pk": child.pk, "name": child.name} for child in children],
    )


@lru_cache(maxsize=64)
def nav_items(
    staff: bool, office: bool, _language: str | None, _prefix: str, _urlconf: Any
) -> tuple[NavItem, ...]:
    """The menu of a kind of login: the same on every page, so made once per process for each
    kind, language, script prefix and URL configuration (what its labels and addresses depend
    on; the arguments after `office` are only the key). Nothing of a login is kept here."""
    items = [NavItem(_("Home"), reverse("accounts:home"))]
    if staff:
        items.append(NavItem(_("Registro"), reverse("register:today")))
        items.append(NavItem(_("Classi"), reverse("people:classroom_list")))
        items.append(NavItem(_("Scrutini"), reverse("evaluation:index")))
    items.append(NavItem(_("Pagelle"), reverse("reportcards:index")))
    items.append(NavItem(_("Documenti"), reverse("classdocs:index")))
    items.append(NavItem(_("Comunicazioni"), reverse("comms:notice_list")))
    items.append(NavItem(_("Messaggi"), reverse("comms:message_list")))
    if office:
        items += [
            *import_nav(),
            NavItem(_("Credenziali"), reverse("accounts:office_credentials")),
            NavItem(_("Accessi"), reverse("accounts:office_access")),
            NavItem(_("Storico"), reverse("register:history")),
            NavItem(_("Amministrazione"), reverse("admin:index")),
        ]
    items.append(NavItem(_("Profilo"), reverse("accounts:profile")))
    return tuple(items)


@lru_cache(maxsize=64)
def site_links(_language: str | None, _prefix: str, _urlconf: Any) -> dict[str, str]:
    """The addresses the frame of a logged-in user's page links to (base.html), made once per
    process for each language, script prefix and URL configuration (the arguments are only
    the key). Pages rendered without a request (the 500 page) show none of these links."""
    return {
        "home": reverse("accounts:home"),
        "logout": reverse("accounts:logout"),
        "switch_child": reverse("accounts:switch_child"),
        "notifications": reverse("comms:notification_list"),
        "notices": reverse("comms:notice_list"),
        "messages": reverse("comms:message_list"),
        "service_worker": reverse("comms:notification_service_worker"),
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    language, prefix = get_language(), get_script_prefix()
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    links = site_links(language, prefix, urlconf)
    if not user.is_authenticated:
        return {
            "nav": {"institute_name": "Campanella", "items": [], "roles": []},
            "site_links": links,
        }
    roles = roles_for_user(user)
    items = nav_items(roles.staff is not None, roles.is_office, language, prefix, urlconf)
    current = request.path
    header = kept_header(request)
    children = header.children if len(header.children) > 1 else []
    return {
        "site_links": links,
        "nav": {
            "institute_name": header.institute_name,
            "items": [
                {"label": item.label, "url": item.url, "current": item.url == current}
                for item in items
            ],
            "children": children,
            "current_child": current_child_id(request, [c["pk"] for c in children]),
        },
    }
