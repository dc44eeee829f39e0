"""The API routers of every area of communications, assembled for campanella.api."""

from __future__ import annotations

from ninja import Router

from campanella.comms.calendar.api import router as calendar_router
from campanella.comms.materials.api import router as materials_router
from campanella.comms.meetings.api import router as meetings_router
from campanella.comms.meetings.api_publishing import router as meeting_publishing_router
from campanella.comms.messages.api import router as messages_router
from campanella.comms.messages.api_settings import router as message_settings_router
from campanella.comms.notices.api import router as notices_router
from campanella.comms.notifications.api import router as notifications_router

router = Router()
router.add_router("", notices_router)
router.add_router("", calendar_router)
router.add_router("", messages_router)
router.add_router("", message_settings_router)
router.add_router("", meetings_router)
router.add_router("", meeting_publishing_router)
router.add_router("", materials_router)
router.add_router("", notifications_router)
