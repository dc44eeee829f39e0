"""Background jobs of report cards: a classroom's bundle (progress kept on the bundle) and the
e-mail reminders of the presa visione."""

from __future__ import annotations

from django_tasks import task

from campanella.reportcards.interim import interim_reminder_send
from campanella.reportcards.services import bundle_run, reminder_send, report_cards_prepare


@task()
def run_bundle(bundle_id: int) -> None:
    bundle_run(bundle_id)


@task()
def send_reminder(reminder_id: int) -> None:
    reminder_send(reminder_id)


@task()
def prepare_report_cards(session_id: int) -> None:
    """Every report card of a published session made before the families come for it."""
    report_cards_prepare(session_id)


@task()
def send_interim_reminder(reminder_id: int) -> None:
    interim_reminder_send(reminder_id)
