"""Attendance events in bulk (issue 15): `register.services.attendance_day_apply` writes a day
at a time with the history, the news and the guard of single writes; the import planned a chunk
of days at a time gives the plan of the whole file; the register it leaves is the one the
row-by-row path (the single services) leaves; big files are accepted, fast, for attendance only.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from campanella.audit.models import Change, ChangeAction
from campanella.interop import attendance_file
from campanella.interop.attendance import plan_attendance
from campanella.interop.attendance_file import AttendanceFile, plan_attendance_file
from campanella.interop.models import ImportKind
from campanella.interop.services import import_apply
from campanella.interop.tabular import read_sheet
from campanella.register import services
from campanella.register.models import Absence, EarlyExit, Justification, LateEntry
from campanella.register.services import (
    AttendanceChanged,
    AttendanceWrite,
    JustificationGiven,
    NotAllowed,
    attendance_day_apply,
)
from campanella.school.guard import DayClosed
from tests.conftest import Cast, school_day
from tests.interop.helpers import ATTENDANCE_HEADER, csv_bytes, messages, upload
from tests.school.closed_days import close, fingerprint

pytestmark = pytest.mark.django_db
ATTENDANCE = ImportKind.ATTENDANCE


def event(student: Any, day: datetime.date, kind: str = "ASSENZA", **more: str) -> dict[str, str]:
    return {"codice_fiscale": student.codice_fiscale, "data": f"{day:%d/%m/%Y}", "tipo": kind,
            **more}  # fmt: skip


def days(cast: Cast) -> tuple[datetime.date, datetime.date]:
    today = school_day(cast)
    return today, school_day(cast, today - datetime.timedelta(days=1))


def justified(**more: str) -> dict[str, str]:
    return {"giustificata": "sì", "motivo_codice": "SALUTE", **more}


def rich_sample(cast: Cast) -> list[dict[str, str]]:
    """Every case the planning and the writes tell apart, in one file of two days (with
    `teachers_records`: lines 10 and 11 are in the register already)."""
    day, before = days(cast)
    return [
        event(cast.child, day, **justified(giustificata_da="teacher")),  # 2
        event(cast.other_child, day, ora_lezione="1", **justified()),  # 3: covers hour 1
        event(cast.other_child, day, ora_lezione="2"),  # 4
        event(cast.other_child, day, ora_lezione="3", **justified(motivo="dopo")),  # 5: 2 and 3
        event(cast.other_child, day, "USCITA", ora="10:30"),  # 6
        event(cast.sibling, day, "RITARDO_BREVE", ora="08:05", **justified()),  # 7
        event(cast.sibling, day, "USCITA", ora="10:10", **justified(motivo="Dentista")),  # 8
        event(
            cast.adult_student,
            before,
            "RITARDO",
            ora="08:40",
            **justified(giustificata_il=f"{day:%d/%m/%Y}", giustificata_da="teacher"),
        ),  # 9
        event(cast.child, before),  # 10: the teacher's roll call
        event(cast.other_child, before, ora_lezione="1"),  # 11: the teacher's
        event(cast.other_child, before, ora_lezione="3", **justified()),  # 12: with 1 and 2
    ]


def teachers_records(cast: Cast) -> None:
    _day, before = days(cast)
    services.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=before, absent_ids=[cast.child.pk]
    )
    for number in (1, 2):
        services.hour_absences_save(
            user=cast.teacher, classroom=cast.classroom_1a, day=before,
            slot=cast.school.hour_slots.get(number=number), absent_ids=[cast.other_child.pk],
        )  # fmt: skip


def register_state() -> dict[str, Any]:
    """The register as records (without ids) and the history as counts of what changed."""

    def justification(record: Any) -> tuple[Any, ...] | None:
        j = record.justification
        if j is None:
            return None
        return (j.kind, j.start_date, j.reason, j.status, j.decided_by_id, j.decided_at.date())

    def common(record: Any) -> tuple[Any, ...]:
        return (
            record.student_id,
            record.classroom_id,
            record.date,
            record.slot_id,
            record.recorded_by_id,
            record.cancelled_at is None,
            justification(record),
        )

    related = ("justification",)
    return {
        "absences": sorted(map(common, Absence.objects.select_related(*related)), key=repr),
        "late": sorted(
            (common(r), r.time, r.short) for r in LateEntry.objects.select_related(*related)
        ),
        "exits": sorted((common(r), r.time) for r in EarlyExit.objects.select_related(*related)),
        "justifications": sorted(
            (
                j.student_id,
                j.kind,
                j.start_date,
                j.end_date,
                j.reason,
                j.status,
                j.submitted_by_id,
                j.decided_by_id,
                j.in_advance,
            )
            for j in Justification.objects.all()
        ),
        "history": sorted(
            Counter(
                (c.content_type.model, c.action, c.reason, c.actor_id)
                for c in Change.objects.select_related("content_type")
            ).items()
        ),
    }


def undone(write: Callable[[], dict[str, int]]) -> tuple[dict[str, int], dict[str, Any]]:
    """What `write` wrote and the register it left; then undone."""
    with transaction.atomic():
        written = write()
        state = register_state()
        transaction.set_rollback(True)
    return written, state


def test_the_bulk_path_leaves_the_register_the_row_by_row_path_leaves(cast: Cast) -> None:
    teachers_records(cast)
    sheet = read_sheet(csv_bytes(rich_sample(cast), ATTENDANCE_HEADER))
    today = timezone.localdate()

    def write(bulk: bool) -> dict[str, int]:
        plan = plan_attendance(
            sheet, institute_id=cast.institute.pk, today=today, user=cast.office, bulk=bulk
        )
        assert plan.ok, plan.sorted_problems()
        assert plan.writes is not None
        return plan.writes.apply()

    row_written, row_register = undone(lambda: write(False))
    bulk_written, bulk_register = undone(lambda: write(True))
    assert bulk_written == row_written
    assert row_written["justifications_created"] == 7
    assert bulk_register == row_register
    hours = [a for a in bulk_register["absences"] if a[3] is not None and a[6] is not None]
    assert len(hours) == 6  # every hour absence of the two days, the teacher's too


def test_the_bulk_service_keeps_the_history_and_refuses_what_the_register_refuses(
    cast: Cast,
) -> None:
    day, _before = days(cast)
    slot = cast.school.hour_slots.get(number=2)
    changes = Change.objects.count()
    given = JustificationGiven(reason="Visita", decided_by=cast.teacher)
    written = attendance_day_apply(user=cast.office, day=day, writes=[
        AttendanceWrite(cast.child.pk, cast.classroom_1a.pk, "assenza", justify=given),
        AttendanceWrite(cast.other_child.pk, cast.classroom_1a.pk, "assenza", slot_id=slot.pk),
        AttendanceWrite(cast.sibling.pk, cast.classroom_2b.pk, "uscita",
                        time=datetime.time(10, 30)),
    ])  # fmt: skip
    assert written == {"absences_created": 2, "early_exits_created": 1,
                       "justifications_created": 1}  # fmt: skip
    actions = Counter(
        Change.objects.order_by("pk")[changes:].values_list("content_type__model", "action")
    )
    assert actions == {
        ("absence", ChangeAction.CREATE): 2, ("earlyexit", ChangeAction.CREATE): 1,
        ("justification", ChangeAction.CREATE): 1, ("absence", ChangeAction.UPDATE): 1,
        ("justification", ChangeAction.UPDATE): 1,
    }  # fmt: skip
    justification = Absence.objects.get(student=cast.child, date=day).justification
    assert justification is not None and justification.decided_by == cast.teacher
    before = fingerprint()
    refused: list[tuple[Any, Callable[[], Any]]] = [
        (AttendanceChanged, lambda: attendance_day_apply(user=cast.office, day=day, writes=[
            AttendanceWrite(cast.child.pk, cast.classroom_1a.pk, "assenza")])),  # there already
        (AttendanceChanged, lambda: attendance_day_apply(user=cast.office, day=day, writes=[
            AttendanceWrite(cast.sibling.pk, cast.classroom_2b.pk, "ritardo",
                            time=datetime.time(10, 40))])),  # after the exit
        (NotAllowed, lambda: attendance_day_apply(user=cast.teacher, day=day, writes=[
            AttendanceWrite(cast.adult_student.pk, cast.classroom_1a.pk, "assenza")])),
        (NotAllowed, lambda: attendance_day_apply(user=cast.office, day=day, writes=[
            AttendanceWrite(cast.adult_student.pk, cast.classroom_2b.pk, "assenza")])),
        (services.RegisterError, lambda: attendance_day_apply(
            user=cast.office, day=timezone.localdate() + datetime.timedelta(days=1), writes=[
                AttendanceWrite(cast.adult_student.pk, cast.classroom_1a.pk, "assenza")])),
    ]  # fmt: skip
    for error, call in refused:
        with pytest.raises(error), transaction.atomic():
            call()
    assert fingerprint() == before


def test_a_closed_day_is_refused_by_the_bulk_service_and_by_the_import(cast: Cast) -> None:
    day, before = days(cast)
    close(cast, before, before)
    fingerprint_before = fingerprint()
    with pytest.raises(DayClosed), transaction.atomic():
        attendance_day_apply(user=cast.office, day=before, writes=[
            AttendanceWrite(cast.child.pk, cast.classroom_1a.pk, "assenza")])  # fmt: skip
    rows = [event(cast.child, day), event(cast.other_child, before)]
    batch = upload(cast, csv_bytes(rows, ATTENDANCE_HEADER), ATTENDANCE)
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert not result.applied
    assert any("3" in line and "scrutinio" in line for line in messages(result))
    assert fingerprint() == fingerprint_before


def test_a_file_planned_a_day_at_a_time_gives_the_plan_of_the_whole_file(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    teachers_records(cast)
    day, _before = days(cast)
    rows = [
        *rich_sample(cast),
        event(cast.child, day),  # the same event twice
        {**event(cast.child, day), "data": "31/02/2020"},  # no readable day
        {**event(cast.child, day), "codice_fiscale": "RSSMRA80A01H501U"},  # unknown
    ]
    content = csv_bytes(rows, ATTENDANCE_HEADER)

    def plan() -> Any:
        return plan_attendance_file(
            AttendanceFile(content), institute_id=cast.institute.pk,
            today=timezone.localdate(), user=cast.office,
        )  # fmt: skip

    whole = plan()
    monkeypatch.setattr(attendance_file, "CHUNK_ROWS", 1)
    monkeypatch.setattr(attendance_file, "KEPT_ROWS", 2)
    assert len(AttendanceFile(content).chunks()) == 3  # the unreadable day, then two days
    chunked = plan()
    assert chunked.counts() == whole.counts()
    assert chunked.counts()["rejected"] == 3
    assert chunked.sorted_problems() == whole.sorted_problems()
    assert chunked.unknown_students == whole.unknown_students == {"RSSMRA80A01H501U"}
    assert len(chunked.rows) < len(whole.rows)  # only the first rows of each outcome kept


def test_a_file_in_day_order_is_read_once_for_all_its_chunks_with_the_same_plan(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    teachers_records(cast)
    day, before = days(cast)
    rows = sorted(rich_sample(cast), key=lambda row: row["data"] != before.strftime("%d/%m/%Y"))
    content = csv_bytes(rows, ATTENDANCE_HEADER)
    passes = 0
    real = attendance_file.stream_sheet

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal passes
        passes += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(attendance_file, "stream_sheet", counted)

    def plan() -> Any:
        file = AttendanceFile(content)
        assert file.by_day_order and file.days() == [before, day]
        return plan_attendance_file(
            file, institute_id=cast.institute.pk, today=timezone.localdate(), user=cast.office
        )

    whole = plan()
    assert passes == 2  # the count, then the rows (one chunk)
    monkeypatch.setattr(attendance_file, "CHUNK_ROWS", 1)
    passes = 0
    chunked = plan()
    assert passes == 2  # two chunks, still one pass for their rows
    assert chunked.counts() == whole.counts() and chunked.counts()["created"] > 2
    assert chunked.sorted_problems() == whole.sorted_problems()
    # Out of day order: a pass for each chunk, the same plan.
    passes = 0
    shuffled = AttendanceFile(csv_bytes([*rows[1:], rows[0]], ATTENDANCE_HEADER))
    assert not shuffled.by_day_order
    again = plan_attendance_file(
        shuffled, institute_id=cast.institute.pk, today=timezone.localdate(), user=cast.office
    )
    assert passes == 3 and again.counts() == whole.counts()


def test_the_same_file_twice_by_chunks_writes_nothing_the_second_time(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attendance_file, "CHUNK_ROWS", 2)
    content = csv_bytes(rich_sample(cast), ATTENDANCE_HEADER)
    first = upload(cast, content, ATTENDANCE)
    result = import_apply(batch_id=first.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied, messages(result)
    assert sum(result.batch.summary["written"].values()) > 10
    before = fingerprint()
    again = upload(cast, content, ATTENDANCE)
    result = import_apply(batch_id=again.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied
    assert result.batch.summary["written"] == {}
    assert result.batch.summary["unchanged"] == 11
    assert fingerprint() == before


def test_a_year_of_attendance_is_accepted_and_planned_fast_other_kinds_keep_their_limit(
    cast: Cast,
) -> None:
    day, _before = days(cast)
    students = [cast.child, cast.other_child, cast.sibling, cast.adult_student]
    school_days = [day]
    while len(school_days) < 25:
        school_days.append(school_day(cast, school_days[-1] - datetime.timedelta(days=1)))
    rows = [
        event(student, when, ora_lezione=str(hour))
        for when in school_days
        for student in students
        for hour in range(1, 4)
    ]  # 300 distinct events
    rows = (rows * 40)[:12_000]  # the same events again: "already at line …", still planned
    content = csv_bytes(rows, ATTENDANCE_HEADER)
    started = time.perf_counter()
    plan = plan_attendance_file(
        AttendanceFile(content), institute_id=cast.institute.pk, today=timezone.localdate(),
        user=cast.office,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert plan.summary()["rows"] == 12_000
    assert not any("righe" in problem.message for problem in plan.problems)
    counts = plan.counts()
    assert counts["rejected"] == 11_700
    assert counts["created"] == 300
    assert len(plan.rows) <= 3 * attendance_file.KEPT_ROWS
    assert seconds < 30
    # Other kinds keep the 10,000 rows of before.
    assert "più di 10.000 righe" in read_sheet(content).problems[0].message
    too_many = "\r\n".join(["codice_fiscale;data;tipo", *(["X;01/01/2020;A"] * 200_001)])
    refused = AttendanceFile(too_many.encode()).sheet.problems
    assert "più di 200.000 righe" in refused[0].message
