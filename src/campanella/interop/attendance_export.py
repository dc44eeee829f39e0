"""Attendance events out to the back-office ("leggi", issue 15 item 1): for the schools the
office chooses and a range of days, every absence (a whole day or one lesson hour), late entry
(short or not) and early exit, in the exchange format of docs/interop-format.md — the same
record the attendance import reads, so a file written here imports back as "unchanged".

* **Incremental**: `since` keeps the events whose `last_modified` is later. An event's
  `last_modified` is the latest moment in the history (campanella.audit) of the event or of its
  justification: every write of a register record goes through its service and leaves one, so
  the history is the one clock that misses nothing. With `since`, events cancelled since are
  listed too, with `cancelled` set, so the back-office can drop them.
* **Streamed**: rows are read in chunks and written as they come (CSV and JSON); the XLSX is
  written row by row to a temporary file (XlsxWriter). Memory stays flat whatever the range.
* `hours` are the lesson hours the event costs by the classroom's timetable (the 25 % limit's
  count): the day's hours for a whole-day absence, one for an hour absence, the hours begun
  after the entry or ended after the exit beyond the institute's short-lateness minutes.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from django.contrib.contenttypes.models import ContentType
from django.db.models import DateTimeField, F, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.interop.attendance import ABSENCE, EXIT, LATE, REASONS, SHORT_LATE
from campanella.lib import tabular_stream
from campanella.register.models import (
    Absence,
    EarlyExit,
    Justification,
    JustificationStatus,
    LateEntry,
)
from campanella.register.selectors import missed_entries, weekly_hours
from campanella.school.models import Classroom, TimetableEntry

FIELDS: Final = (
    "codice_fiscale", "date", "kind", "time", "lesson_hour", "hours", "justified",
    "justified_at", "justified_by", "reason_code", "reason_text", "certificate",
    "counts_for_limit", "waiver_code", "recorded_by", "last_modified",
)  # fmt: skip
CANCELLED_FIELD: Final = "cancelled"  # only in incremental exports
CHUNK: Final = 2000
CERTIFICATE_NOTE: Final = "(con certificato medico)"
FORMATS: Final = ("csv", "xlsx", "json")
CONTENT_TYPES: Final = tabular_stream.CONTENT_TYPES


@dataclass(frozen=True)
class Selection:
    """What the office asks for: schools of its institute, a range of days, optionally only
    what changed after a moment."""

    institute_id: int
    school_ids: tuple[int, ...]
    start: datetime.date
    end: datetime.date
    since: datetime.datetime | None = None

    @property
    def incremental(self) -> bool:
        return self.since is not None

    @property
    def fields(self) -> tuple[str, ...]:
        return (*FIELDS, CANCELLED_FIELD) if self.incremental else FIELDS


@dataclass(frozen=True)
class Event:
    """One row of the exchange format, typed."""

    codice_fiscale: str
    date: datetime.date
    kind: str
    time: datetime.time | None
    lesson_hour: int | None
    hours: int
    justified: bool
    justified_at: datetime.datetime | None
    justified_by: str
    reason_code: str
    reason_text: str
    certificate: bool
    recorded_by: str
    last_modified: datetime.datetime
    cancelled: bool

    counts_for_limit: bool = True  # waivers are granted per student in the register, not here
    waiver_code: str = ""

    def sort_key(self) -> tuple[datetime.date, str, int, int]:
        return (self.date, self.codice_fiscale, KIND_ORDER[self.kind], self.lesson_hour or 0)


KIND_ORDER: Final = {ABSENCE: 0, LATE: 1, SHORT_LATE: 1, EXIT: 2}


# --- reading -------------------------------------------------------------------------------------


def _latest_change(model: type[Model], ref: str) -> Subquery:
    content_type = ContentType.objects.get_for_model(model)
    return Subquery(
        Change.objects.filter(content_type=content_type, object_id=OuterRef(ref))
        .order_by("-at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )


def _rows(model: type[Absence | LateEntry | EarlyExit], selection: Selection) -> QuerySet[Any]:
    found = model.objects.filter(
        classroom__school__institute_id=selection.institute_id,
        classroom__school_id__in=selection.school_ids,
        date__gte=selection.start,
        date__lte=selection.end,
    )
    if not selection.incremental:
        found = found.filter(cancelled_at__isnull=True)
    # On SQLite GREATEST is NULL when any argument is: every argument falls back to recorded_at.
    found = found.annotate(
        last_modified=Greatest(
            Coalesce(_latest_change(model, "pk"), F("recorded_at")),
            Coalesce(_latest_change(Justification, "justification_id"), F("recorded_at")),
            Coalesce(F("cancelled_at"), F("recorded_at")),
        )
    )
    if selection.since is not None:
        found = found.filter(last_modified__gt=selection.since)
    columns = [
        "pk", "classroom_id", "date", "slot__number", "student__codice_fiscale",
        "recorded_by__username", "cancelled_at", "last_modified", "justification__status",
        "justification__decided_at", "justification__decided_by__username",
        "justification__reason",
    ]  # fmt: skip
    if model is not Absence:
        columns.append("time")
    if model is LateEntry:
        columns.append("short")
    return found.order_by("date", "student__codice_fiscale", "slot__number").values(*columns)


def split_reason(reason: str) -> tuple[str, str, bool]:
    """The reason as the import writes it ("Motivi di salute: febbre (con certificato
    medico)") back into code, words and certificate."""
    certificate = reason.endswith(CERTIFICATE_NOTE)
    text = reason.removesuffix(CERTIFICATE_NOTE).strip() if certificate else reason
    for code, label in REASONS.items():
        label_text = str(label)
        if text == label_text:
            return code, "", certificate
        if text.startswith(label_text + ": "):
            return code, text.removeprefix(label_text + ": "), certificate
    return "", text, certificate


class Timetables:
    """Each classroom's weekly hours, read once per export."""

    def __init__(self) -> None:
        self._by_classroom: dict[int, dict[int, list[TimetableEntry]]] = {}
        self._grace: dict[int, int] = {}

    def day(self, classroom_id: int, day: datetime.date) -> list[TimetableEntry]:
        if classroom_id not in self._by_classroom:
            self._by_classroom[classroom_id] = weekly_hours(classroom_id)
        return self._by_classroom[classroom_id].get(day.weekday(), [])

    def grace(self, classroom_id: int) -> int:
        if classroom_id not in self._grace:
            classroom = Classroom.objects.select_related("school__institute").get(pk=classroom_id)
            self._grace[classroom_id] = classroom.school.institute.short_late_minutes
        return self._grace[classroom_id]

    def hours(self, kind: str, row: dict[str, Any]) -> int:
        entries = self.day(row["classroom_id"], row["date"])
        if kind == ABSENCE:
            if row["slot__number"] is None:
                return len(entries)
            return 1
        grace = self.grace(row["classroom_id"])
        late, exit_ = (row["time"], None) if kind != EXIT else (None, row["time"])
        return len(missed_entries(entries, late=late, exit_=exit_, grace=grace))


def _event(kind: str, row: dict[str, Any], timetables: Timetables) -> Event:
    accepted = row["justification__status"] == JustificationStatus.ACCEPTED
    code, text, certificate = (
        split_reason(row["justification__reason"] or "") if accepted else ("", "", False)
    )
    return Event(
        codice_fiscale=row["student__codice_fiscale"],
        date=row["date"],
        kind=kind,
        time=row.get("time"),
        lesson_hour=row["slot__number"],
        hours=timetables.hours(kind, row),
        justified=accepted,
        justified_at=row["justification__decided_at"] if accepted else None,
        justified_by=(row["justification__decided_by__username"] or "") if accepted else "",
        reason_code=code,
        reason_text=text,
        certificate=certificate,
        recorded_by=row["recorded_by__username"] or "",
        last_modified=row["last_modified"],
        cancelled=row["cancelled_at"] is not None,
    )


def _events_of(
    model: type[Absence | LateEntry | EarlyExit], selection: Selection, timetables: Timetables
) -> Iterator[Event]:
    for row in _rows(model, selection).iterator(chunk_size=CHUNK):
        if model is Absence:
            kind = ABSENCE
        elif model is LateEntry:
            kind = SHORT_LATE if row["short"] else LATE
        else:
            kind = EXIT
        yield _event(kind, row, timetables)


def attendance_events(selection: Selection) -> Iterator[Event]:
    """Every event of the selection, by day, student and kind, read a chunk at a time."""
    timetables = Timetables()
    models = (Absence, LateEntry, EarlyExit)
    streams = [_events_of(model, selection, timetables) for model in models]
    return heapq.merge(*streams, key=Event.sort_key)


# --- writing -------------------------------------------------------------------------------------


def _local(moment: datetime.datetime | None, *, seconds: bool = False) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return local.isoformat(timespec="seconds") if seconds else local.strftime("%Y-%m-%dT%H:%M")


def _yes(value: bool) -> str:
    return "sì" if value else "no"


def cells(event: Event, fields: tuple[str, ...]) -> list[str | int]:
    """The row as a spreadsheet has it (what the import reads back)."""
    values: dict[str, str | int] = {
        "codice_fiscale": event.codice_fiscale,
        "date": event.date.isoformat(),
        "kind": event.kind,
        "time": event.time.strftime("%H:%M") if event.time else "",
        "lesson_hour": event.lesson_hour if event.lesson_hour is not None else "",
        "hours": event.hours,
        "justified": _yes(event.justified),
        "justified_at": _local(event.justified_at),
        "justified_by": event.justified_by,
        "reason_code": event.reason_code,
        "reason_text": event.reason_text,
        "certificate": _yes(event.certificate),
        "counts_for_limit": _yes(event.counts_for_limit),
        "waiver_code": event.waiver_code,
        "recorded_by": event.recorded_by,
        "last_modified": _local(event.last_modified, seconds=True),
        CANCELLED_FIELD: _yes(event.cancelled),
    }
    return [values[name] for name in fields]


def as_json(event: Event, fields: tuple[str, ...]) -> dict[str, object]:
    values: dict[str, object] = {
        "codice_fiscale": event.codice_fiscale,
        "date": event.date.isoformat(),
        "kind": event.kind,
        "time": event.time.strftime("%H:%M") if event.time else None,
        "lesson_hour": event.lesson_hour,
        "hours": event.hours,
        "justified": event.justified,
        "justified_at": _local(event.justified_at, seconds=True) or None,
        "justified_by": event.justified_by or None,
        "reason_code": event.reason_code or None,
        "reason_text": event.reason_text or None,
        "certificate": event.certificate,
        "counts_for_limit": event.counts_for_limit,
        "waiver_code": event.waiver_code or None,
        "recorded_by": event.recorded_by or None,
        "last_modified": _local(event.last_modified, seconds=True),
        CANCELLED_FIELD: event.cancelled,
    }
    return {name: values[name] for name in fields}


def csv_chunks(events: Iterable[Event], fields: tuple[str, ...]) -> Iterator[bytes]:
    return tabular_stream.csv_chunks(fields, (cells(event, fields) for event in events))


def json_chunks(events: Iterable[Event], fields: tuple[str, ...]) -> Iterator[bytes]:
    return tabular_stream.json_chunks(as_json(event, fields) for event in events)


def xlsx_file(events: Iterable[Event], fields: tuple[str, ...]) -> IO[bytes]:
    rows = (cells(event, fields) for event in events)
    return tabular_stream.xlsx_file(fields, rows, sheet_name="Eventi di presenza")


def file_name(selection: Selection, extension: str) -> str:
    name = f"assenze_{selection.start:%Y%m%d}-{selection.end:%Y%m%d}"
    if selection.since is not None:
        name += f"_dal_{timezone.localtime(selection.since):%Y%m%d%H%M}"
    return f"{name}.{extension}"
