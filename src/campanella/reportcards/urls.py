"""Pages of report cards under /pagelle/."""

from __future__ import annotations

from django.urls import path

from campanella.reportcards import views, views_interim

app_name = "reportcards"

urlpatterns = [
    path("", views.index, name="index"),
    path("pubblicazione/", views.publication, name="publication"),
    path("<id:session_id>/esiti/", views.outcomes, name="outcomes"),
    path("<id:session_id>/prese-visione/", views.confirmations, name="confirmations"),
    path("<id:session_id>/pacchetto/", views.bundle_create, name="bundle_create"),
    path("<id:session_id>/promemoria/", views.remind, name="remind"),
    path("pacchetto-scuola/", views.school_bundle_create, name="school_bundle_create"),
    path("pacchetti/<id:bundle_id>/", views.bundle, name="bundle"),
    path("pacchetti/<id:bundle_id>/pdf/", views.bundle_pdf, name="bundle_pdf"),
    path("<id:session_id>/<id:student_id>/", views.card, name="card"),
    path("<id:session_id>/<id:student_id>/pdf/", views.card_pdf, name="pdf"),
    path("<id:session_id>/<id:student_id>/presa-visione/", views.confirm, name="confirm"),
    # Interim reports (pagellini).
    path("pagellini/", views_interim.index, name="interim_index"),
    path("pagellini/nuovo/", views_interim.create, name="interim_create"),
    path("pagellini/<id:round_id>/", views_interim.round_page, name="interim_round"),
    path("pagellini/<id:round_id>/pubblicazione/", views_interim.publish, name="interim_publish"),
    path(
        "pagellini/<id:round_id>/classi/<id:classroom_id>/",
        views_interim.classroom,
        name="interim_classroom",
    ),
    path(
        "pagellini/<id:round_id>/classi/<id:classroom_id>/promemoria/",
        views_interim.remind,
        name="interim_remind",
    ),
    path(
        "pagellini/<id:round_id>/classi/<id:classroom_id>/materie/<id:subject_id>/",
        views_interim.subject,
        name="interim_subject",
    ),
    path(
        "pagellini/<id:round_id>/classi/<id:classroom_id>/materie/<id:subject_id>/rileggi/",
        views_interim.reread,
        name="interim_reread",
    ),
    path(
        "pagellini/<id:round_id>/studenti/<id:student_id>/",
        views_interim.report,
        name="interim_report",
    ),
    path(
        "pagellini/<id:round_id>/studenti/<id:student_id>/pdf/",
        views_interim.report_pdf,
        name="interim_pdf",
    ),
    path(
        "pagellini/<id:round_id>/studenti/<id:student_id>/presa-visione/",
        views_interim.confirm,
        name="interim_confirm",
    ),
]
