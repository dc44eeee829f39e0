"""Pages of the private calendar feed under /comunicazioni/calendario/."""

from __future__ import annotations

from django.urls import path

from campanella.comms.calendar import views

urlpatterns = [
    path("calendario/", views.page, name="calendar_feed"),
    # No session: the phone's calendar app reads it with the token in the path.
    path("calendario/<str:token>.ics", views.feed, name="calendar_feed_ics"),
]
