"""Pages of meetings under /comunicazioni/colloqui/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.meetings import views

urlpatterns = [
    path("colloqui/", views.index, name="meeting_index"),
    path(
        "colloqui/alunni/<id:student_id>/docenti/<id:teacher_id>/",
        views.slots,
        name="meeting_slots",
    ),
    path("colloqui/<id:slot_id>/prenota/", views.book, name="meeting_book"),
    path("colloqui/<id:slot_id>/annulla/", views.cancel_slot, name="meeting_slot_cancel"),
    path(
        "colloqui/prenotazioni/<id:booking_id>/annulla/",
        views.cancel_booking,
        name="meeting_booking_cancel",
    ),
    path("colloqui/ricevimento/", views.availability, name="meeting_availability"),
    path("colloqui/agenda/", views.teacher_day, name="meeting_day"),
    path("colloqui/udienze-generali/", views.general_days, name="meeting_general_days"),
]
