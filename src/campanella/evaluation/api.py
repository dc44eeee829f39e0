"""API of the scrutinio under /api/v1/ (authorized like the pages, by evaluation.rules)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["scrutini"])
