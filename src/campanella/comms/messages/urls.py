"""Pages of messages under /comunicazioni/messaggi/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.messages import views

urlpatterns = [
    path("messaggi/", views.inbox, name="message_list"),
    path("messaggi/nuovo/", views.start, name="message_create"),
    path("messaggi/classi/", views.broadcast, name="message_broadcast"),
    path("messaggi/orario/", views.hours_page, name="message_hours"),
    path("messaggi/ricezione/", views.teacher_inbox, name="message_inbox_setting"),
    path("messaggi/<id:thread_id>/", views.thread, name="message_thread"),
    path("messaggi/<id:thread_id>/rispondi/", views.reply, name="message_reply"),
    path(
        "messaggi/<id:thread_id>/allegati/<id:attachment_id>/",
        views.attachment,
        name="message_attachment",
    ),
]
