"""The periodic jobs the areas register run from the one scheduler: the meeting reminder of
the day before in the afternoon (once), and the resumption of background imports whose worker
died (every minute)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campanella.comms import scheduler
from campanella.comms.meetings.models import MeetingBooking
from campanella.comms.meetings.services import booking_create
from campanella.interop.models import SyncJob, SyncJobStatus
from tests.comms.meetings_support import publish_on
from tests.conftest import Cast
from tests.interop.test_attendance_import import upload_events
from tests.interop.test_sync_jobs import queued_job, sample
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_every_area_registers_its_jobs() -> None:
    scheduler.run_due_jobs(timezone.now().replace(hour=0, minute=0))
    from campanella.lib import periodic

    assert {"promemoria-colloqui", "riprendi-importazioni", "notifiche-in-attesa"} <= set(
        periodic.REGISTRY
    )


def test_the_afternoon_run_reminds_tomorrows_meetings_once(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    slot = publish_on(cast, tomorrow, start=datetime.time(17, 0), end=datetime.time(17, 30),
                      closes_hours_before=0)[0]  # fmt: skip
    booking = booking_create(user=cast.guardian, slot_id=slot.pk, student_id=cast.child.pk)
    afternoon = timezone.localtime().replace(hour=17, minute=5)
    assert "promemoria-colloqui" in scheduler.run_due_jobs(afternoon)
    assert MeetingBooking.objects.get(pk=booking.pk).reminded_at is not None
    assert len(mailbox.wait_for(1)) >= 1
    assert "promemoria-colloqui" not in scheduler.run_due_jobs(afternoon)  # once a day


def test_a_stalled_import_is_resumed_by_the_minute_job(cast: Cast) -> None:
    job = queued_job(cast, upload_events(cast, sample(cast)))
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJobStatus.RUNNING,
        lease_until=timezone.now() - datetime.timedelta(minutes=5),
        requested_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    assert "riprendi-importazioni" in scheduler.run_due_jobs()
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and job.days_done == 2


def test_slots_older_than_a_week_are_forgotten_and_the_recent_ones_kept() -> None:
    from campanella.comms.notifications.models import PeriodicSlot

    now = timezone.now()
    old = PeriodicSlot.objects.create(
        job="prova", slot="1", started_at=now - datetime.timedelta(days=8)
    )
    recent = PeriodicSlot.objects.create(
        job="prova", slot="2", started_at=now - datetime.timedelta(days=6)
    )
    night = now.replace(hour=3, minute=20)
    assert "pulizia-turni-periodici" in scheduler.run_due_jobs(night)
    assert not PeriodicSlot.objects.filter(pk=old.pk).exists()
    assert PeriodicSlot.objects.filter(pk=recent.pk).exists()
