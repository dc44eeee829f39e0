"""The API routers of every area of communications, assembled for campanella.api."""

from __future__ import annotations

from ninja import Router

from campanella.comms.notices.api import router as notices_router
from campanella.comms.notifications.api import router as notifications_router

router = Router()
router.add_router("", notices_router)
router.add_router("", notifications_router)
