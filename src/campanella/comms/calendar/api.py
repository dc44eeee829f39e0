"""API of the requester's own calendar feed under /api/v1/calendar-feed: its state, make (or
make anew: the old URL stops working) and revoke. No operation names another login's feed."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from campanella.comms.calendar import selectors, services
from campanella.lib.api_errors import ErrorOut

router = Router(tags=["calendario"])
ERRORS: dict[int, Any] = {401: ErrorOut}


class FeedStatusOut(Schema):
    active: bool
    expired: bool = Field(description="c'era, ma la password è cambiata: crearne uno nuovo")
    created_at: datetime.datetime | None
    last_used_at: datetime.datetime | None


class FeedCreatedOut(FeedStatusOut):
    url: str = Field(description="l'indirizzo privato (iCalendar): mostrato solo ora")


def status_out(request: HttpRequest) -> FeedStatusOut:
    status = selectors.feed_status(request.user)
    return FeedStatusOut(
        active=status.active,
        expired=status.expired,
        created_at=status.created_at,
        last_used_at=status.last_used_at,
    )


@router.get("/calendar-feed", response={200: FeedStatusOut, **ERRORS},
            summary="Stato del proprio calendario privato")  # fmt: skip
def calendar_feed_status(request: HttpRequest) -> FeedStatusOut:
    return status_out(request)


@router.post("/calendar-feed", response={201: FeedCreatedOut, **ERRORS},
             summary="Crea (o ricrea) il proprio calendario privato")  # fmt: skip
def calendar_feed_create(request: HttpRequest) -> Any:
    """The URL is in this answer only (the server keeps only its digest); a previous URL
    stops working."""
    feed, raw = services.calendar_feed_issue(user=request.user)
    url = request.build_absolute_uri(reverse("comms:calendar_feed_ics", args=[raw]))
    body = FeedCreatedOut(
        active=True, expired=False, created_at=feed.created_at, last_used_at=None, url=url
    )
    return Status(201, body)


@router.delete("/calendar-feed", response={204: None, **ERRORS},
               summary="Revoca il proprio calendario privato")  # fmt: skip
def calendar_feed_delete(request: HttpRequest) -> Any:
    """Idempotent: 204 also when there was none."""
    services.calendar_feed_revoke(user=request.user)
    return Status(204, None)
