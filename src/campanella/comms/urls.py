"""Pages of communications under /comunicazioni/: each area adds its own list."""

from __future__ import annotations

from campanella.comms.materials.urls import urlpatterns as material_patterns
from campanella.comms.notices.urls import urlpatterns as notice_patterns

app_name = "comms"

urlpatterns = [*notice_patterns, *material_patterns]
