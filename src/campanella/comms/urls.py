"""Pages of communications under /comunicazioni/: each area adds its own list."""

from __future__ import annotations

from campanella.comms.notices.urls import urlpatterns as notice_patterns
from campanella.comms.notifications.urls import urlpatterns as notification_patterns

app_name = "comms"

urlpatterns = [*notification_patterns, *notice_patterns]
