"""Pages of notices under /comunicazioni/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.notices import views

urlpatterns = [
    path("", views.index, name="notice_list"),
    path("nuova/", views.create, name="notice_create"),
    path("inviate/", views.sent, name="notice_sent"),
    path("<id:notice_id>/", views.detail, name="notice_detail"),
    path("<id:notice_id>/conferma/", views.confirm, name="notice_confirm"),
    path("<id:notice_id>/adesione/", views.consent, name="notice_consent"),
    path("<id:notice_id>/allegati/<id:attachment_id>/", views.attachment, name="notice_attachment"),
    path(
        "<id:notice_id>/adesioni/<id:consent_id>/file/",
        views.consent_file,
        name="notice_consent_file",
    ),
    path("<id:notice_id>/situazione/", views.tracking, name="notice_tracking"),
    path("<id:notice_id>/situazione.xlsx", views.export, name="notice_export"),
    path("<id:notice_id>/promemoria/", views.remind, name="notice_remind"),
    path("<id:notice_id>/annulla/", views.withdraw, name="notice_withdraw"),
]
