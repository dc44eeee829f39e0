"""Pages of the scrutinio under /scrutini/ (each module adds its own patterns below)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = []

# Proposals (evaluation.views_proposals)
from django.urls import path  # noqa: E402

from campanella.evaluation import views_proposals  # noqa: E402

urlpatterns += [
    path("<id:session_id>/proposte/", views_proposals.proposals_page, name="proposals"),
    path("<id:session_id>/proposte/salva/", views_proposals.proposals_save, name="proposals_save"),
    path(
        "<id:session_id>/proposte/leggi/",
        views_proposals.proposals_session_read,
        name="proposals_read",
    ),
    path("proposte/lettura/", views_proposals.proposals_bulk_read, name="proposals_bulk"),
]
