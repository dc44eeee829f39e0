"""Background jobs of meetings: the reminder of the day before (the integrator schedules it)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from campanella.comms.meetings.services import remind_tomorrows_meetings


@task()
def send_meeting_reminders(today: str | None = None) -> int:
    """`today` as an ISO date (task arguments are JSON); today in Europe/Rome by default."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return remind_tomorrows_meetings(day)
