"""notify(): idempotent, channels by preference, quiet hours, daily digest, delayed grades,
retries against a real SMTP server and a real (loopback) push service."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.test import TestCase
from django.utils import timezone

from campanella.comms.notifications import delivery
from campanella.comms.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationSettings,
    PushSubscription,
)
from campanella.comms.notifications.services import notify, preferences_set, school_policy_set
from campanella.comms.notifications.vapid import vapid_keys
from tests.comms.notifications_support import (  # noqa: F401 - the fixture
    PushService,
    assert_vapid_signed,
    push_service,
)
from tests.conftest import Cast
from tests.mailbox import Mailbox, free_port, mailbox  # noqa: F401

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def notify_now(**values: Any) -> int:
    """notify, and what it queues on commit (the delivery job: immediate in the tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return notify(**values)


def no_quiet_hours(*users: Any) -> None:
    for user in users:
        NotificationSettings.objects.update_or_create(user=user, defaults={"quiet_hours": False})


def grade_news(c: Cast, key: str = "grade:1", **changes: Any) -> int:
    values: dict[str, Any] = {
        "recipients": [c.guardian, c.guardian.pk],
        "kind": NotificationKind.GRADE,
        "title": "Nuovo voto di matematica",
        "body": "8 nella verifica scritta",
        "url": "/voti/",
        "key": key,
        "school": c.school,
    }
    return notify_now(**{**values, **changes})


def test_the_same_key_twice_creates_and_sends_once(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_quiet_hours(cast.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        assert grade_news(cast) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert grade_news(cast) == 0
    assert Notification.objects.filter(user=cast.guardian).count() == 1
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Nuovo voto di matematica"
    assert "http://127.0.0.1:8000/voti/" in Mailbox.body(message)
    assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT
    assert delivery.deliver() == 0  # a delivery marked sent is never taken again
    assert len(mailbox.messages) == 1


def test_an_unknown_kind_is_refused(cast: Cast) -> None:
    with pytest.raises(ValueError, match="gossip"):
        grade_news(cast, kind="gossip")
    assert not Notification.objects.exists()


def test_channels_follow_the_role_defaults_and_the_own_choice(cast: Cast) -> None:
    """Families get grades by e-mail, staff do not; a family that turns e-mail off gets none."""
    notify_now(recipients=[cast.guardian, cast.teacher, cast.other_guardian], kind="grade",
           title="Voto", url="/voti/", key="k")  # fmt: skip
    emailed = set(
        Delivery.objects.filter(channel=Channel.EMAIL).values_list("notification__user", flat=True)
    )
    assert emailed == {cast.guardian.pk, cast.other_guardian.pk}
    preferences_set(
        user=cast.guardian, choices={"grade": (False, True)}, quiet_hours=True,
        quiet_from=datetime.time(21), quiet_until=datetime.time(7), daily_digest=False,
    )  # fmt: skip
    notify_now(recipients=[cast.guardian], kind="grade", title="Voto", url="/voti/", key="k2")
    assert not Delivery.objects.filter(notification__key="k2").exists()
    assert Notification.objects.filter(key="k2", user=cast.guardian).exists()  # in-app: always


def test_quiet_hours_hold_the_email_until_they_end(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    now = timezone.localtime(timezone.now(), ROME)
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    NotificationSettings.objects.create(user=cast.guardian, quiet_from=start, quiet_until=end)
    grade_news(cast)
    row = Delivery.objects.get()
    assert timezone.localtime(row.next_attempt_at, ROME).time() == end
    assert delivery.deliver() == 0
    assert mailbox.messages == []
    assert delivery.deliver(now=row.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    assert len(mailbox.wait_for(1)) == 1


def test_the_daily_digest_sends_one_email_with_everything(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    NotificationSettings.objects.create(user=cast.guardian, quiet_hours=False, daily_digest=True)
    grade_news(cast, key="a", title="Voto di matematica")
    grade_news(cast, key="b", title="Voto di italiano", kind="grade")
    notify_now(
        recipients=[cast.guardian], kind="note", title="Nota disciplinare", url="/note/", key="c"
    )
    assert delivery.deliver() == 0  # nothing instant
    assert delivery.send_digests() == 1
    [message] = mailbox.wait_for(1)
    body = Mailbox.body(message)
    assert "3 novità" in message["Subject"]
    for title in ("Voto di matematica", "Voto di italiano", "Nota disciplinare"):
        assert title in body
    assert delivery.send_digests() == 0  # sent once
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_the_school_delays_grade_notifications(cast: Cast) -> None:
    no_quiet_hours(cast.guardian)
    school_policy_set(school=cast.school, grade_delay_hours=3, grade_release_time=None)
    before = timezone.now()
    grade_news(cast)
    row = Notification.objects.get()
    assert row.visible_from >= before + datetime.timedelta(hours=3)
    assert Delivery.objects.get().next_attempt_at == row.visible_from
    page = cast.client_for(cast.guardian).get("/comunicazioni/notifiche/")
    assert list(page.context["page"].object_list) == []  # not shown before its time
    # Other kinds are not held back.
    notify_now(recipients=[cast.guardian], kind="absence", title="Assenza", url="/", key="x",
           school=cast.school)  # fmt: skip
    assert Notification.objects.get(key="x").visible_from <= timezone.now()


def test_a_release_time_holds_grades_until_that_time_of_day(cast: Cast) -> None:
    school_policy_set(school=cast.school, grade_delay_hours=0, grade_release_time=datetime.time(15))
    grade_news(cast)
    visible = timezone.localtime(Notification.objects.get().visible_from, ROME)
    assert visible.time() == datetime.time(15)
    assert visible > timezone.now()


@pytest.fixture
def flaky_smtp(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server that refuses the first two messages (451), then accepts."""
    box = Mailbox()
    refusals = [2]

    class Flaky:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            if refusals[0] > 0:
                refusals[0] -= 1
                return "451 Riprovare più tardi"
            return await box.handle_DATA(server, session, envelope)

    controller = Controller(Flaky(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    try:
        yield box
    finally:
        controller.stop()


def test_a_refusing_mail_server_is_retried_until_it_accepts_once(
    cast: Cast, flaky_smtp: Mailbox, django_capture_on_commit_callbacks: Any
) -> None:
    no_quiet_hours(cast.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        grade_news(cast)
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at > timezone.now()  # backoff: not again at once
    assert delivery.deliver() == 0
    later = timezone.now() + datetime.timedelta(hours=1)
    assert delivery.deliver(now=later) == 0  # refused again
    assert delivery.deliver(now=later + datetime.timedelta(hours=1)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)
    assert len(flaky_smtp.wait_for(1)) == 1
    assert delivery.deliver(now=later + datetime.timedelta(days=1)) == 0
    assert len(flaky_smtp.messages) == 1


def test_a_failing_delivery_is_given_up_after_many_attempts(cast: Cast, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    no_quiet_hours(cast.guardian)
    grade_news(cast)
    moment = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS):
        moment += datetime.timedelta(days=1)
        delivery.deliver(now=moment)
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert row.last_error


def test_push_reaches_the_device_encrypted_and_signed(
    cast: Cast,
    push_service: PushService,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_quiet_hours(cast.guardian)
    device, _subscription = push_service.device(cast.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        grade_news(cast)
    [received] = push_service.received
    assert received["title"] == "Nuovo voto di matematica"
    assert received["url"] == "/voti/"
    assert received["path"] == device.path
    keys = vapid_keys()
    assert keys is not None
    assert_vapid_signed(push_service.headers[0], keys.public_key)
    assert Delivery.objects.get(channel=Channel.PUSH).status == DeliveryStatus.SENT


def test_push_is_retried_after_a_server_error(cast: Cast, push_service: PushService) -> None:  # noqa: F811
    no_quiet_hours(cast.guardian)
    push_service.device(cast.guardian)
    push_service.statuses = [503]
    grade_news(cast)
    push = Delivery.objects.get(channel=Channel.PUSH)  # the job tried it at once
    assert (push.status, push.attempts) == (DeliveryStatus.PENDING, 1)
    assert "503" in push.last_error
    assert push_service.received == []
    assert delivery.deliver() == 0  # not before its backoff
    assert delivery.deliver(now=timezone.now() + datetime.timedelta(hours=1)) == 1
    assert len(push_service.received) == 1


def test_a_gone_subscription_is_removed(cast: Cast, push_service: PushService) -> None:  # noqa: F811
    no_quiet_hours(cast.guardian)
    push_service.device(cast.guardian)
    push_service.statuses = [410]
    grade_news(cast)
    delivery.deliver()
    assert not PushSubscription.objects.exists()
    row = Delivery.objects.get(channel=Channel.PUSH)
    assert row.status == DeliveryStatus.SKIPPED
    assert push_service.received == []
