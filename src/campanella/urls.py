"""URL map: pages in Italian, the API under /api/v1/, the office's admin under /gestione/."""

from django.urls import include, path, register_converter

from campanella.accounts.security import client_ip
from campanella.api.api import api
from campanella.interop.oneroster.provider_urls import urls_for as oneroster_urls
from campanella.lib.ids import IdConverter
from campanella.people.admin import office_admin

# `<id:…>` in every app's urls.py: a record id that fits the database, else 404 (lib/ids.py).
# Registered here, before the includes below import the apps' URL lists.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", include("campanella.accounts.urls")),
    path("", include("campanella.people.urls")),
    path("segreteria/importa/", include("campanella.interop.urls")),
    path("registro/", include("campanella.register.urls")),
    path("voti/", include("campanella.grades.urls")),
    path("scrutini/", include("campanella.evaluation.urls")),
    path("pagelle/", include("campanella.reportcards.urls")),
    path("documenti/", include("campanella.classdocs.urls")),
    path("comunicazioni/", include("campanella.comms.urls")),
    path("gestione/", office_admin.urls),
    path("api/v1/", api.urls),
    # OneRoster 1.2 REST (token, rostering, gradebook) at the paths its consumers expect.
    path("ims/oneroster/", include(oneroster_urls(address_of=client_ip))),
]
