"""Attendance events into the register for chosen schools and a range of days, as a background
job (issue 15 items 2 and 4).

* **Preview** (`range_preview`): the attendance import's own preview of the file (new, changed,
  unchanged, conflicts with what teachers recorded, unknown students), plus a problem on each
  line outside the schools or days the office chose.
* **Apply** (`job_run`): day by day, each day in one transaction — the day's rows are planned
  again against the register as it is then and written by the register's services (history
  kept, closed days refused), or none of them is. The job's checkpoint and counters are saved
  in the same transaction, so the day and "this day is done" commit together.
* **Resume**: a run holds a lease it renews every day. A worker killed in the middle leaves the
  lease to expire; `resume_stalled` (run by the scheduler and when the office opens the page)
  queues the job again and the next run starts after the checkpoint: no day is written twice
  (and a day written twice would be "unchanged" anyway), none is lost.
* **Cancel**: asked from the page, honoured between days; days done stay done.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.interop.attendance import BulkWrites, Finders, plan_attendance
from campanella.interop.attendance_file import (
    AttendanceFile,
    Selection,
    StreamedWrites,
    plan_attendance_file,
    plan_attendance_range,
)
from campanella.interop.columns import match_header
from campanella.interop.models import ImportBatch, ImportKind, SyncJob, SyncJobStatus
from campanella.interop.plan import CONFLICT, Plan, RowCheck, RowsRefused
from campanella.interop.range_verdict import (
    QuietDays,
    State,
    Verdict,
    keep_preview,
    keep_verdict,
    kept_preview,
    kept_verdict,
    quiet_days,
    register_state,
)
from campanella.interop.records import day as day_text
from campanella.interop.services import batch_keep
from campanella.interop.tabular import Problem, Sheet, SheetRow, read_sheet
from campanella.lib.collections_pause import fewer_collections

__all__ = ["read_sheet"]  # the tests read batches the way the jobs do
from campanella.interop.values import date_value
from campanella.people.models import User
from campanella.school.guard import DayClosed

LOG_LIMIT: Final = 500  # lines kept in a job's log

Rows = dict[datetime.date | None, list[SheetRow]]  # a chunk's rows by day


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SYNC_JOB_LEASE_SECONDS)


class JobRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading the file by day ---------------------------------------------------------------


def rows_by_day(sheet: Sheet) -> dict[datetime.date, list[SheetRow]]:
    """The file's rows grouped by their day (rows without a readable day are left out: the
    preview refuses them, and a job starts only from a clean preview)."""
    header = match_header(ImportKind.ATTENDANCE, sheet.header)
    width = len(sheet.header)
    grouped: dict[datetime.date, list[SheetRow]] = defaultdict(list)
    for row in sheet.rows:
        when = RowCheck(row, header, width).parse("data", date_value)
        if when is not None:
            grouped[when].append(row)
    return dict(sorted(grouped.items()))


@fewer_collections()
def range_upload(
    *,
    institute_id: int,
    user: User,
    file_name: str,
    content: bytes,
    school_ids: set[int],
    start: datetime.date,
    end: datetime.date,
) -> tuple[ImportBatch, Plan]:
    """`import_upload` of an attendance file and its `range_preview` for the office's choice,
    from one plan of the file (the batch keeps the whole file's preview, as `import_upload`'s;
    the choice's preview is returned and, when clean, kept for the page that shows it)."""
    today = timezone.localdate()
    state = register_state(institute_id)  # before planning: a write meanwhile shows
    file = AttendanceFile(content)
    busy: set[datetime.date | None] = set()
    plan, whole = plan_attendance_range(
        file, institute_id=institute_id, today=today, user=user,
        selection=Selection(frozenset(school_ids), start, end), busy_days=busy,
    )  # fmt: skip
    batch = batch_keep(
        institute_id=institute_id, user=user, kind=ImportKind.ATTENDANCE, file_name=file_name,
        content=content, plan=whole,
    )  # fmt: skip
    _keep(batch, plan, file, busy, state, school_ids, start, end, user, today)
    keep_preview(batch, plan)
    return batch, plan


def range_preview(
    *,
    batch: ImportBatch,
    school_ids: set[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None = None,
) -> Plan:
    """The import's preview, refused where a line is outside the office's choice (read as a
    stream, a chunk of days at a time: `attendance_file`). A clean one is remembered in the
    batch (`range_verdict`): "Avvia" then starts without planning the file again. The clean
    preview its upload made (`range_upload`) is shown again while its verdict holds."""
    today = timezone.localdate()
    user = user or batch.uploaded_by
    kept = kept_preview(
        batch, school_ids=school_ids, start=start, end=end, user=user, today=today,
        writes=_PlannedAgain(batch, user, today),
    )  # fmt: skip
    if kept is not None:
        return kept
    return _range_plan(batch, school_ids, start, end, user)[0]


class _PlannedAgain:
    """The writes of a range preview shown again from the cache: if ever applied, the file is
    planned again and written as the plan's own writes would be (`StreamedWrites`)."""

    def __init__(self, batch: ImportBatch, user: User | None, today: datetime.date) -> None:
        self.batch, self.user, self.today = batch, user, today

    def apply(self) -> dict[str, int]:
        file = AttendanceFile(self.batch.raw)
        return StreamedWrites(
            file, institute_id=self.batch.institute_id, today=self.today, user=self.user
        ).apply()


def _range_plan(
    batch: ImportBatch,
    school_ids: set[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
) -> tuple[Plan, Verdict | None]:
    today = timezone.localdate()
    user = user or batch.uploaded_by
    state = register_state(batch.institute_id)  # before planning: a write meanwhile shows
    file = AttendanceFile(batch.raw)
    busy: set[datetime.date | None] = set()
    plan = plan_attendance_file(
        file,
        institute_id=batch.institute_id,
        today=today,
        user=user,
        selection=Selection(frozenset(school_ids), start, end),
        busy_days=busy,
    )
    verdict = _keep(batch, plan, file, busy, state, school_ids, start, end, user, today)
    return plan, verdict


def _keep(
    batch: ImportBatch,
    plan: Plan,
    file: AttendanceFile,
    busy: set[datetime.date | None],
    state: State,
    school_ids: set[int],
    start: datetime.date,
    end: datetime.date,
    user: User | None,
    today: datetime.date,
) -> Verdict | None:
    """The range plan's verdict (None: it has problems), kept in the batch."""
    verdict = None
    if plan.ok:
        days = file.days()
        verdict = Verdict(
            days=len(days),
            rows=sum(file.per_day[day] for day in days),
            quiet=frozenset(day for day in days if day not in busy),
        )
    keep_verdict(
        batch, state=state, school_ids=school_ids, start=start, end=end, user=user,
        today=today, verdict=verdict,
    )  # fmt: skip
    return verdict


# --- the job ---------------------------------------------------------------------------------


def _log(job: SyncJob, message: str) -> None:
    entry = {"at": timezone.localtime().isoformat(timespec="seconds"), "message": message}
    job.log = [*job.log, entry][-LOG_LIMIT:]


def job_start(
    *,
    batch: ImportBatch,
    user: User,
    school_ids: set[int],
    start: datetime.date,
    end: datetime.date,
) -> SyncJob:
    """Queue the import of a previewed attendance batch for the chosen schools and days. The
    same batch asked twice (a double click) gives the job already made."""
    if batch.kind != ImportKind.ATTENDANCE:
        raise JobRefused(_("Solo un file di assenze si importa per intervallo di giorni."))
    if end < start:
        raise JobRefused(_("L'ultimo giorno viene prima del primo."))
    # The preview the office just read, if nothing changed since; else the file planned again.
    verdict = kept_verdict(
        batch, school_ids=school_ids, start=start, end=end, user=user,
        today=timezone.localdate(),
    ) or _range_plan(batch, school_ids, start, end, user)[1]  # fmt: skip
    if verdict is None:
        raise JobRefused(_("Il file ha problemi: correggerli e caricarlo di nuovo."))
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        existing = SyncJob.objects.filter(batch=locked).first()
        if existing is not None:
            return existing
        job = SyncJob.objects.create(
            institute_id=batch.institute_id,
            batch=locked,
            school_ids=sorted(school_ids),
            start_date=start,
            end_date=end,
            requested_by=user,
            days_total=verdict.days,
            rows_total=verdict.rows,
        )
        _log(job, _("Importazione richiesta: %(n)d giorni.") % {"n": verdict.days})
        job.save(update_fields=["log"])
        # Queued in the same transaction: the job and its task row exist together or not at
        # all (the database queue); with the immediate backend of tests it runs here.
        enqueue(job.pk)
    job.refresh_from_db()
    return job


def enqueue(job_id: int) -> None:
    from campanella.interop.tasks import run_sync_job

    run_sync_job.enqueue(job_id=job_id)


def _claim(job_id: int) -> SyncJob | None:
    """Take the job if no live run holds it; a run's lease is renewed after every day."""
    now = timezone.now()
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        if job.lease_until is not None and job.lease_until > now:
            return None
        if job.status == SyncJobStatus.RUNNING:
            _log(job, _("Ripresa dopo un'interruzione, dopo il giorno %(day)s.") % {
                "day": day_text(job.checkpoint) if job.checkpoint else "—"
            })  # fmt: skip
        job.status = SyncJobStatus.RUNNING
        job.lease_until = now + lease()
        job.heartbeat_at = now
        job.started_at = now
        job.rows_at_start = job.rows_done
        job.runs += 1
        job.save()
    return job


def _finish(job_id: int, status: SyncJobStatus, message: str) -> None:
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().get(pk=job_id)
        job.status = status
        job.finished_at = timezone.now()
        job.lease_until = None
        _log(job, message)
        job.save()


def _add(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    total = dict(counts)
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def _apply_day(
    job_id: int,
    when: datetime.date,
    rows: list[SheetRow],
    header: list[str],
    user: User | None,
    finders: Finders | None = None,
    planned: Plan | None = None,
) -> bool:
    """One day, all or nothing, with the checkpoint in the same transaction, written in bulk
    (`register.services.attendance_day_apply`, which re-reads the day under lock). `planned`:
    the day's clean plan made with its chunk's days (`_day_plans`); if the register moved
    since and the write refuses it, or without one, the day is planned against the register
    of now, as it always was. False when the job was cancelled or taken over (its lease lost)
    before the day began."""
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().get(pk=job_id)
        if job.cancel_requested or job.status != SyncJobStatus.RUNNING:
            return False
        written: dict[str, int] | None = None
        if planned is not None and planned.ok and planned.writes is not None:
            try:
                with transaction.atomic():
                    written = planned.writes.apply()
            except (RowsRefused, DayClosed, IntegrityError):
                written = None  # planned again below, against the register of now
        if written is not None:
            assert planned is not None
            plan = planned
        else:
            plan = plan_attendance(
                Sheet(header=header, rows=rows),
                institute_id=job.institute_id,
                today=timezone.localdate(),
                user=user,
                finders=finders,
            )
        if written is None and plan.ok and plan.writes is not None:
            try:
                with transaction.atomic():
                    written = plan.writes.apply()
            except RowsRefused as refused:
                plan.refuse(refused.problems)
            except DayClosed as closed:
                plan.problems.append(Problem(None, closed.message))
            except IntegrityError:
                plan.problems.append(Problem(None, _("Dati cambiati nel frattempo.")))
        counts = plan.counts()
        if written is None:
            lines = "; ".join(
                f"{_('riga')} {p.line}: {p.message}" if p.line else p.message
                for p in plan.sorted_problems()[:5]
            )
            _log(job, _("%(day)s non importato (nulla scritto): %(why)s") % {
                "day": day_text(when), "why": lines
            })  # fmt: skip
            job.written = _add(job.written, {"giorni_rifiutati": 1})
        else:
            job.written = _add(job.written, written)
            conflicts = counts.get(CONFLICT, 0)
            message = _("%(day)s: %(rows)d righe, %(written)d scritture, %(conflicts)d conflitti.")
            _log(job, message % {
                "day": day_text(when), "rows": len(rows), "written": sum(written.values()),
                "conflicts": conflicts,
            })  # fmt: skip
            job.written = _add(job.written, {"conflitti": conflicts})
        now = timezone.now()
        job.checkpoint = when
        job.days_done += 1
        job.rows_done += len(rows)
        job.heartbeat_at = now
        job.lease_until = now + lease()
        job.save()
    return True


QUIET_DONE: Final = "done"
QUIET_CHANGED: Final = "changed"  # the register moved since the preview: plan the days
QUIET_STOPPED: Final = "stopped"  # cancelled, or the lease lost


def _runs(
    days: list[datetime.date], quiet: frozenset[datetime.date]
) -> list[tuple[bool, list[datetime.date]]]:
    """The days in order, in runs of quiet days and of the others."""
    runs: list[tuple[bool, list[datetime.date]]] = []
    for day in days:
        calm = day in quiet
        if runs and runs[-1][0] == calm:
            runs[-1][1].append(day)
        else:
            runs.append((calm, [day]))
    return runs


def _pass_quiet_days(
    job_id: int, run: list[datetime.date], file: AttendanceFile, quiet: QuietDays
) -> str:
    """Days the preview found all "unchanged", marked done without planning them again if the
    register's state is still the preview's (read in this transaction, with the job locked):
    the same rows against the same register would write nothing. QUIET_CHANGED otherwise."""
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().get(pk=job_id)
        if job.cancel_requested or job.status != SyncJobStatus.RUNNING:
            return QUIET_STOPPED
        if not quiet.hold(job.institute_id):
            return QUIET_CHANGED
        message = _("%(day)s: %(rows)d righe già nel registro come nell'anteprima, 0 scritture.")
        for when in run:
            _log(job, message % {"day": day_text(when), "rows": file.per_day[when]})
            job.rows_done += file.per_day[when]
        job.written = _add(job.written, {"conflitti": 0})
        now = timezone.now()
        job.checkpoint = run[-1]
        job.days_done += len(run)
        job.heartbeat_at = now
        job.lease_until = now + lease()
        job.save()
    return QUIET_DONE


def _job_quiet_days(job: SyncJob) -> QuietDays | None:
    return quiet_days(
        job.batch, school_ids=set(job.school_ids), start=job.start_date, end=job.end_date,
        user=job.requested_by, today=timezone.localdate(),
    )  # fmt: skip


@fewer_collections()
def job_run(job_id: int) -> SyncJob | None:
    """Run (or resume) a job; None when another run holds it or it is finished."""
    job = _claim(job_id)
    if job is None:
        return None
    file = AttendanceFile(job.batch.raw)
    user = job.requested_by
    finders = Finders.of(job.institute_id)
    checkpoint = job.checkpoint
    quiet = _job_quiet_days(job)

    def pending(chunk: list[datetime.date | None]) -> list[datetime.date]:
        # Not those done by an earlier run (nor rows without a day: the preview refused them).
        return [d for d in chunk if d is not None and (checkpoint is None or d > checkpoint)]

    def run_chunk(chunk: list[datetime.date | None], by_day: Rows | None) -> bool:
        days = pending(chunk)
        if not days:
            return True
        return _run_days(
            job_id,
            job.institute_id,
            days,
            file,
            user,
            finders,
            quiet,
            by_day if by_day is not None else (lambda: file.rows(days)),
        )

    # A chunk of days read at a time (memory bounded whatever the file), each day written in
    # its own transaction. The preview's quiet days are not planned again while the register
    # is as the preview saw it: if every day to do is quiet the file's rows are not read.
    if quiet is not None and all(d in quiet.days for d in pending([*file.per_day])):
        for chunk in file.chunks():
            if not run_chunk(chunk, None):
                break
    else:
        file.each_chunk(run_chunk)
    current = SyncJob.objects.get(pk=job_id)
    if current.cancel_requested:
        _finish(job_id, SyncJobStatus.CANCELLED, _(
            "Annullata: %(done)d giorni su %(total)d importati, gli altri no."
        ) % {"done": current.days_done, "total": current.days_total})  # fmt: skip
    elif current.status == SyncJobStatus.RUNNING:
        _finish(job_id, SyncJobStatus.DONE, _("Completata."))
    return SyncJob.objects.get(pk=job_id)


def _run_days(
    job_id: int,
    institute_id: int,
    days: list[datetime.date],
    file: AttendanceFile,
    user: User | None,
    finders: Finders,
    quiet: QuietDays | None,
    rows_of: Rows | Callable[[], Rows],
) -> bool:
    """A chunk's days, in order; False when the job stopped (cancelled, lease lost)."""
    rows: Rows | None = None
    for calm, run in _runs(days, quiet.days if quiet is not None else frozenset()):
        if calm and quiet is not None:
            outcome = _pass_quiet_days(job_id, run, file, quiet)
            if outcome == QUIET_STOPPED:
                return False
            if outcome == QUIET_DONE:
                continue
        if rows is None:  # the chunk's rows (read now if not given) and enrolments, once
            rows = rows_of() if callable(rows_of) else rows_of
            finders.load_enrollments(days[0], days[-1])
        planned = _day_plans(run, rows, file.header, user, finders, institute_id)
        if not all(
            _apply_day(job_id, when, rows[when], file.header, user, finders, planned.get(when))
            for when in run
        ):
            return False
    return True


def _day_plans(
    run: list[datetime.date],
    rows: Rows,
    header: list[str],
    user: User | None,
    finders: Finders,
    institute_id: int,
) -> dict[datetime.date, Plan]:
    """The clean plans of a run of days, from one plan of their rows (one context, a constant
    number of queries, instead of one per day). Every check of a plan is within one day, so a
    day's part is the plan of that day alone against the same register; a day with a problem
    is left out (`_apply_day` plans it alone, its problems logged as they always were)."""
    lines = sorted((row for when in run for row in rows[when]), key=lambda row: row.line)
    today = timezone.localdate()
    plan = plan_attendance(
        Sheet(header=header, rows=lines), institute_id=institute_id, today=today, user=user,
        finders=finders,
    )  # fmt: skip
    writes = plan.writes
    if not isinstance(writes, BulkWrites):
        return {}
    day_of = {row.line: when for when in run for row in rows[when]}
    parts = {when: Plan(kind=plan.kind, description=plan.description) for when in run}
    for outcome in plan.rows:
        parts[day_of[outcome.line]].rows.append(outcome)
    troubled: set[datetime.date] = set()
    for problem in plan.problems:
        if problem.line is None or problem.line not in day_of:
            return {}  # a problem of the whole plan: every day planned alone
        troubled.add(day_of[problem.line])
    for when, part in parts.items():
        part.writes = BulkWrites(
            user, today, {when: writes.days[when]} if when in writes.days else {}
        )
    return {when: part for when, part in parts.items() if when not in troubled}


def job_cancel(*, job: SyncJob, user: User) -> SyncJob:
    """Ask to stop between two days; a job still in the queue stops at once."""
    with transaction.atomic():
        locked = SyncJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_finished:
            return locked
        locked.cancel_requested = True
        _log(locked, _("Annullamento richiesto da %(user)s.") % {"user": user.get_username()})
        if locked.status == SyncJobStatus.QUEUED:
            locked.status = SyncJobStatus.CANCELLED
            locked.finished_at = timezone.now()
        locked.save()
    return locked


def resume_stalled(
    now: datetime.datetime | None = None, job_ids: list[int] | None = None
) -> list[int]:
    """Queue again every job (or those of `job_ids`) whose run died (its lease expired) or
    that was left waiting in the queue."""
    moment = now or timezone.now()
    died = Q(status=SyncJobStatus.RUNNING, lease_until__lt=moment)
    # A queued job is the queue's own for a while: only one left waiting is queued again.
    forgotten = Q(status=SyncJobStatus.QUEUED, requested_at__lt=moment - lease())
    jobs = SyncJob.objects.filter(died | forgotten)
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    stalled = list(jobs.values_list("pk", flat=True))
    for job_id in stalled:
        enqueue(job_id)
    return stalled
