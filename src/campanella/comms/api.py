"""The API routers of every area of communications, assembled for campanella.api."""

from __future__ import annotations

from ninja import Router

from campanella.comms.materials.api import router as materials_router
from campanella.comms.notices.api import router as notices_router

router = Router()
router.add_router("", notices_router)
router.add_router("", materials_router)
