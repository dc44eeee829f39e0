"""URL map: pages in Italian, the API under /api/v1/, the office's admin under /gestione/."""

from django.urls import include, path, register_converter

from campanella.api.api import api
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
]
