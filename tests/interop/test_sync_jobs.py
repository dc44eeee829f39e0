"""Attendance in for chosen schools and days as a background job (issue 15 items 2 and 4): the
preview refuses lines outside the choice, the job writes day by day (each day all or nothing),
a second run of the same file writes nothing, a run that died resumes after the last day done
with the same result as an uninterrupted one, and the office can cancel between days."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.audit.models import Change
from campanella.interop import sync_jobs
from campanella.interop.models import ImportBatch, ImportKind, SyncJob, SyncJobStatus
from campanella.interop.range_verdict import register_state
from campanella.people.models import Enrollment
from campanella.register.models import Absence, EarlyExit, Justification, LateEntry
from campanella.school.models import Classroom, Closure, HourSlot, School, SchoolYear
from tests.conftest import Cast
from tests.factories import SchoolFactory
from tests.interop.test_attendance_import import days, sample, upload_events

pytestmark = pytest.mark.django_db


def office(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.office)
    return client


def register_rows() -> list[tuple[Any, ...]]:
    """Everything the import can write, as comparable tuples."""
    return sorted(
        [("A", a.student_id, a.date, a.slot_id) for a in Absence.objects.all()]
        + [("L", e.student_id, e.date, e.time, e.short) for e in LateEntry.objects.all()]
        + [("E", e.student_id, e.date, e.time) for e in EarlyExit.objects.all()]
        + [("J", j.pk and j.status) for j in Justification.objects.all()],
        key=repr,
    )


def range_of(cast: Cast) -> tuple[datetime.date, datetime.date]:
    day, before = days(cast)
    return before, day


def queued_job(cast: Cast, batch: ImportBatch) -> SyncJob:
    """A job as job_start makes it, not yet run (the tests run it themselves)."""
    start, end = range_of(cast)
    rows = sync_jobs.rows_by_day(sync_jobs.read_sheet(batch.raw))
    return SyncJob.objects.create(
        institute=cast.institute, batch=batch, school_ids=[cast.school.pk], start_date=start,
        end_date=end, requested_by=cast.office, days_total=len(rows),
        rows_total=sum(len(r) for r in rows.values()),
    )  # fmt: skip


def test_the_office_uploads_previews_starts_and_sees_the_job_finish(cast: Cast) -> None:
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    client = office(cast)
    start, end = range_of(cast)
    content = csv_bytes(sample(cast), ATTENDANCE_HEADER)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("interop:attendance_range"),
        {
            "file": SimpleUploadedFile("assenze.csv", content, content_type="text/csv"),
            "scuole": [cast.school.pk], "dal": start.isoformat(), "al": end.isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert 'data-testid="job-form"' in page and "Avvia l" in page
    batch = ImportBatch.objects.get()
    started = client.post(
        reverse("interop:job_create", args=[batch.pk]),
        {"scuole": [cast.school.pk], "dal": start.isoformat(), "al": end.isoformat()},
    )
    job = SyncJob.objects.get()
    assert started["Location"] == reverse("interop:job", args=[job.pk])
    assert job.status == SyncJobStatus.DONE  # the test's task backend runs it at once
    assert (job.days_done, job.rows_done, job.days_total, job.rows_total) == (2, 5, 2, 5)
    assert job.written["absences_created"] == 2 and job.written["late_entries_created"] == 2
    assert Absence.objects.count() == 2 and EarlyExit.objects.count() == 1
    page = client.get(reverse("interop:job", args=[job.pk])).content.decode()
    assert "Completata." in page and 'data-status="completato"' in page
    # The same file again, as a new job: every row is unchanged, nothing is written.
    before = (register_rows(), Change.objects.count())
    again = upload_events(cast, sample(cast))
    second = sync_jobs.job_start(
        batch=again, user=cast.office, school_ids={cast.school.pk}, start=start, end=end
    )
    second.refresh_from_db()
    assert second.status == SyncJobStatus.DONE
    assert sum(v for k, v in second.written.items() if k.endswith(("created", "updated"))) == 0
    assert (register_rows(), Change.objects.count()) == before


def test_lines_outside_the_days_or_schools_chosen_are_refused_on_their_lines(cast: Cast) -> None:
    from tests.factories import SchoolFactory

    start, end = range_of(cast)
    batch = upload_events(cast, sample(cast))
    plan = sync_jobs.range_preview(
        batch=batch, school_ids={cast.school.pk}, start=end, end=end, user=cast.office
    )
    outside = [p for p in plan.problems if "fuori dai giorni scelti" in p.message]
    assert [p.line for p in outside] == [6]  # the only row of the day before
    other = SchoolFactory(institute=cast.institute)
    plan = sync_jobs.range_preview(
        batch=batch, school_ids={other.pk}, start=start, end=end, user=cast.office
    )
    assert {p.line for p in plan.problems if "scuola non scelta" in p.message} == {2, 3, 4, 5, 6}
    with pytest.raises(sync_jobs.JobRefused):
        sync_jobs.job_start(batch=batch, user=cast.office, school_ids={other.pk}, start=start,
                            end=end)  # fmt: skip
    assert not SyncJob.objects.exists() and not Absence.objects.exists()


class PlanCounter:
    """How many times the file is planned whole (the real planner runs: a spy, not a mock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = sync_jobs.plan_attendance_file

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sync_jobs, "plan_attendance_file", counted)


def test_avvia_right_after_a_clean_preview_does_not_plan_the_file_again(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = range_of(cast)
    plans = PlanCounter(monkeypatch)
    batch = upload_events(cast, sample(cast))
    chosen: dict[str, Any] = {"school_ids": {cast.school.pk}, "start": start, "end": end}
    assert sync_jobs.range_preview(batch=batch, user=cast.office, **chosen).ok
    assert plans.calls == 1
    job = sync_jobs.job_start(batch=batch, user=cast.office, **chosen)
    assert plans.calls == 1  # the preview's verdict was kept
    job.refresh_from_db()
    assert (job.status, job.days_total, job.rows_total) == (SyncJobStatus.DONE, 2, 5)
    assert Absence.objects.count() == 2 and EarlyExit.objects.count() == 1


def test_avvia_plans_again_when_the_choice_or_the_register_changed_since_the_preview(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.register.services import roll_call_save

    start, end = range_of(cast)
    plans = PlanCounter(monkeypatch)
    batch = upload_events(cast, sample(cast))
    chosen: dict[str, Any] = {"school_ids": {cast.school.pk}, "start": start, "end": end}
    sync_jobs.range_preview(batch=batch, user=cast.office, **chosen)
    # Another choice of days: the verdict is not this one's.
    sync_jobs.range_preview(batch=batch, user=cast.office, **{**chosen, "start": end})
    assert plans.calls == 2
    with pytest.raises(sync_jobs.JobRefused):  # its own plan again: the line of `start`
        sync_jobs.job_start(batch=batch, user=cast.office, **{**chosen, "start": end})
    assert plans.calls == 3
    # A teacher's roll call after the preview (a history row): planned again, then started.
    sync_jobs.range_preview(batch=batch, user=cast.office, **chosen)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=end, absent_ids=[cast.adult_student.pk]
    )
    plans.calls = 0
    job = sync_jobs.job_start(batch=batch, user=cast.office, **chosen)
    assert plans.calls == 1 and job.days_total == 2
    # A holiday declared after the preview (no history row: a closure): planned again, and
    # the file now has a problem on that day's lines, so no job starts.
    again = upload_events(cast, sample(cast))
    sync_jobs.range_preview(batch=again, user=cast.office, **chosen)
    Closure.objects.create(
        institute=cast.institute, school=cast.school, start_date=end, end_date=end,
        description="Chiusura straordinaria",
    )  # fmt: skip
    with pytest.raises(sync_jobs.JobRefused):
        sync_jobs.job_start(batch=again, user=cast.office, **chosen)
    assert SyncJob.objects.filter(batch=again).count() == 0


class DayPlanCounter:
    """How many times the job plans a day (the real planner runs: a spy, not a mock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = sync_jobs.plan_attendance

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(sync_jobs, "plan_attendance", counted)


def test_a_rerun_passes_the_previews_quiet_days_without_planning_them_again(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = range_of(cast)
    chosen: dict[str, Any] = {"school_ids": {cast.school.pk}, "start": start, "end": end}
    first = upload_events(cast, sample(cast))
    assert sync_jobs.range_preview(batch=first, user=cast.office, **chosen).ok
    planned = DayPlanCounter(monkeypatch)
    done = sync_jobs.job_start(batch=first, user=cast.office, **chosen)
    done.refresh_from_db()
    # New rows: the two days planned together (one plan of the chunk), each written alone.
    assert done.status == SyncJobStatus.DONE and planned.calls == 1
    before = (register_rows(), Change.objects.count())
    again = upload_events(cast, sample(cast))
    preview = sync_jobs.range_preview(batch=again, user=cast.office, **chosen)
    assert preview.counts()["unchanged"] == 5
    planned.calls = 0
    job = sync_jobs.job_start(batch=again, user=cast.office, **chosen)
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and planned.calls == 0
    assert (job.days_done, job.rows_done) == (2, 5)
    assert not any(key.endswith(("created", "updated")) for key in job.written)
    assert sum("come nell'anteprima" in entry["message"] for entry in job.log) == 2
    assert (register_rows(), Change.objects.count()) == before


def test_quiet_days_are_planned_again_when_the_register_moved_after_the_preview(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.register.services import roll_call_save

    start, end = range_of(cast)
    chosen: dict[str, Any] = {"school_ids": {cast.school.pk}, "start": start, "end": end}
    first = upload_events(cast, sample(cast))
    sync_jobs.job_start(batch=first, user=cast.office, **chosen)
    assert Absence.objects.filter(student=cast.child, cancelled_at__isnull=True).exists()
    again = upload_events(cast, sample(cast))
    assert sync_jobs.range_preview(batch=again, user=cast.office, **chosen).ok
    # After the preview a teacher's roll call of 1A on the last day leaves the child out:
    # the child's absence of the file is cancelled, the register is not what the preview saw.
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=end, absent_ids=[cast.adult_student.pk]
    )
    assert not Absence.objects.filter(student=cast.child, cancelled_at__isnull=True).exists()
    planned = DayPlanCounter(monkeypatch)
    job = queued_job(cast, again)
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and planned.calls == 1  # the days planned together
    assert job.written.get("absences_created") == 1  # the file's absence, recorded again
    assert Absence.objects.filter(student=cast.child, cancelled_at__isnull=True).exists()
    assert not any("come nell'anteprima" in entry["message"] for entry in job.log)


def test_quiet_days_are_planned_again_after_an_enrolment_edited_in_place(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = range_of(cast)
    chosen: dict[str, Any] = {"school_ids": {cast.school.pk}, "start": start, "end": end}
    sync_jobs.job_start(batch=upload_events(cast, sample(cast)), user=cast.office, **chosen)
    again = upload_events(cast, sample(cast))
    assert (
        sync_jobs.range_preview(batch=again, user=cast.office, **chosen).counts()["unchanged"] == 5
    )
    # After the preview the office moves the adult student's entry to the last day (an
    # in-place edit, no history row): on the first day the student is no longer enrolled, so
    # that day is not quiet any more — its plan refuses it.
    Enrollment.objects.filter(student=cast.adult_student).update(entry_date=end)
    planned = DayPlanCounter(monkeypatch)
    job = queued_job(cast, again)
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    # The two days planned together, then the first day alone (its plan has a problem).
    assert job.status == SyncJobStatus.DONE and planned.calls == 2
    assert job.written.get("giorni_rifiutati") == 1
    assert not any("come nell'anteprima" in entry["message"] for entry in job.log)


@pytest.mark.parametrize(
    "edit",
    [
        "lesson_days",
        "enrolment_exit",
        "closure_dates",
        "hour_times",
        "lessons_end",
        "classroom_school",
    ],
)
def test_the_register_state_sees_edits_in_place_of_what_a_plan_reads(cast: Cast, edit: str) -> None:
    before = register_state(cast.institute.pk)
    assert register_state(cast.institute.pk) == before
    day = timezone.localdate()
    if edit == "lesson_days":
        School.objects.filter(pk=cast.school.pk).update(
            saturday_lessons=not cast.school.saturday_lessons
        )
    elif edit == "enrolment_exit":
        Enrollment.objects.filter(student=cast.child).update(exit_date=day)
    elif edit == "closure_dates":
        closure = Closure.objects.create(
            institute=cast.institute, school=cast.school, start_date=day, end_date=day,
            description="Chiusura",
        )  # fmt: skip
        before = register_state(cast.institute.pk)
        Closure.objects.filter(pk=closure.pk).update(end_date=day + datetime.timedelta(days=1))
    elif edit == "hour_times":
        slot = HourSlot.objects.filter(school=cast.school).order_by("pk").first()
        assert slot is not None
        HourSlot.objects.filter(pk=slot.pk).update(number=slot.number + 50)
    elif edit == "lessons_end":
        year = cast.classroom_1a.school_year
        SchoolYear.objects.filter(pk=year.pk).update(
            lessons_end=year.lessons_end - datetime.timedelta(days=1)
        )
    else:
        other = SchoolFactory(institute=cast.institute)
        before = register_state(cast.institute.pk)
        Classroom.objects.filter(pk=cast.classroom_1a.pk).update(school=other)
    assert register_state(cast.institute.pk) != before


def test_a_day_changed_after_its_chunk_was_planned_is_planned_again_not_refused(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.register.services import roll_call_save

    start, end = range_of(cast)
    job = queued_job(cast, upload_events(cast, sample(cast)))
    real = sync_jobs._apply_day
    teacher_wrote: list[datetime.date] = []

    def teacher_first(job_id: int, when: datetime.date, *args: Any) -> bool:
        # Between the chunk's plan and the last day's write, a teacher's roll call records
        # the child's absence of the file (a real write at that moment).
        if when == end and not teacher_wrote:
            roll_call_save(
                user=cast.teacher, classroom=cast.classroom_1a, day=end, absent_ids=[cast.child.pk]
            )
            teacher_wrote.append(when)
        return real(job_id, when, *args)

    monkeypatch.setattr(sync_jobs, "_apply_day", teacher_first)
    planned = DayPlanCounter(monkeypatch)
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    # The chunk's plan of that day is refused under lock; the day is planned again and goes in.
    assert teacher_wrote and planned.calls == 2
    assert job.status == SyncJobStatus.DONE and "giorni_rifiutati" not in job.written
    assert job.written["absences_created"] == 1  # the other child's hour absence; the child's
    assert Absence.objects.filter(student=cast.child, date=end).count() == 1  # the teacher's
    assert EarlyExit.objects.filter(date=end).count() == 1
    assert LateEntry.objects.filter(date=start).count() == 1


def test_a_day_refused_when_it_runs_writes_nothing_and_the_other_days_go_in(cast: Cast) -> None:
    start, end = range_of(cast)
    job = queued_job(cast, upload_events(cast, sample(cast)))
    # After the preview the day becomes a holiday: that day is refused whole.
    Closure.objects.create(
        institute=cast.institute, school=cast.school, start_date=end, end_date=end,
        description="Chiusura straordinaria",
    )  # fmt: skip
    sync_jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and job.days_done == 2
    assert job.written["giorni_rifiutati"] == 1
    assert not Absence.objects.filter(date=end).exists()
    assert not EarlyExit.objects.exists() and not LateEntry.objects.filter(date=end).exists()
    assert LateEntry.objects.filter(date=start).count() == 1
    assert any("non importato" in entry["message"] for entry in job.log)


def test_a_run_that_died_resumes_after_the_last_day_with_the_same_result(cast: Cast) -> None:
    start, _end = range_of(cast)
    # Reference: one uninterrupted run.
    reference = queued_job(cast, upload_events(cast, sample(cast)))
    sync_jobs.job_run(reference.pk)
    expected = register_rows()
    Justification.objects.all().delete()
    for model in (Absence, LateEntry, EarlyExit):
        model.objects.all().delete()
    # The interrupted one: its worker did the first day and died (its lease left to expire).
    job = queued_job(cast, upload_events(cast, sample(cast)))
    claimed = sync_jobs._claim(job.pk)
    assert claimed is not None
    batch_sheet = sync_jobs.read_sheet(job.batch.raw)
    first_day, first_rows = next(iter(sync_jobs.rows_by_day(batch_sheet).items()))
    assert first_day == start
    assert sync_jobs._apply_day(job.pk, first_day, first_rows, batch_sheet.header, cast.office)
    assert sync_jobs.job_run(job.pk) is None  # its lease is still alive: nobody else runs it
    assert sync_jobs.resume_stalled() == []
    SyncJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(1))
    assert sync_jobs.resume_stalled() == [job.pk]  # queued again: the test backend runs it
    job.refresh_from_db()
    assert job.status == SyncJobStatus.DONE and job.runs == 2
    assert (job.days_done, job.rows_done) == (2, 5)
    assert register_rows() == expected
    assert any("Ripresa" in entry["message"] for entry in job.log)


def test_cancel_stops_between_days_and_a_queued_job_at_once(cast: Cast) -> None:
    queued = queued_job(cast, upload_events(cast, sample(cast)))
    sync_jobs.job_cancel(job=queued, user=cast.office)
    queued.refresh_from_db()
    assert queued.status == SyncJobStatus.CANCELLED
    assert sync_jobs.job_run(queued.pk) is None and not Absence.objects.exists()
    running = queued_job(cast, upload_events(cast, sample(cast)))
    assert sync_jobs._claim(running.pk) is not None
    sheet = sync_jobs.read_sheet(running.batch.raw)
    first_day, first_rows = next(iter(sync_jobs.rows_by_day(sheet).items()))
    assert sync_jobs._apply_day(running.pk, first_day, first_rows, sheet.header, cast.office)
    client = office(cast)
    client.post(reverse("interop:job_cancel", args=[running.pk]))
    SyncJob.objects.filter(pk=running.pk).update(lease_until=None)
    sync_jobs.job_run(running.pk)
    running.refresh_from_db()
    assert running.status == SyncJobStatus.CANCELLED and running.days_done == 1
    assert not Absence.objects.filter(date=range_of(cast)[1]).exists()


def test_progress_reports_rows_per_second_and_time_left() -> None:
    now = timezone.now()
    job = SyncJob(
        rows_total=1000, rows_done=300, rows_at_start=100,
        started_at=now - datetime.timedelta(seconds=10), status=SyncJobStatus.RUNNING,
    )  # fmt: skip
    assert job.rows_per_second(now) == 20
    assert job.seconds_left(now) == 35
    assert job.percent == 30


# --- API -----------------------------------------------------------------------------------------


def api_upload(client: Client, cast: Cast, school: int | None = None, **dates: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    start, end = range_of(cast)
    content = csv_bytes(sample(cast), ATTENDANCE_HEADER)
    return client.post(
        "/api/v1/attendance/imports",
        {
            "file": SimpleUploadedFile("assenze.csv", content, content_type="text/csv"),
            "school": [school or cast.school.pk],
            "from": dates.get("start", start.isoformat()), "to": dates.get("end", end.isoformat()),
        },
    )  # fmt: skip


def test_a_write_key_previews_starts_and_follows_a_job_through_the_api(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.interop.keys import api_key_create

    _key, raw = api_key_create(
        user=cast.office, institute_id=cast.institute.pk, name="Area alunni",
        scopes=["attendance:write"],
    )  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    plans = FilePlanCounter(monkeypatch)
    preview = api_upload(client, cast)
    assert preview.status_code == 200, preview.content
    assert plans.calls == 1  # the batch's preview and the choice's from one plan of the file
    body = preview.json()
    assert body["ok"] and body["counts"]["created"] == 5 and body["problems"] == []
    start, end = range_of(cast)
    started = client.post(
        f"/api/v1/attendance/imports/{body['batch_id']}/job",
        {"school": [cast.school.pk], "from": start.isoformat(), "to": end.isoformat()},
        content_type="application/json",
    )
    assert started.status_code == 202, started.content
    job = started.json()
    assert job["status"] == "completato" and job["rows_done"] == 5
    followed = client.get(f"/api/v1/sync-jobs/{job['id']}").json()
    assert followed["days_done"] == 2 and followed["log"]
    absence = Absence.objects.get(student=cast.child)
    assert absence.recorded_by == cast.office  # the key writes on its creator's behalf


def test_the_api_tells_problems_by_line_and_starts_nothing(cast: Cast) -> None:
    from campanella.accounts.services import api_token_issue

    _start, end = range_of(cast)
    _token, raw = api_token_issue(user=cast.office)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    preview = api_upload(client, cast, start=end.isoformat()).json()
    assert not preview["ok"]
    assert [p["line"] for p in preview["problems"]] == [6]
    refused = client.post(
        f"/api/v1/attendance/imports/{preview['batch_id']}/job",
        {"school": [cast.school.pk], "from": end.isoformat(), "to": end.isoformat()},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "file_problems"
    assert refused.json()["errors"][0]["line"] == 6
    assert not SyncJob.objects.exists() and not Absence.objects.exists()


def test_a_read_key_or_another_institute_writes_nothing(cast: Cast) -> None:
    from campanella.interop.keys import api_key_create

    _key, raw = api_key_create(
        user=cast.office, institute_id=cast.institute.pk, name="Lettura",
        scopes=["attendance:read"],
    )  # fmt: skip
    assert api_upload(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), cast).status_code == 404
    from campanella.accounts.services import api_token_issue

    _token, foreign = api_token_issue(user=cast.foreign_office)
    refused = api_upload(Client(HTTP_AUTHORIZATION=f"Bearer {foreign}"), cast)
    assert refused.status_code == 400 and refused.json()["code"] == "school_unknown"
    assert not ImportBatch.objects.exists() and not SyncJob.objects.exists()


class FilePlanCounter:
    """How many times an attendance file is planned whole, by any path (a spy on the one
    planner of files: the real one runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from campanella.interop import attendance_file

        self.calls = 0
        real = attendance_file._plan_file

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(attendance_file, "_plan_file", counted)


def without_csrf(page: bytes) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.decode())
    return re.sub(r'name="csrf-token"\s+content="[^"]*"', "", text)


def range_form(cast: Cast, content: bytes) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    start, end = range_of(cast)
    return {
        "file": SimpleUploadedFile("assenze.csv", content, content_type="text/csv"),
        "scuole": [cast.school.pk], "dal": start.isoformat(), "al": end.isoformat(),
    }  # fmt: skip


def test_an_upload_for_chosen_days_plans_the_file_once_for_its_batch_and_its_page(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from campanella.interop.services import import_upload
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    content = csv_bytes(sample(cast), ATTENDANCE_HEADER)
    client = office(cast)
    plans = FilePlanCounter(monkeypatch)
    response = client.post(reverse("interop:attendance_range"), range_form(cast, content))
    assert response.status_code == 302
    kept = client.get(response["Location"])
    assert plans.calls == 1  # the upload's plan, shown by the page
    batch = ImportBatch.objects.get()
    # The page planned anew (the cache lost the preview) is the same page.
    cache.clear()
    anew = client.get(response["Location"])
    assert plans.calls == 2
    assert 'data-testid="job-form"' in without_csrf(kept.content)
    assert without_csrf(kept.content) == without_csrf(anew.content)
    # The batch is what the plain upload keeps (its whole-file preview), its verdict aside.
    plain, _plan = import_upload(
        institute_id=cast.institute.pk, user=cast.office, kind=ImportKind.ATTENDANCE,
        file_name="assenze.csv", content=content,
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == plain.status
    assert {k: v for k, v in batch.summary.items() if k != "range_verdict"} == plain.summary
    # "Avvia" follows the verdict: no plan of the whole file before the job.
    plans.calls = 0
    start, end = range_of(cast)
    job = sync_jobs.job_start(
        batch=batch, user=cast.office, school_ids={cast.school.pk}, start=start, end=end
    )
    job.refresh_from_db()
    assert plans.calls == 0 and job.status == SyncJobStatus.DONE


def test_the_kept_preview_is_not_shown_once_the_register_moved(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from campanella.register.services import roll_call_save
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    _start, end = range_of(cast)
    client = office(cast)
    plans = FilePlanCounter(monkeypatch)
    content = csv_bytes(sample(cast), ATTENDANCE_HEADER)
    response = client.post(reverse("interop:attendance_range"), range_form(cast, content))
    # A teacher's roll call after the upload: the child is already absent on the last day.
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=end, absent_ids=[cast.child.pk]
    )
    page = client.get(response["Location"])
    assert plans.calls == 2
    assert "già nel registro" in page.content.decode()


@pytest.mark.parametrize("choice", ["same", "last_day", "other_school"])
def test_the_upload_s_one_plan_gives_both_previews_as_two_plans_would(
    cast: Cast, choice: str
) -> None:
    from campanella.interop.attendance_file import (
        AttendanceFile,
        Selection,
        plan_attendance_file,
        plan_attendance_range,
    )
    from tests.factories import SchoolFactory
    from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes

    start, end = range_of(cast)
    school = SchoolFactory(institute=cast.institute).pk if choice == "other_school" else None
    selection = Selection(
        frozenset({school or cast.school.pk}), end if choice == "last_day" else start, end
    )
    content = csv_bytes(sample(cast), ATTENDANCE_HEADER)
    common: dict[str, Any] = {
        "institute_id": cast.institute.pk, "today": timezone.localdate(), "user": cast.office,
    }  # fmt: skip

    def seen(plan: Any) -> Any:
        rows = [(r.line, r.action, r.label, r.details) for r in plan.rows]
        problems = sorted((p.line or 0, p.message) for p in plan.problems)
        return (rows, problems, plan.counts(), plan.unknown_students, plan.ok)

    ranged, whole = plan_attendance_range(AttendanceFile(content), selection=selection, **common)
    alone = plan_attendance_file(AttendanceFile(content), selection=selection, **common)
    file_only = plan_attendance_file(AttendanceFile(content), **common)
    assert seen(ranged) == seen(alone)
    assert seen(whole) == seen(file_only)
    assert ranged.ok == (choice == "same") and whole.ok
