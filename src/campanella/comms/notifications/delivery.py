"""Sending notifications by e-mail and Web Push, and the daily digest.

A worker claims due rows with `select_for_update(skip_locked=True)` and moves their next attempt
a lease ahead before sending: two workers never take the same row, and a worker that dies
mid-send leaves it to be retried after the lease, not lost. A row marked sent is never taken
again. A failure (mail server down, push service 5xx) is retried with growing waits; after
MAX_ATTEMPTS it is marked failed with its last error. A push service answering 404 or 410 means
the device unsubscribed: its subscription is removed.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from campanella.comms.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    PushSubscription,
)
from campanella.comms.notifications.vapid import vapid_keys
from campanella.people.mail import send_templated_mail
from campanella.people.models import Guardian, Staff, User

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 10
CLAIM = 200
GONE = {404, 410}


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4 … minutes, at most 6 hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


class Gone(Exception):
    """The push service says this subscription no longer exists."""


def claim(
    *,
    notification_ids: Sequence[int] | None = None,
    limit: int = CLAIM,
    now: datetime.datetime | None = None,
) -> list[Delivery]:
    """Take up to `limit` rows due at `now` (of these notifications, or any), for this worker
    alone."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        if notification_ids is not None:
            rows = rows.filter(notification_id__in=list(notification_ids))
        ids = list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1
        )
    return list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("notification__user", "notification__school__institute", "subscription")
        .order_by("pk")
    )


def prepare_forgotten(older_than: datetime.timedelta = LEASE) -> int:
    """Notifications whose job never ran (lost between the commit and the queue): their
    channels are decided now. How many."""
    from campanella.comms.notifications.services import BATCH, deliveries_prepare

    done = 0
    while ids := list(
        Notification.objects.filter(
            channels_ready=False, created_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)[:BATCH]
    ):
        prepared = deliveries_prepare(ids)
        done += prepared
        if not prepared:
            break
    return done


def deliver(
    *, notification_ids: Sequence[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Send what is due (of these notifications, or everything due); how many were sent."""
    sent = 0
    while batch := claim(notification_ids=notification_ids, now=now):
        for row in batch:
            sent += send_one(row)
        if len(batch) < CLAIM:
            break
    return sent


def send_one(row: Delivery) -> int:
    try:
        sent = send_email(row.notification) if row.channel == Channel.EMAIL else send_push(row)
    except Gone:
        finish(row, DeliveryStatus.SKIPPED, "dispositivo non più iscritto")
        return 0
    except Exception as error:
        retry(row, error)
        return 0
    if not sent:
        finish(row, DeliveryStatus.SKIPPED, "nessun indirizzo")
        return 0
    finish(row, DeliveryStatus.SENT)
    return 1


def finish(row: Delivery, status: str, error: str = "") -> None:
    Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
        status=status, sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
        last_error=error,
    )  # fmt: skip


def retry(row: Delivery, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:500]
    log.warning("notifica %s (%s) non inviata: %s", row.notification_id, row.channel, message)
    attempts = row.attempts  # the claim counted this attempt already
    if attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, last_error=message)
        return
    Delivery.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() + backoff(attempts), last_error=message
    )


# --- e-mail ---------------------------------------------------------------------------------


def address_of(user: User) -> str:
    """The login's verified address, else the one the school has for them."""
    if user.login_email:
        return user.login_email
    guardian = Guardian.objects.filter(user=user).exclude(email="").values_list("email").first()
    if guardian:
        return str(guardian[0])
    staff = Staff.objects.filter(user=user).exclude(email="").values_list("email").first()
    return str(staff[0]) if staff else ""


def absolute(url: str) -> str:
    return url if url.startswith("http") else f"{settings.SITE_URL.rstrip('/')}{url}"


def school_name(notification: Notification) -> str:
    school = notification.school
    return school.institute.name if school is not None else ""


def send_email(notification: Notification) -> bool:
    address = address_of(notification.user)
    if not address:
        return False
    send_templated_mail(
        to=address,
        template="comms/notifications/email/notification",
        school=school_name(notification),
        context={"notification": notification, "link": absolute(notification.url)},
    )
    return True


# --- Web Push -------------------------------------------------------------------------------


def push_payload(notification: Notification) -> str:
    return json.dumps(
        {
            "title": notification.title,
            "body": notification.body,
            "url": notification.url,
            "tag": f"n{notification.pk}",
        }
    )


def send_push(row: Delivery) -> bool:
    from pywebpush import WebPushException, webpush

    keys = vapid_keys()
    subscription = row.subscription
    if keys is None or subscription is None:
        return False
    try:
        webpush(
            subscription_info=subscription.as_info(),
            data=push_payload(row.notification),
            vapid_private_key=keys.private_key,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            timeout=10,
            ttl=24 * 3600,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            raise Gone from None
        raise
    return True


# --- the daily digest -----------------------------------------------------------------------


@dataclass
class Digest:
    user: User
    rows: list[Delivery]


def send_digests(*, limit_users: int = 500, now: datetime.datetime | None = None) -> int:
    """One e-mail per login with every notification waiting for their digest; how many sent.
    Each login's rows are locked while their e-mail goes: a second runner skips them."""
    sent = 0
    moment = now or timezone.now()
    user_ids = list(
        Delivery.objects.filter(status=DeliveryStatus.DIGEST, channel=Channel.EMAIL)
        .filter(Q(next_attempt_at__lte=moment))
        .values_list("notification__user_id", flat=True)
        .distinct()[:limit_users]
    )
    for user_id in user_ids:
        sent += send_digest(user_id, moment)
    return sent


def send_digest(user_id: int, now: datetime.datetime) -> int:
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=DeliveryStatus.DIGEST,
                channel=Channel.EMAIL,
                notification__user_id=user_id,
                next_attempt_at__lte=now,
            )
            .select_related("notification__user", "notification__school__institute")
            .order_by("notification__visible_from", "pk")
        )
        if not rows:
            return 0
        user = rows[0].notification.user
        address = address_of(user)
        ids = [row.pk for row in rows]
        if not address:
            Delivery.objects.filter(pk__in=ids).update(
                status=DeliveryStatus.SKIPPED, last_error="nessun indirizzo"
            )
            return 0
        try:
            send_templated_mail(
                to=address,
                template="comms/notifications/email/digest",
                school=school_name(rows[0].notification),
                context={
                    "items": [
                        {"notification": row.notification, "link": absolute(row.notification.url)}
                        for row in rows
                    ],
                    "link": absolute("/comunicazioni/notifiche/"),
                },
            )
        except Exception as error:
            message = f"{type(error).__name__}: {error}"[:500]
            Delivery.objects.filter(pk__in=ids).update(
                attempts=F("attempts") + 1,
                last_error=message,
                next_attempt_at=now + backoff(rows[0].attempts + 1),
            )
            return 0
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
    return 1
