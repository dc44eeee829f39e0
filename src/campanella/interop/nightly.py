"""The nightly run for the back-office (issue 15 item 4): where the office has scheduled it,
each night writes, for the chosen schools,

* the attendance events changed since the previous night's file (the first night: the whole
  school year so far), in the exchange format, cancelled events included;
* the term results of the scrutini locked and not yet sent (or reopened and locked again since
  they were sent), recorded as sent by the nightly run;

as files kept for the back-office to collect from the office's page or the API. A night's file
of a kind is made once (a unique row), however many times the job runs that night.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from campanella.interop import attendance_export, results_export
from campanella.interop.models import (
    NightlyFile,
    NightlyKind,
    NightlySchedule,
    ResultsExportChannel,
)
from campanella.lib import tabular_stream
from campanella.school.models import SchoolYear


class Counted:
    """Passes rows through and counts them."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def schedule_set(
    *, user: Any, institute_id: int, enabled: bool, school_ids: list[int], attendance: bool,
    results: bool,
) -> NightlySchedule:  # fmt: skip
    schedule, _created = NightlySchedule.objects.update_or_create(
        institute_id=institute_id,
        defaults={
            "enabled": enabled, "school_ids": sorted(school_ids), "attendance": attendance,
            "results": results, "updated_at": timezone.now(), "updated_by": user,
        },
    )  # fmt: skip
    return schedule


def _year_of(institute_id: int, night: datetime.date) -> SchoolYear | None:
    return SchoolYear.objects.filter(
        institute_id=institute_id, start_date__lte=night, end_date__gte=night
    ).first()


def _save(
    schedule: NightlySchedule,
    kind: NightlyKind,
    night: datetime.date,
    chunks: Iterable[bytes],
    counted: Counted,
    since: datetime.datetime | None,
) -> NightlyFile | None:
    with tempfile.TemporaryFile() as target:
        for chunk in chunks:
            target.write(chunk)
        target.seek(0)
        try:
            with transaction.atomic():
                nightly = NightlyFile(
                    institute_id=schedule.institute_id, kind=kind, night=night, since=since,
                    rows=counted.count,
                )  # fmt: skip
                nightly.file.save(f"{kind}_{night:%Y%m%d}.csv", File(target), save=False)
                nightly.save()
        except IntegrityError:
            return None  # another run made this night's file
    return nightly


def _attendance_file(
    schedule: NightlySchedule, year: SchoolYear, night: datetime.date
) -> NightlyFile | None:
    previous = (
        NightlyFile.objects.filter(institute_id=schedule.institute_id, kind=NightlyKind.ATTENDANCE)
        .order_by("-created_at")
        .first()
    )
    since = previous.created_at if previous else None
    selection = attendance_export.Selection(
        institute_id=schedule.institute_id, school_ids=tuple(schedule.school_ids),
        start=year.start_date, end=min(night, year.end_date), since=since,
    )  # fmt: skip
    events = Counted(attendance_export.attendance_events(selection))
    chunks = attendance_export.csv_chunks(events, selection.fields)
    return _save(schedule, NightlyKind.ATTENDANCE, night, chunks, events, since)


def unsent_sessions(schedule: NightlySchedule, year: SchoolYear) -> list[Any]:
    """Locked scrutini of the chosen schools never sent, or sent at an older version."""
    selection = results_export.ResultsSelection(
        institute_id=schedule.institute_id, school_ids=tuple(schedule.school_ids),
        school_year_id=year.pk,
    )  # fmt: skip
    sessions = results_export.with_last_export(results_export.locked_sessions(selection))
    return list(sessions.filter(Q(sent_at__isnull=True) | ~Q(sent_version=F("version"))))


def _results_file(
    schedule: NightlySchedule, year: SchoolYear, night: datetime.date
) -> NightlyFile | None:
    sessions = unsent_sessions(schedule, year)
    if (
        not sessions
        or NightlyFile.objects.filter(
            institute_id=schedule.institute_id, kind=NightlyKind.RESULTS, night=night
        ).exists()
    ):
        return None
    rows = Counted(results_export.result_rows(sessions))
    chunks = tabular_stream.csv_chunks(
        results_export.FIELDS, (results_export.cells(row) for row in rows)
    )
    made = _save(schedule, NightlyKind.RESULTS, night, chunks, rows, None)
    if made is not None:
        sender = results_export.Sender(
            institute_id=schedule.institute_id, channel=ResultsExportChannel.NIGHTLY
        )
        results_export.record_export(sender=sender, sessions=sessions, file_format="csv")
    return made


def nightly_run(institute_id: int, night: datetime.date) -> list[NightlyFile]:
    """The night's files of one institute (none when unscheduled or already made)."""
    schedule = NightlySchedule.objects.filter(institute_id=institute_id, enabled=True).first()
    year = _year_of(institute_id, night)
    if schedule is None or not schedule.school_ids or year is None:
        return []
    made: list[NightlyFile | None] = []
    already = set(
        NightlyFile.objects.filter(institute_id=institute_id, night=night).values_list(
            "kind", flat=True
        )
    )
    if schedule.attendance and NightlyKind.ATTENDANCE not in already:
        made.append(_attendance_file(schedule, year, night))
    if schedule.results and NightlyKind.RESULTS not in already:
        made.append(_results_file(schedule, year, night))
    return [one for one in made if one is not None]


def run_every_institute(night: datetime.date | None = None) -> int:
    day = night or timezone.localdate()
    institutes = NightlySchedule.objects.filter(enabled=True).values_list("institute_id", flat=True)
    return sum(len(nightly_run(institute_id, day)) for institute_id in institutes)
