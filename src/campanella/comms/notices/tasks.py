"""Background jobs of notices: the e-mail reminders to those who have not answered."""

from __future__ import annotations

from django_tasks import task

from campanella.comms.notices.services import reminder_send


@task()
def send_notice_reminder(reminder_id: int) -> None:
    reminder_send(reminder_id)
