"""URL map: pages in Italian, the API under /api/v1/, the office's admin under /gestione/."""

from django.urls import include, path

from campanella.api.api import api
from campanella.people.admin import office_admin

urlpatterns = [
    path("", include("campanella.accounts.urls")),
    path("", include("campanella.people.urls")),
    path("segreteria/importa/", include("campanella.interop.urls")),
    path("registro/", include("campanella.register.urls")),
    path("voti/", include("campanella.grades.urls")),
    path("gestione/", office_admin.urls),
    path("api/v1/", api.urls),
]
