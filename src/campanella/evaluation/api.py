"""API of the scrutinio under /api/v1/ (authorized like the pages, by evaluation.rules)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["scrutini"])

# Proposals (evaluation.api_proposals)
from campanella.evaluation.api_proposals import router as proposals_router  # noqa: E402

router.add_router("", proposals_router)

# The class council (evaluation.api_council)
from campanella.evaluation.api_council import router as council_router  # noqa: E402

router.add_router("", council_router)

# Sessions: the list, one session with its steps and lock state, the moves (evaluation.api_sessions)
from campanella.evaluation.api_sessions import router as sessions_router  # noqa: E402

router.add_router("", sessions_router)
