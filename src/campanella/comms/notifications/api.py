"""API of notifications under /api/v1/notifications: the caller's own list (paged), mark one or
all read, preferences (get/put) and push devices. Everything is the caller's own: another
login's notification answers 404 like a missing one, and nothing is written."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from campanella.comms.notifications import selectors, services
from campanella.comms.notifications.models import Notification, NotificationKind
from campanella.comms.notifications.preferences import all_choices, timings_of
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_types import ClockTime, Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["notifiche"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    count: int
    limit: int
    offset: int
    unread: int
    items: list[NotificationOut]


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)
    unread: bool = Field(False, description="solo quelle da leggere")


class ReadAllOut(Schema):
    marked: int


class ChannelChoice(Schema):
    kind: NotificationKind
    email: Flag
    push: Flag


class PreferencesIO(Schema):
    kinds: list[ChannelChoice] = Field(
        max_length=50, description="per tipo: e-mail e push (in-app sempre)"
    )
    quiet_hours: Flag
    quiet_from: ClockTime
    quiet_until: ClockTime
    daily_digest: Flag


class SubscriptionKeys(Schema):
    p256dh: Text = Field(max_length=200)
    auth: Text = Field(max_length=100)


class SubscriptionIn(Schema):
    endpoint: Text = Field(max_length=1000)
    keys: SubscriptionKeys


class SubscriptionOut(Schema):
    endpoint: str
    created_at: datetime.datetime


def as_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.pk, kind=row.kind, title=row.title, body=row.body, url=row.url,
        created_at=row.visible_from, read_at=row.read_at,
    )  # fmt: skip


def caller(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@router.get("/notifications", response={200: NotificationPage, **ERRORS},
            summary="Notifiche ricevute (a pagine)")  # fmt: skip
def notifications_list(request: HttpRequest, query: Query[PageQuery]) -> NotificationPage:
    rows = selectors.own_notifications(request.user)
    if query.unread:
        rows = rows.filter(read_at__isnull=True)
    page = list(rows[query.offset : query.offset + query.limit])
    return NotificationPage(
        count=rows.count(), limit=query.limit, offset=query.offset,
        unread=selectors.unread_count(request.user), items=[as_out(row) for row in page],
    )  # fmt: skip


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS},
             summary="Segna una notifica come letta")  # fmt: skip
def notification_mark_read(request: HttpRequest, notification_id: Id) -> NotificationOut:
    found = services.notification_read(user=caller(request), notification_id=notification_id)
    if found is None:
        raise Http404
    return as_out(found)


@router.post("/notifications/read-all", response={200: ReadAllOut, **ERRORS},
             summary="Segna tutte le notifiche come lette")  # fmt: skip
def notifications_mark_all_read(request: HttpRequest) -> ReadAllOut:
    return ReadAllOut(marked=services.notifications_read_all(user=caller(request)))


def preferences_of(user: User) -> PreferencesIO:
    timing = timings_of([user.pk])[user.pk]
    return PreferencesIO(
        kinds=[
            ChannelChoice(kind=NotificationKind(kind), email=choice.email, push=choice.push)
            for kind, choice in all_choices(user.pk).items()
        ],
        quiet_hours=timing.quiet_hours, quiet_from=timing.quiet_from,
        quiet_until=timing.quiet_until, daily_digest=timing.daily_digest,
    )  # fmt: skip


@router.get("/notifications/preferences", response={200: PreferencesIO, **ERRORS},
            summary="Preferenze delle notifiche")  # fmt: skip
def preferences_get(request: HttpRequest) -> PreferencesIO:
    return preferences_of(caller(request))


@router.put("/notifications/preferences", response={200: PreferencesIO, 400: ErrorOut, **ERRORS},
            summary="Cambia le preferenze delle notifiche")  # fmt: skip
def preferences_put(request: HttpRequest, payload: PreferencesIO) -> Any:
    """The kinds not listed keep their current choice. 400 `silenzio_vuoto` when the quiet
    hours start and end at the same time."""
    user = caller(request)
    try:
        services.preferences_set(
            user=user,
            choices={one.kind.value: (one.email, one.push) for one in payload.kinds},
            quiet_hours=payload.quiet_hours, quiet_from=payload.quiet_from,
            quiet_until=payload.quiet_until, daily_digest=payload.daily_digest,
        )  # fmt: skip
    except services.NotificationError as error:
        return Status(400, error_body(error.code, error.message))
    return preferences_of(user)


@router.post("/notifications/push-subscriptions",
             response={201: SubscriptionOut, 400: ErrorOut, **ERRORS},
             summary="Registra un dispositivo per le notifiche push (Web Push)")  # fmt: skip
def push_subscribe(request: HttpRequest, payload: SubscriptionIn) -> Any:
    """The browser's PushSubscription. 400 `endpoint_non_valido` or `chiavi_non_valide`."""
    try:
        row = services.push_subscribe(
            user=caller(request), endpoint=payload.endpoint, p256dh=payload.keys.p256dh,
            auth=payload.keys.auth, user_agent=request.headers.get("User-Agent", ""),
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.NotificationError as error:
        return Status(400, error_body(error.code, error.message))
    return Status(201, SubscriptionOut(endpoint=row.endpoint, created_at=row.created_at))


class EndpointQuery(Schema):
    endpoint: Text = Field(max_length=1000)


@router.delete("/notifications/push-subscriptions", response={204: None, **ERRORS},
               summary="Rimuove un proprio dispositivo dalle notifiche push")  # fmt: skip
def push_unsubscribe(request: HttpRequest, query: Query[EndpointQuery]) -> Any:
    """404 when the caller has no device with this endpoint (another login's is left alone)."""
    if not services.push_unsubscribe(user=caller(request), endpoint=query.endpoint):
        raise Http404
    return Status(204, None)
