"""Writes of the import: upload (store and preview), apply (all or nothing, at most once).

The file is read and checked before any transaction: reading the largest accepted file takes
seconds, and a write transaction (on SQLite it locks the whole database) would stop every other
write of the school meanwhile (issue 10, #3). The apply transaction only re-checks the rows
already read against the database as it is then, with a constant number of queries, and writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.grades.services import grades_changed
from campanella.interop.attendance import plan_attendance
from campanella.interop.attendance_file import (
    AttendanceFile,
    StreamedWrites,
    plan_attendance_file,
)
from campanella.interop.grade_import import plan_grades
from campanella.interop.models import ImportBatch, ImportKind, ImportStatus
from campanella.interop.oneroster.importing import plan_bundle
from campanella.interop.oneroster.importing_read import read_bundle
from campanella.interop.plan import Plan, RowsRefused
from campanella.interop.service_writes import rehearse
from campanella.interop.staff import plan_staff
from campanella.interop.students import plan_students
from campanella.interop.tabular import Problem, Sheet, read_sheet
from campanella.interop.teachings import plan_teachings
from campanella.people.access import access_changed
from campanella.people.models import Guardian, Staff, User
from campanella.school.guard import DayClosed
from campanella.school.models import Classroom

APPLIED = "applied"
ALREADY_APPLIED = "already_applied"
REFUSED = "refused"
# Legal records, written row by row by the register's and grades' services (service_writes).
RECORD_KINDS = frozenset({ImportKind.GRADES, ImportKind.ATTENDANCE})


def build_plan(
    *,
    kind: str,
    content: bytes,
    institute_id: int,
    today: datetime.date,
    user: User | None = None,
) -> Plan:
    """What importing `content` would do now. Nothing is kept: the records' services rehearse
    their writes (as `user`) and undo them, so the plan lists their refusals too."""
    if kind == ImportKind.ONEROSTER:
        return plan_bundle(read_bundle(content), institute_id=institute_id, today=today, user=user)
    if kind == ImportKind.ATTENDANCE:  # streamed, a chunk of days at a time; rehearsed there
        return plan_attendance_file(
            AttendanceFile(content), institute_id=institute_id, today=today, user=user
        )
    plan = plan_sheet(
        kind=kind, sheet=read_sheet(content), institute_id=institute_id, today=today, user=user
    )
    rehearse(plan)
    return plan


def plan_sheet(
    *,
    kind: str,
    sheet: Sheet,
    institute_id: int,
    today: datetime.date,
    user: User | None = None,
) -> Plan:
    """What importing the rows already read would do now. Reads only."""
    if kind == ImportKind.STUDENTS:
        return plan_students(sheet, institute_id=institute_id, today=today)
    if kind == ImportKind.STAFF:
        return plan_staff(sheet, institute_id=institute_id)
    if kind == ImportKind.TEACHINGS:
        return plan_teachings(sheet, institute_id=institute_id, today=today)
    if kind == ImportKind.GRADES:
        return plan_grades(sheet, institute_id=institute_id, today=today, user=user)
    if kind == ImportKind.ATTENDANCE:
        return plan_attendance(sheet, institute_id=institute_id, today=today, user=user)
    raise ValueError(f"unknown import kind {kind!r}")


def _summary(plan: Plan, written: dict[str, int] | None = None) -> dict[str, object]:
    summary = plan.summary()
    if written is not None:
        summary["written"] = written
    return summary


def import_upload(
    *,
    institute_id: int,
    user: User,
    kind: str,
    file_name: str,
    content: bytes,
    today: datetime.date | None = None,
) -> tuple[ImportBatch, Plan]:
    """Keep the uploaded file as a batch and return its preview. Nothing else is written.

    The file is read outside any transaction; the batch is one INSERT.
    """
    plan = build_plan(
        kind=kind,
        content=content,
        institute_id=institute_id,
        today=today or timezone.localdate(),
        user=user,
    )
    batch = batch_keep(
        institute_id=institute_id, user=user, kind=kind, file_name=file_name, content=content,
        plan=plan,
    )  # fmt: skip
    return batch, plan


def batch_keep(
    *, institute_id: int, user: User, kind: str, file_name: str, content: bytes, plan: Plan
) -> ImportBatch:
    """The uploaded file kept as a batch with its preview's `plan` (`import_upload`'s own, or
    one made with it, as `sync_jobs.range_upload` does). One INSERT."""
    return ImportBatch.objects.create(
        institute_id=institute_id,
        kind=kind,
        file_name=file_name[:255],
        content=content,
        uploaded_by=user,
        status=ImportStatus.PENDING if plan.ok else ImportStatus.INVALID,
        summary=_summary(plan),
    )


def import_preview(
    *, batch: ImportBatch, user: User | None = None, today: datetime.date | None = None
) -> Plan:
    """The batch's plan against the database as it is now, rehearsed as `user` (by default who
    uploaded it). Nothing is kept."""
    return build_plan(
        kind=batch.kind,
        content=batch.raw,
        institute_id=batch.institute_id,
        today=today or timezone.localdate(),
        user=user or batch.uploaded_by,
    )


@dataclass(frozen=True)
class ApplyResult:
    batch: ImportBatch
    outcome: str
    plan: Plan | None = None

    @property
    def applied(self) -> bool:
        return self.outcome == APPLIED


def import_apply(
    *, batch_id: int, institute_id: int, user: User, today: datetime.date | None = None
) -> ApplyResult:
    """Apply a batch once: re-read its file, re-check everything, write all of it or nothing.

    The file is read and checked first, outside the transaction; a file with problems never
    enters it. The transaction locks the batch row first, so a double submit waits and then
    finds it applied.
    """
    today = today or timezone.localdate()
    batch = ImportBatch.objects.get(pk=batch_id, institute_id=institute_id)
    if batch.is_applied:
        return ApplyResult(batch, ALREADY_APPLIED)
    replan: Callable[[], Plan]
    if batch.kind == ImportKind.ATTENDANCE:
        file = AttendanceFile(batch.raw)
        plan = plan_attendance_file(
            file, institute_id=institute_id, today=today, user=user, rehearsed=False
        )
        if not plan.ok:
            return _refuse(batch_id=batch_id, institute_id=institute_id, plan=plan)
        file.keep_if_small()  # read outside the transaction, unless it is too big to keep

        def attendance_now() -> Plan:
            writes = StreamedWrites(file, institute_id=institute_id, today=today, user=user)
            writes.plan.writes = writes
            return writes.plan

        return _apply_rows(
            batch_id=batch_id, institute_id=institute_id, user=user, replan=attendance_now
        )
    if batch.kind == ImportKind.ONEROSTER:
        bundle = read_bundle(batch.raw)
        reason = _("Importazione OneRoster n. %(id)s (%(file)s)") % {
            "id": batch.pk,
            "file": batch.file_name,
        }

        def replan() -> Plan:
            return plan_bundle(
                bundle, institute_id=institute_id, today=today, user=user, reason=reason
            )
    else:
        sheet = read_sheet(batch.raw)

        def replan() -> Plan:
            return plan_sheet(
                kind=batch.kind, sheet=sheet, institute_id=institute_id, today=today, user=user
            )

    plan = replan()
    if not plan.ok:
        return _refuse(batch_id=batch_id, institute_id=institute_id, plan=plan)
    return _apply_rows(batch_id=batch_id, institute_id=institute_id, user=user, replan=replan)


@transaction.atomic
def _refuse(*, batch_id: int, institute_id: int, plan: Plan) -> ApplyResult:
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id, institute_id=institute_id)
    if batch.is_applied:
        return ApplyResult(batch, ALREADY_APPLIED)
    batch.status = ImportStatus.INVALID
    batch.summary = _summary(plan)
    batch.save(update_fields=["status", "summary"])
    return ApplyResult(batch, REFUSED, plan)


@transaction.atomic
def _apply_rows(
    *, batch_id: int, institute_id: int, user: User, replan: Callable[[], Plan]
) -> ApplyResult:
    """Inside the transaction: the rows already read, checked against the database of now
    (`replan`; an attendance file is planned again a chunk at a time as it is written)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id, institute_id=institute_id)
    if batch.is_applied:
        return ApplyResult(batch, ALREADY_APPLIED)
    plan = replan()
    written: dict[str, int] | None = None
    if plan.ok and plan.writes is not None and batch.kind in RECORD_KINDS:
        writes = plan.writes
        try:
            with transaction.atomic():
                written = writes.apply()  # the services keep the pages' stamps themselves
        except RowsRefused as refused:
            plan.refuse(refused.problems)
        if isinstance(writes, StreamedWrites):
            plan = writes.plan  # made while writing
    elif plan.ok and plan.writes is not None:
        try:
            with transaction.atomic():
                written = plan.writes.apply()
                # Bulk writes send no signals: every grade page of the institute anew.
                grades_changed(
                    Classroom.objects.filter(school__institute_id=institute_id).values_list(
                        "pk", flat=True
                    )
                )
                # ... and every header of the institute's families and staff (children, roles).
                access_changed(
                    [
                        *Guardian.objects.filter(institute_id=institute_id).values_list(
                            "user_id", flat=True
                        ),
                        *Staff.objects.filter(institute_id=institute_id).values_list(
                            "user_id", flat=True
                        ),
                    ]
                )
        except RowsRefused as refused:
            plan.refuse(refused.problems)
        except DayClosed as closed:
            # A service called row by row refused a closed day it was not told the line of.
            plan.problems.append(Problem(None, closed.message))
        except IntegrityError:
            plan.problems.append(
                Problem(
                    None,
                    _(
                        "I dati sono cambiati durante l'importazione (un'altra modifica "
                        "contemporanea): nulla è stato importato. Riprovare."
                    ),
                )
            )
    if written is None:
        batch.status = ImportStatus.INVALID
        batch.summary = _summary(plan)
        batch.save(update_fields=["status", "summary"])
        return ApplyResult(batch, REFUSED, plan)
    batch.status = ImportStatus.APPLIED
    batch.applied_by = user
    batch.applied_at = timezone.now()
    batch.summary = _summary(plan, written)
    batch.save(update_fields=["status", "applied_by", "applied_at", "summary"])
    return ApplyResult(batch, APPLIED, plan)
