"""Pages of teaching materials under /comunicazioni/materiali/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.materials import views

CLASSROOM = "materiali/classi/<id:classroom_id>/"
SHELF = f"{CLASSROOM}materie/<id:subject_id>/"

urlpatterns = [
    path("materiali/", views.index, name="material_index"),
    path(CLASSROOM, views.classroom, name="material_classroom"),
    path(SHELF, views.shelf, name="material_shelf"),
    path(f"{SHELF}nuovo/", views.create, name="material_create"),
    path("materiali/<id:material_id>/", views.folder, name="material_folder"),
    path("materiali/<id:material_id>/scarica/", views.download, name="material_download"),
    path("materiali/<id:material_id>/modifica/", views.edit, name="material_edit"),
    path("materiali/<id:material_id>/elimina/", views.delete, name="material_delete"),
    path("materiali/<id:material_id>/condividi/", views.share, name="material_share"),
]
