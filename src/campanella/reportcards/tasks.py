"""Background jobs of report cards: a classroom's bundle (progress kept on the bundle)."""

from __future__ import annotations

from django_tasks import task

from campanella.reportcards.services import bundle_run


@task()
def run_bundle(bundle_id: int) -> None:
    bundle_run(bundle_id)
