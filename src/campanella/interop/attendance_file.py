"""Big attendance files (a school's year: 100,000 events and more), read as a stream and planned
a chunk of days at a time (issue 15).

The file is never held as rows: a first pass counts the rows of each day; then the rows of a
chunk of consecutive days (about CHUNK_ROWS of them) are read again from the file, planned
against the register (`attendance.plan_attendance`, a constant number of queries per chunk)
and let go. A plan only keeps its counts, every problem and the first KEPT_ROWS rows of each
outcome (what the preview shows): memory depends on the chunk, not on the file.

Everything the planning checks is within one day (the same event twice, an entry after the
exit), so a plan made a chunk at a time is the plan of the whole file. The batch (ImportBatch)
keeps the file's bytes and the preview's counts, as for every import; nothing else is kept
between the preview and the apply.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from campanella.interop.attendance import Finders, plan_attendance
from campanella.interop.columns import match_header
from campanella.interop.limits import ATTENDANCE_LIMITS, MAX_ROWS
from campanella.interop.lookup import Enrollments
from campanella.interop.models import ImportKind
from campanella.interop.plan import UNCHANGED, Plan, RowCheck, RowsRefused, start_plan
from campanella.interop.records import check_student_columns
from campanella.interop.records import day as day_text
from campanella.interop.service_writes import rehearse
from campanella.interop.tabular import Problem, Sheet, SheetRow, stream_sheet
from campanella.interop.values import BadValueError, as_text, date_value
from campanella.people.models import User

CHUNK_ROWS = 20_000  # rows planned at once: the memory of a plan, whatever the file's size
KEPT_ROWS = 200  # rows kept of each outcome (the preview shows 100 of each)

Day = datetime.date | None  # None: the rows whose day cannot be read


@dataclass(frozen=True)
class Selection:
    """The office's choice for a range import: these schools, these days."""

    school_ids: frozenset[int]
    start: datetime.date
    end: datetime.date


class AttendanceFile:
    """An attendance file's header, notices and problems, and how many rows each day has
    (one pass over the file); `rows(days)` reads the rows of some days again."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.per_day: Counter[Day] = Counter()
        self._date_column: int | None = None
        self._header_seen = False
        # Every row has a day and no day comes before the previous row's (a back-office's
        # export): the chunks are then read in one pass (`each_chunk`).
        self.by_day_order = True
        self._last: Day = None
        self.sheet = stream_sheet(content, self._count, ATTENDANCE_LIMITS)
        self._cached: dict[Day, list[SheetRow]] | None = None

    def _day_of(self, header: list[str], row: SheetRow) -> Day:
        if not self._header_seen:
            positions = match_header(ImportKind.ATTENDANCE, header).positions
            self._date_column = positions.get("data")
            self._header_seen = True
        index = self._date_column
        if index is None or index >= len(row.cells):
            return None
        try:
            return date_value(row.cells[index])
        except BadValueError:
            return None

    def _count(self, header: list[str], row: SheetRow) -> None:
        day = self._day_of(header, row)
        self.per_day[day] += 1
        if day is None or (self._last is not None and day < self._last):
            self.by_day_order = False
        else:
            self._last = day

    @property
    def total(self) -> int:
        return self.sheet.count

    @property
    def header(self) -> list[str]:
        return self.sheet.header

    def days(self) -> list[datetime.date]:
        return sorted(day for day in self.per_day if day is not None)

    def chunks(self, rows: int | None = None) -> list[list[Day]]:
        """Consecutive days of about `rows` rows together (the unreadable days first)."""
        rows = rows or CHUNK_ROWS
        chunks: list[list[Day]] = [[None]] if None in self.per_day else []
        current: list[Day] = []
        size = 0
        for day in self.days():
            if current and size + self.per_day[day] > rows:
                chunks.append(current)
                current, size = [], 0
            current.append(day)
            size += self.per_day[day]
        if current:
            chunks.append(current)
        return chunks

    def keep_if_small(self) -> None:
        """Hold the rows of a file of one chunk (read now, e.g. before a transaction)."""
        if len(self.chunks()) <= 1:
            self._cached = self._read(None)

    def rows(self, days: Collection[Day]) -> dict[Day, list[SheetRow]]:
        """The rows of these days, by day (in the file's order within a day)."""
        if self._cached is not None:
            return {day: self._cached[day] for day in days if day in self._cached}
        return self._read(set(days))

    def _read(self, days: set[Day] | None) -> dict[Day, list[SheetRow]]:
        found: dict[Day, list[SheetRow]] = {}

        def keep(header: list[str], row: SheetRow) -> None:
            day = self._day_of(header, row)
            if days is None or day in days:
                found.setdefault(day, []).append(row)

        stream_sheet(self.content, keep, ATTENDANCE_LIMITS)
        return found

    def chunk_sheets(self) -> Iterator[Sheet]:
        """The rows of each chunk of days as a sheet, in line order (a pass per chunk)."""
        for chunk in self.chunks():
            yield self.sheet_of(self.rows(chunk))

    def sheet_of(self, by_day: dict[Day, list[SheetRow]]) -> Sheet:
        rows = sorted((row for rows in by_day.values() for row in rows), key=_line)
        return Sheet(header=self.header, rows=rows, count=len(rows))

    def each_chunk(self, use: ChunkUse) -> None:
        """Hand each chunk of days, in order, to `use` (its days and their rows); stop when
        `use` answers False. A file in day order is read once for all its chunks (its rows
        come chunk after chunk); any other is read again for each chunk."""
        chunks = self.chunks()
        if not self.by_day_order or self._cached is not None or len(chunks) <= 1:
            for chunk in chunks:
                if not use(chunk, self.rows(chunk)):
                    return
            return
        index_of = {day: index for index, chunk in enumerate(chunks) for day in chunk}
        current: list[Any] = [0, {}]  # the chunk being read, its rows by day

        def flush() -> None:
            if not use(chunks[current[0]], current[1]):
                raise _Stopped

        def keep(header: list[str], row: SheetRow) -> None:
            day = self._day_of(header, row)
            index = index_of[day]
            if index != current[0]:
                flush()
                current[0], current[1] = index, {}
            current[1].setdefault(day, []).append(row)

        try:
            stream_sheet(self.content, keep, ATTENDANCE_LIMITS)
            flush()
        except _Stopped:
            return


class _Stopped(Exception):
    """The reader of `each_chunk` asked for no more chunks."""


ChunkUse = Callable[[list[Day], dict[Day, list[SheetRow]]], bool]


def _line(row: SheetRow) -> int:
    return row.line


# --- the plan, a chunk at a time -------------------------------------------------------------


def plan_attendance_file(
    file: AttendanceFile,
    *,
    institute_id: int,
    today: datetime.date,
    user: User | None,
    selection: Selection | None = None,
    rehearsed: bool = True,
    busy_days: set[Day] | None = None,
) -> Plan:
    """The preview of an attendance file: counts, problems and the first rows of each outcome.
    A file of no more rows than the other imports allow is `rehearsed` too (its writes done and
    undone, `service_writes.rehearse`); a bigger one relies on the same checks made by the
    planning, which the bulk write makes again under lock. `busy_days`, if given, receives the
    days with a row that is not "unchanged" (the others would write nothing: `range_verdict`)."""
    return _plan_file(
        file, institute_id=institute_id, today=today, user=user, selection=selection,
        rehearsed=rehearsed, busy_days=busy_days, whole=None,
    )  # fmt: skip


def plan_attendance_range(
    file: AttendanceFile,
    *,
    institute_id: int,
    today: datetime.date,
    user: User | None,
    selection: Selection,
    busy_days: set[Day] | None = None,
) -> tuple[Plan, Plan]:
    """The file's preview for the office's choice and its preview as a whole file (what
    `plan_attendance_file` gives with and without `selection`), from one plan: the rows are
    planned once and the choice's problems added to a copy (issue 15: an upload for chosen
    schools and days planned the file twice)."""
    whole = start_plan(ImportKind.ATTENDANCE, file.sheet)[0]
    ranged = _plan_file(
        file, institute_id=institute_id, today=today, user=user, selection=selection,
        rehearsed=True, busy_days=busy_days, whole=whole,
    )  # fmt: skip
    return ranged, whole


def _plan_file(
    file: AttendanceFile,
    *,
    institute_id: int,
    today: datetime.date,
    user: User | None,
    selection: Selection | None,
    rehearsed: bool,
    busy_days: set[Day] | None,
    whole: Plan | None,
) -> Plan:
    """`plan_attendance_file`; `whole`, if given, receives the plan without the selection."""
    plan, header = start_plan(ImportKind.ATTENDANCE, file.sheet)
    if header is None or not check_student_columns(plan, header.positions):
        if whole is not None and header is not None:
            check_student_columns(whole, header.positions)
        return plan
    finders = Finders.of(institute_id)
    small = rehearsed and file.total <= MAX_ROWS

    def chunk(_days: list[Day], by_day: dict[Day, list[SheetRow]]) -> bool:
        sheet = file.sheet_of(by_day)
        part = plan_attendance(
            sheet, institute_id=institute_id, today=today, user=user, finders=finders
        )
        if busy_days is not None:
            busy_days.update(_busy(by_day, part))
        twin = _copy(part) if whole is not None else None
        if selection is not None:
            part.refuse(selection_problems(sheet, finders, selection))
        if small:
            before = len(part.problems)
            rehearse(part)
            if twin is not None:  # the rehearsal's refusals do not depend on the selection
                twin.refuse(part.problems[before:])
        if whole is not None and twin is not None:
            merge(whole, twin)
        merge(plan, part)
        return True

    file.each_chunk(chunk)
    plan.writes = StreamedWrites(file, institute_id=institute_id, today=today, user=user)
    if whole is not None:
        whole.writes = StreamedWrites(file, institute_id=institute_id, today=today, user=user)
    return plan


def _copy(part: Plan) -> Plan:
    """A chunk's plan whose rows and problems can be refused apart from the original's."""
    return Plan(
        kind=part.kind,
        description=part.description,
        notices=list(part.notices),
        problems=list(part.problems),
        rows=[replace(row, details=list(row.details)) for row in part.rows],
        writes=part.writes,
        unknown_students=set(part.unknown_students),
        omitted=dict(part.omitted),
    )


def _busy(by_day: dict[Day, list[SheetRow]], part: Plan) -> set[Day]:
    """The days of a chunk with a row that writes, conflicts or is refused."""
    day_of = {row.line: day for day, rows in by_day.items() for row in rows}
    busy = {day_of.get(row.line) for row in part.rows if row.action != UNCHANGED}
    # (A problem without a line makes the plan unclean: it keeps no verdict at all.)
    busy |= {day_of.get(problem.line) for problem in part.problems if problem.line is not None}
    return busy


def merge(plan: Plan, part: Plan) -> None:
    """Add a chunk's plan to the file's: every problem, the first rows of each outcome."""
    plan.problems.extend(part.problems)
    plan.unknown_students |= part.unknown_students
    kept = Counter(row.action for row in plan.rows)
    for row in part.rows:
        if kept[row.action] < KEPT_ROWS:
            plan.rows.append(row)
            kept[row.action] += 1
        else:
            plan.omitted[row.action] = plan.omitted.get(row.action, 0) + 1


class StreamedWrites:
    """The writes of a whole attendance file, planned again and written a chunk of days at a
    time inside the caller's transaction (all or nothing). `plan` is the plan made meanwhile:
    RowsRefused (its problems are in `plan`) if any row is refused."""

    def __init__(
        self,
        file: AttendanceFile,
        *,
        institute_id: int,
        today: datetime.date,
        user: User | None,
    ) -> None:
        self.file = file
        self.institute_id = institute_id
        self.today = today
        self.user = user
        self.plan = Plan(kind=ImportKind.ATTENDANCE, description=file.sheet.description)

    def apply(self) -> dict[str, int]:
        plan, header = start_plan(ImportKind.ATTENDANCE, self.file.sheet)
        self.plan = plan
        if header is None or not check_student_columns(plan, header.positions):
            raise RowsRefused([])
        finders = Finders.of(self.institute_id)
        written: Counter[str] = Counter()

        def chunk(_days: list[Day], by_day: dict[Day, list[SheetRow]]) -> bool:
            part = plan_attendance(
                self.file.sheet_of(by_day),
                institute_id=self.institute_id,
                today=self.today,
                user=self.user,
                finders=finders,
            )
            if part.ok and part.writes is not None and not plan.problems:
                try:
                    written.update(part.writes.apply())
                except RowsRefused as refused:
                    part.refuse(refused.problems)
            merge(plan, part)
            return True

        self.file.each_chunk(chunk)
        if plan.problems:
            raise RowsRefused([])
        plan.writes = self
        return dict(written)


# --- the office's choice of schools and days --------------------------------------------------


def selection_problems(sheet: Sheet, finders: Finders, selection: Selection) -> list[Problem]:
    """A problem on each line whose day is outside the range, or whose student that day is not
    in one of the chosen schools (unknown students are the preview's own problems)."""
    header = match_header(ImportKind.ATTENDANCE, sheet.header)
    width = len(sheet.header)
    wanted: list[tuple[int, Any, datetime.date]] = []
    problems: list[Problem] = []
    start, end = selection.start, selection.end
    for row in sheet.rows:
        check = RowCheck(row, header, width)
        when = check.parse("data", date_value)
        if when is None:
            continue
        if not start <= when <= end:
            problems.append(
                Problem(
                    row.line,
                    _("il %(day)s è fuori dai giorni scelti (dal %(start)s al %(end)s)")
                    % {"day": day_text(when), "start": day_text(start), "end": day_text(end)},
                )
            )
            continue
        student, _code = finders.students.find(
            as_text(check.cell("codice_fiscale")).upper(), as_text(check.cell("codice_alunno"))
        )
        if student is not None:
            wanted.append((row.line, student, when))
    if wanted:
        enrollments = Enrollments([s.pk for _l, s, _d in wanted], start, end)
        for line, student, when in wanted:
            classroom = enrollments.classroom_on(student, when)
            if classroom is not None and classroom.school_id not in selection.school_ids:
                problems.append(
                    Problem(
                        line,
                        _("%(student)s il %(day)s era in una scuola non scelta (%(school)s)")
                        % {
                            "student": student.full_name,
                            "day": day_text(when),
                            "school": classroom.school.name,
                        },
                    )
                )
    return problems
