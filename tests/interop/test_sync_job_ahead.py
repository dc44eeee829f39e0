"""The job plans its next chunk of days in a thread of its own while it writes the chunk before
(`sync_jobs._Pipeline`, PostgreSQL only): the same register as a sequential run, a day changed
after its plan planned again, a cancel honoured between days. These tests commit (the planner's
own connection sees only committed rows); on SQLite they check the job stays sequential."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from campanella.interop import attendance_file, sync_jobs
from campanella.interop.models import SyncJob, SyncJobStatus
from campanella.register.models import Absence, EarlyExit, Justification, LateEntry
from tests.conftest import Cast
from tests.interop.test_attendance_import import sample, upload_events
from tests.interop.test_sync_jobs import queued_job, range_of, register_rows

pytestmark = pytest.mark.django_db(transaction=True)


def planning_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of each plan the job makes (the real planner runs: a spy, not a mock)."""
    names: list[str] = []
    real = sync_jobs.plan_attendance

    def spied(*args: Any, **kwargs: Any) -> Any:
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_jobs, "plan_attendance", spied)
    return names


@pytest.fixture
def day_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # A chunk per day: the sample's two days are two chunks, the second planned ahead.
    monkeypatch.setattr(attendance_file, "CHUNK_ROWS", 1)


def ahead() -> bool:
    return connection.vendor == "postgresql"


def clear_register() -> None:
    Justification.objects.all().delete()
    for model in (Absence, LateEntry, EarlyExit):
        model.objects.all().delete()


@pytest.mark.usefixtures("day_chunks")
def test_chunks_planned_ahead_write_what_a_sequential_run_writes(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as sequential:
        sequential.setattr(sync_jobs, "_may_plan_ahead", lambda: False)
        reference = queued_job(cast, upload_events(cast, sample(cast)))
        sync_jobs.job_run(reference.pk)
    reference.refresh_from_db()
    expected = register_rows()
    clear_register()
    threads = planning_threads(monkeypatch)
    job = queued_job(cast, upload_events(cast, sample(cast)))
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and (job.days_done, job.rows_done) == (2, 5)
    assert job.written == reference.written
    assert register_rows() == expected
    # One plan per chunk, made in the planner's thread on PostgreSQL, in this one on SQLite.
    assert threads == ([sync_jobs.PLANNER_THREAD] * 2 if ahead() else ["MainThread"] * 2)
    assert threading.active_count() == 1  # the planner's thread is gone


@pytest.mark.usefixtures("day_chunks")
def test_a_day_changed_after_it_was_planned_ahead_is_planned_again_not_refused(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.register.services import roll_call_save

    _start, end = range_of(cast)
    job = queued_job(cast, upload_events(cast, sample(cast)))
    real = sync_jobs._apply_day
    teacher_wrote: list[datetime.date] = []

    def teacher_first(job_id: int, when: datetime.date, *args: Any) -> bool:
        # The last day is planned (ahead, on PostgreSQL) before the first is written; a
        # teacher's roll call records the child's absence of the file before the day's write.
        if when == end and not teacher_wrote:
            roll_call_save(
                user=cast.teacher, classroom=cast.classroom_1a, day=end, absent_ids=[cast.child.pk]
            )
            teacher_wrote.append(when)
        return real(job_id, when, *args)

    monkeypatch.setattr(sync_jobs, "_apply_day", teacher_first)
    threads = planning_threads(monkeypatch)
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert teacher_wrote and job.status == SyncJobStatus.DONE
    assert "giorni_rifiutati" not in job.written and job.written["absences_created"] == 1
    assert Absence.objects.filter(student=cast.child, date=end).count() == 1  # the teacher's
    # Its plan made ahead is refused under lock; the day is planned again, here, and goes in.
    assert threads[-1] == "MainThread" and len(threads) == 3


@pytest.mark.usefixtures("day_chunks")
def test_a_cancel_between_days_stops_the_job_with_a_chunk_planned_ahead(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, _end = range_of(cast)
    job = queued_job(cast, upload_events(cast, sample(cast)))
    real = sync_jobs._apply_day

    def cancel_after(job_id: int, when: datetime.date, *args: Any) -> bool:
        done = real(job_id, when, *args)
        SyncJob.objects.filter(pk=job_id).update(cancel_requested=True)
        return done

    monkeypatch.setattr(sync_jobs, "_apply_day", cancel_after)
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == SyncJobStatus.CANCELLED and job.days_done == 1
    assert job.checkpoint == start
    assert not Absence.objects.filter(date__gt=start).exists()
    assert threading.active_count() == 1
