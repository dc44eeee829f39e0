"""The periodic runner: each (job, slot) runs once however many processes reach it; daily jobs
wait for their time; the notifications' sweep and digest are registered and run."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from campanella.comms import scheduler
from campanella.comms.notifications.models import (
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationSettings,
    PeriodicSlot,
)
from campanella.comms.notifications.services import notify
from campanella.lib import periodic
from campanella.people.models import Guardian
from tests.conftest import Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def calls() -> Iterator[list[str]]:
    made: list[str] = []
    periodic.register("prova-minuto", every=datetime.timedelta(minutes=1))(
        lambda: made.append("minuto")
    )
    periodic.register("prova-sera", daily_at=datetime.time(20, 0))(lambda: made.append("sera"))
    try:
        yield made
    finally:
        periodic.REGISTRY.pop("prova-minuto")
        periodic.REGISTRY.pop("prova-sera")


def at(day: datetime.date, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=ROME)


def test_a_slot_runs_once_however_many_runners(calls: list[str]) -> None:
    day = datetime.date(2026, 12, 3)
    for _runner in range(3):  # three workers reaching the same minute
        scheduler.run_due_jobs(at(day, 10, 0, 5))
        scheduler.run_due_jobs(at(day, 10, 0, 55))
    assert calls == ["minuto"]
    scheduler.run_due_jobs(at(day, 10, 1, 1))
    assert calls == ["minuto", "minuto"]
    assert PeriodicSlot.objects.filter(job="prova-minuto").count() == 2


def test_a_daily_job_waits_for_its_time_and_runs_once_a_day(calls: list[str]) -> None:
    day = datetime.date(2026, 12, 3)
    scheduler.run_due_jobs(at(day, 19, 59))
    assert "sera" not in calls
    scheduler.run_due_jobs(at(day, 20, 0))
    scheduler.run_due_jobs(at(day, 23, 30))
    assert calls.count("sera") == 1
    scheduler.run_due_jobs(at(day + datetime.timedelta(days=1), 20, 5))
    assert calls.count("sera") == 2


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(calls: list[str]) -> None:
    def broken() -> None:
        raise RuntimeError("guasto")

    periodic.register("prova-rotto", every=datetime.timedelta(minutes=1))(broken)
    try:
        ran = scheduler.run_due_jobs(at(datetime.date(2026, 12, 3), 9, 0))
    finally:
        periodic.REGISTRY.pop("prova-rotto")
    assert {"prova-rotto", "prova-minuto"} <= set(ran)
    assert "guasto" in PeriodicSlot.objects.get(job="prova-rotto").error


def test_intervals_or_daily_times_only() -> None:
    with pytest.raises(ValueError, match="either"):
        periodic.register("x")
    with pytest.raises(ValueError, match="either"):
        periodic.register("x", every=datetime.timedelta(1), daily_at=datetime.time(1))


def test_the_sweep_makes_up_for_a_lost_job_and_the_digest_goes_in_the_evening(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    """`campanella periodic --once` from cron: notifications whose delivery job was lost (the
    commit's callbacks are not run here) get their channels and go; the evening digest too."""
    NotificationSettings.objects.create(user=cast.guardian, quiet_hours=False)
    # No quiet hours for either: at night (21:00–07:00 Rome) the digest's row would wait for
    # 07:00 of the real clock, which the simulated evening run below does not move.
    NotificationSettings.objects.create(
        user=cast.other_guardian, daily_digest=True, quiet_hours=False
    )
    notify(recipients=[cast.guardian, cast.other_guardian], kind="note", title="Nota", url="/",
           key="n")  # fmt: skip
    assert not Delivery.objects.exists()
    # Today's digest already taken: the cron runs below do not send it, whatever the hour the
    # suite runs at (after NOTIFICATIONS_DIGEST_TIME they would); tomorrow evening's does.
    digest = "riepilogo-giornaliero-notifiche"
    today = timezone.localtime(timezone.now(), ROME).date()
    scheduler.PeriodicSlot.objects.create(job=digest, slot=today.isoformat())
    call_command("periodic", "--once")
    assert not Delivery.objects.exists()  # a job may still be on its way: not yet
    scheduler.PeriodicSlot.objects.exclude(job=digest).delete()  # the next minute's slot
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    call_command("periodic", "--once")
    assert len(mailbox.wait_for(1)) == 1
    assert mailbox.to(Guardian.objects.get(user=cast.guardian).email)
    assert Delivery.objects.filter(status=DeliveryStatus.DIGEST).count() == 1
    assert not Notification.objects.filter(channels_ready=False).exists()
    evening = timezone.localtime(timezone.now(), ROME).replace(hour=23, minute=59)
    ran = scheduler.run_due_jobs(evening + datetime.timedelta(days=1))
    assert digest in ran
    assert len(mailbox.wait_for(2)) == 2
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
