"""Background jobs of class documents: the e-mail reminders to the teachers."""

from __future__ import annotations

from django_tasks import task

from campanella.classdocs.services import reminder_send


@task()
def send_reminder(reminder_id: int, login_url: str = "") -> None:
    reminder_send(reminder_id, login_url)
