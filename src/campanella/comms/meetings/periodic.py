"""The periodic job of meetings: the reminder of the day before, each afternoon (a booking is
reminded once, so a missed afternoon is made up for by the next run of the same day)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campanella.comms.meetings.services import remind_tomorrows_meetings
from campanella.lib import periodic

REMINDER_TIME = datetime.time(17, 0)


@periodic.register("promemoria-colloqui", daily_at=REMINDER_TIME)
def remind_tomorrows() -> None:
    remind_tomorrows_meetings(timezone.localdate())
