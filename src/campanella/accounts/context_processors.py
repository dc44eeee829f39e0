"""Navigation and header data for every page, role-aware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
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


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav": {"institute_name": "Campanella", "items": [], "roles": []}}
    roles = roles_for_user(user)
    items = [NavItem(_("Home"), reverse("accounts:home"))]
    if roles.staff is not None:
        items.append(NavItem(_("Registro"), reverse("register:today")))
        items.append(NavItem(_("Classi"), reverse("people:classroom_list")))
    if roles.is_office:
        items += [
            *import_nav(),
            NavItem(_("Credenziali"), reverse("accounts:office_credentials")),
            NavItem(_("Accessi"), reverse("accounts:office_access")),
            NavItem(_("Storico"), reverse("register:history")),
            NavItem(_("Amministrazione"), reverse("admin:index")),
        ]
    items.append(NavItem(_("Profilo"), reverse("accounts:profile")))
    current = request.path
    # The switch is offered from two children on (an adult student counts themselves): one
    # child needs no query here.
    family = roles.children_count + (1 if roles.is_student else 0)
    children = children_choices(request) if family > 1 else []
    return {
        "nav": {
            "institute_name": roles.institute_name,
            "items": [
                {"label": item.label, "url": item.url, "current": item.url == current}
                for item in items
            ],
            "roles": roles.labels,
            "children": children if len(children) > 1 else [],
            "current_child": current_child_id(request, children),
        }
    }
