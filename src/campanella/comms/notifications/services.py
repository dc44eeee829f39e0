"""Writes of notifications: emitting them (in bulk, idempotent), marking them read, a login's
preferences and push devices, a school's delay for grades.

`notify` is the one entry point every area calls after its own write has committed.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.comms.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
    SchoolNotificationPolicy,
)
from campanella.comms.notifications.preferences import (
    after_quiet_hours,
    choices_for,
    timings_of,
)
from campanella.people.models import User
from campanella.school.models import School

BATCH = 1_000


class NotificationError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """Not this login's to change: answered 404, as for something missing."""


def batched(values: Sequence[int], size: int) -> Iterator[list[int]]:
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def grade_release(school: School, moment: datetime.datetime) -> datetime.datetime:
    """When a grade written at `moment` may be told, by the school's policy: N hours later,
    and not before its time of day (the next one, Italian time)."""
    policy = SchoolNotificationPolicy.objects.filter(school=school).first()
    if policy is None:
        return moment
    release = moment + datetime.timedelta(hours=policy.grade_delay_hours)
    if policy.grade_release_time is not None:
        zone = ZoneInfo(settings.TIME_ZONE)
        local = release.astimezone(zone)
        at = datetime.datetime.combine(local.date(), policy.grade_release_time, tzinfo=zone)
        if at < local:
            at += datetime.timedelta(days=1)
        release = at
    return release


def notify(
    *,
    recipients: Iterable[User | int],
    kind: str,
    title: str,
    url: str,
    key: str,
    body: str = "",
    school: School | None = None,
    not_before: datetime.datetime | None = None,
) -> int:
    """Notify these logins of something new; returns how many notifications were created.

    - `recipients`: users or user ids (repeated ones count once).
    - `kind`: a `NotificationKind` value (grade, absence, note, agenda, notice, message,
      meeting, report_card, material): it picks each login's channels from their preferences.
    - `title` (≤ 200 characters), `body` (≤ 1000, optional): Italian text shown in the bell,
      the e-mail and the push; `url`: the object's page, site-relative ("/voti/…").
    - `key`: what makes it idempotent, unique per login: call again with the same key and
      nothing new is created or sent (e.g. f"grade:{grade.pk}", f"notice:{notice.pk}").
    - `school`: the school the object belongs to; for grades its delay policy applies.
    - `not_before`: shown and sent only from then on.

    In-app is always on; e-mail and push go out as `Delivery` rows, respecting quiet hours
    and the daily digest, queued after the commit as one background job per batch (not per
    row). Call it after your write, inside `transaction.on_commit`, never from a signal on a
    bulk path. An unknown kind raises ValueError.
    """
    notification_kind = NotificationKind(kind)
    user_ids = sorted({one if isinstance(one, int) else one.pk for one in recipients})
    if not user_ids:
        return 0
    now = timezone.now()
    visible_from = max(now, not_before or now)
    if notification_kind == NotificationKind.GRADE and school is not None:
        visible_from = max(visible_from, grade_release(school, now))
    created = 0
    with transaction.atomic():
        for chunk in batched(user_ids, BATCH):
            existing = set(
                Notification.objects.filter(key=key, user_id__in=chunk).values_list(
                    "user_id", flat=True
                )
            )
            new = [user_id for user_id in chunk if user_id not in existing]
            if not new:
                continue
            Notification.objects.bulk_create(
                (
                    Notification(
                        user_id=user_id,
                        kind=notification_kind,
                        key=key,
                        title=title[:200],
                        body=body[:1000],
                        url=url,
                        school=school,
                        created_at=now,
                        visible_from=visible_from,
                    )
                    for user_id in new
                ),
                batch_size=BATCH,
                ignore_conflicts=True,  # the same key emitted at the same instant elsewhere
            )
            ids = list(
                Notification.objects.filter(
                    key=key, user_id__in=new, channels_ready=False
                ).values_list("pk", flat=True)
            )
            created += len(ids)
            # The channels are decided and sent by the job, off the request path; a job lost
            # before it ran is made up for by the periodic sweep (`channels_ready`).
            transaction.on_commit(lambda ids=ids: enqueue_delivery(ids))  # type: ignore[misc]
    return created


def enqueue_delivery(notification_ids: list[int]) -> None:
    from campanella.comms.notifications.tasks import deliver_notifications

    deliver_notifications.enqueue(notification_ids)


def deliveries_prepare(notification_ids: Sequence[int]) -> int:
    """Decide the e-mail and push deliveries of these notifications (once: a second call
    finds them ready); how many notifications were prepared."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(notification_ids), channels_ready=False)
            .values_list("pk", "user_id", "kind", "visible_from")
        )
        groups: dict[tuple[str, datetime.datetime], dict[int, int]] = {}
        for pk, user_id, kind, visible_from in rows:
            groups.setdefault((kind, visible_from), {})[user_id] = pk
        for (kind, visible_from), notifications in groups.items():
            deliveries_create(notifications, kind, visible_from)
        Notification.objects.filter(pk__in=[row[0] for row in rows]).update(channels_ready=True)
    return len(rows)


def deliveries_create(
    notifications: dict[int, int], kind: str, visible_from: datetime.datetime
) -> None:
    """The e-mail and push rows of these notifications (user id -> notification id), by each
    login's choices, quiet hours and digest."""
    choices = choices_for(notifications.keys(), kind)
    reached = [user_id for user_id, choice in choices.items() if choice.email or choice.push]
    timings = timings_of(reached)
    devices: dict[int, list[int]] = {}
    for user_id, device_id in PushSubscription.objects.filter(
        user_id__in=[user_id for user_id in reached if choices[user_id].push]
    ).values_list("user_id", "pk"):
        devices.setdefault(user_id, []).append(device_id)
    rows: list[Delivery] = []
    for user_id in reached:
        timing = timings[user_id]
        when = after_quiet_hours(visible_from, timing)
        if choices[user_id].email:
            status = DeliveryStatus.DIGEST if timing.daily_digest else DeliveryStatus.PENDING
            rows.append(
                Delivery(
                    notification_id=notifications[user_id],
                    channel=Channel.EMAIL,
                    status=status,
                    next_attempt_at=when,
                )
            )
        for device_id in devices.get(user_id, []) if choices[user_id].push else []:
            rows.append(
                Delivery(
                    notification_id=notifications[user_id],
                    channel=Channel.PUSH,
                    subscription_id=device_id,
                    next_attempt_at=when,
                )
            )
    Delivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


# --- reading --------------------------------------------------------------------------------


def notification_read(*, user: User, notification_id: int) -> Notification | None:
    """Mark one of the login's notifications read (once); None when it is not theirs."""
    found = Notification.objects.filter(
        pk=notification_id, user=user, visible_from__lte=timezone.now()
    ).first()
    if found is None:
        return None
    if found.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=found.pk, read_at__isnull=True).update(read_at=now)
        found.read_at = now
    return found


def notifications_read_all(*, user: User) -> int:
    """Mark every visible notification of the login read; how many were unread."""
    now = timezone.now()
    return Notification.objects.filter(
        user=user, read_at__isnull=True, visible_from__lte=now
    ).update(read_at=now)


# --- preferences ----------------------------------------------------------------------------


@transaction.atomic
def preferences_set(
    *,
    user: User,
    choices: dict[str, tuple[bool, bool]],
    quiet_hours: bool,
    quiet_from: datetime.time,
    quiet_until: datetime.time,
    daily_digest: bool,
) -> None:
    """The login's choice (e-mail, push) per kind, quiet hours and digest, all at once."""
    unknown = set(choices) - set(NotificationKind.values)
    if unknown:
        raise NotificationError(
            _("Tipo di notifica sconosciuto: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))},
            "tipo_sconosciuto",
        )
    if quiet_hours and quiet_from == quiet_until:
        raise NotificationError(
            _("Le ore di silenzio devono avere un inizio diverso dalla fine."), "silenzio_vuoto"
        )
    User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time
    for kind, (email, push) in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": email, "push": push}
        )
    NotificationSettings.objects.update_or_create(
        user=user,
        defaults={
            "quiet_hours": quiet_hours,
            "quiet_from": quiet_from,
            "quiet_until": quiet_until,
            "daily_digest": daily_digest,
        },
    )


# --- push devices ---------------------------------------------------------------------------


def known_push_service(endpoint: str) -> bool:
    """An endpoint of a browser's push service (WEBPUSH_ENDPOINT_HOSTS, or a subdomain): the
    server POSTs there, so no other address (of the school's network, say) is accepted."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    schemes = {"https", "http"} if settings.WEBPUSH_ALLOW_HTTP else {"https"}
    return parts.scheme in schemes and any(
        host == allowed or host.endswith(f".{allowed}")
        for allowed in settings.WEBPUSH_ENDPOINT_HOSTS
    )


def subscription_refusal(endpoint: str, p256dh: str, auth: str) -> NotificationError | None:
    from campanella.comms.notifications.vapid import b64url_decode

    if len(endpoint) > 1000 or not known_push_service(endpoint):
        return NotificationError(
            _("Indirizzo del servizio push non valido."), "endpoint_non_valido"
        )
    try:
        key, secret = b64url_decode(p256dh), b64url_decode(auth)
    except ValueError:
        key, secret = b"", b""
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        return NotificationError(_("Chiavi del dispositivo non valide."), "chiavi_non_valide")
    return None


@transaction.atomic
def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Register (or move to this login) a device's push subscription."""
    refusal = subscription_refusal(endpoint, p256dh, auth)
    if refusal is not None:
        raise refusal
    found = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if (
        found is not None
        and found.user_id != user.pk
        and (found.p256dh, found.auth)
        != (
            p256dh,
            auth,
        )
    ):
        # Another login's device: only the browser holding its keys may move it (a shared
        # computer where someone else logs in); the endpoint alone does not suffice.
        raise NotAllowed
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription


def push_unsubscribe(*, user: User, endpoint: str) -> int:
    """Forget the login's device (another login's device is left alone)."""
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return int(deleted > 0)


# --- the school's policy --------------------------------------------------------------------


def school_policy_set(
    *, school: School, grade_delay_hours: int, grade_release_time: datetime.time | None
) -> SchoolNotificationPolicy:
    if not 0 <= grade_delay_hours <= 168:
        raise NotificationError(
            _("Il ritardo va da 0 a 168 ore (una settimana)."), "ritardo_non_valido"
        )
    policy, _created = SchoolNotificationPolicy.objects.update_or_create(
        school=school,
        defaults={
            "grade_delay_hours": grade_delay_hours,
            "grade_release_time": grade_release_time,
        },
    )
    return policy
