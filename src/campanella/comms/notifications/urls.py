"""Pages of notifications under /comunicazioni/notifiche/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.notifications import views

urlpatterns = [
    path("notifiche/", views.index, name="notification_list"),
    path("notifiche/<id:notification_id>/apri/", views.open_one, name="notification_open"),
    path("notifiche/lette/", views.read_all, name="notification_read_all"),
    path("notifiche/preferenze/", views.preferences, name="notification_preferences"),
    path("notifiche/scuola/", views.school_policy, name="notification_school_policy"),
    path("notifiche/push/iscrizione/", views.push_subscribe, name="notification_push_subscribe"),
    path("notifiche/push/cancella/", views.push_unsubscribe, name="notification_push_unsubscribe"),
    path("notifiche/sw.js", views.service_worker, name="notification_service_worker"),
]
