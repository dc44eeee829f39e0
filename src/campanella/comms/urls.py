"""Pages of communications under /comunicazioni/: each area adds its own list."""

from __future__ import annotations

from campanella.comms.calendar.urls import urlpatterns as calendar_patterns
from campanella.comms.materials.urls import urlpatterns as material_patterns
from campanella.comms.meetings.urls import urlpatterns as meeting_patterns
from campanella.comms.messages.urls import urlpatterns as message_patterns
from campanella.comms.notices.urls import urlpatterns as notice_patterns
from campanella.comms.notifications.urls import urlpatterns as notification_patterns

app_name = "comms"

urlpatterns = [
    *notification_patterns, *notice_patterns, *calendar_patterns, *message_patterns,
    *meeting_patterns, *material_patterns,
]  # fmt: skip
