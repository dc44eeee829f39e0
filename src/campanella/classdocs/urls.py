"""Pages of class documents under /documenti/."""

from __future__ import annotations

from django.urls import path

from campanella.classdocs import views

app_name = "classdocs"

urlpatterns = [
    path("", views.index, name="index"),
    path("docente/", views.teacher, name="teacher"),
    path("docente/carica/", views.upload, name="upload"),
    path("segreteria/", views.office, name="office"),
    path("segreteria/scadenze/", views.deadline, name="deadline"),
    path("segreteria/pubblicazione/", views.publish, name="publish"),
    path("segreteria/solleciti/", views.remind, name="remind"),
    path("classi/<id:classroom_id>/", views.classroom, name="classroom"),
    path("<id:document_id>/pdf/", views.download, name="download"),
    path("<id:document_id>/ritira/", views.withdraw, name="withdraw"),
    path("<id:document_id>/pubblica/", views.publish_document, name="publish_document"),
]
