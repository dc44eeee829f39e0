"""URLs of the OneRoster REST provider, mounted at /ims/oneroster/ by campanella/urls.py:
the token endpoint and the two read-only services (docs/oneroster.md, "REST")."""

from __future__ import annotations

from typing import Any

from django.urls import path

from campanella.interop.oneroster.oauth import AddressOf
from campanella.interop.oneroster.provider import GRADEBOOK_SERVICE, ROSTERING, VERSION, views_for

app_name = "oneroster"


def urls_for(address_of: AddressOf) -> tuple[list[Any], str]:
    views = views_for(address_of)
    return (
        [
            path("token", views["token"], name="token"),
            path(f"{ROSTERING}/{VERSION}/<path:rest>", views[ROSTERING], name=ROSTERING),
            path(
                f"{GRADEBOOK_SERVICE}/{VERSION}/<path:rest>",
                views[GRADEBOOK_SERVICE],
                name=GRADEBOOK_SERVICE,
            ),
        ],
        app_name,
    )
