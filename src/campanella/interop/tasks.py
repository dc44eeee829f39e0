"""Background jobs of the exchange with the back-office."""

from __future__ import annotations

from django_tasks import task

from campanella.interop import sync_jobs


@task()
def run_sync_job(*, job_id: int) -> int | None:
    job = sync_jobs.job_run(job_id)
    return None if job is None else job.days_done


@task()
def resume_stalled_sync_jobs() -> int:
    return len(sync_jobs.resume_stalled())
