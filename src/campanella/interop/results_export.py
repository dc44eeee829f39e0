"""Term results out to the back-office (issue 15 item 3): from the locked term-end evaluations
(scrutini) of the schools the office chooses, one row per student × subject × session with the
student's outcome, average and credits on each row (domain reference, "A term result").

Only locked evaluations are read: what is still open can change. Every file taken is recorded
(`ResultsExport`) with the version of each evaluation it held, so the office sees what was sent,
what was never sent, and what was reopened and locked again after it was sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Final, TypedDict

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from campanella.evaluation.models import (
    EvaluationSession,
    SessionKind,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.interop.models import (
    ResultsExport,
    ResultsExportChannel,
    ResultsExportSession,
)
from campanella.lib import tabular_stream
from campanella.school.models import Term

FIELDS: Final = (
    "school_year", "school", "classroom", "session", "codice_fiscale", "surname", "name",
    "subject", "mark", "judgement", "hours_absent", "debt", "recovery_mode", "behaviour",
    "outcome", "average", "credit", "earlier_credits", "locked_at", "session_version",
)  # fmt: skip
FORMATS: Final = ("csv", "xlsx", "json")
CONTENT_TYPES: Final = tabular_stream.CONTENT_TYPES


@dataclass(frozen=True)
class ResultsSelection:
    """Schools of the office's institute, a school year, optionally some kinds of session."""

    institute_id: int
    school_ids: tuple[int, ...]
    school_year_id: int
    kinds: tuple[str, ...] = ()


def sessions_of(selection: ResultsSelection) -> QuerySet[EvaluationSession]:
    """Every evaluation of the selection, locked or not (the page tells which are not yet)."""
    sessions = EvaluationSession.objects.filter(
        classroom__school__institute_id=selection.institute_id,
        classroom__school_id__in=selection.school_ids,
        classroom__school_year_id=selection.school_year_id,
    )
    if selection.kinds:
        sessions = sessions.filter(kind__in=selection.kinds)
    return sessions.select_related("classroom__school", "classroom__school_year", "term")


def locked_sessions(selection: ResultsSelection) -> QuerySet[EvaluationSession]:
    return sessions_of(selection).filter(step=Step.LOCKED).order_by(
        "classroom__school__name", "classroom__year", "classroom__section", "term__start_date",
        "kind", "student__surname",
    )  # fmt: skip


def with_last_export(sessions: QuerySet[EvaluationSession]) -> QuerySet[EvaluationSession]:
    """Each evaluation with when it was last sent and at which version (None: never)."""
    last = ResultsExportSession.objects.filter(session=OuterRef("pk")).order_by("-export_id")
    return sessions.annotate(
        sent_at=Subquery(last.values("export__created_at")[:1]),
        sent_version=Subquery(last.values("session_version")[:1]),
    )


def session_code(session: EvaluationSession, last_term_number: int) -> str:
    """The exchange format's session: first | second | final | integrativo. A deferred
    evaluation (one student, postponed) is the session of its period."""
    if session.kind == SessionKind.SUPPLEMENTARY:
        return "integrativo"
    if session.kind == SessionKind.FINAL or session.term.number >= last_term_number:
        return "final"
    return "first" if session.term.number == 1 else "second"


def _last_terms(sessions: Sequence[EvaluationSession]) -> dict[tuple[int, int], int]:
    pairs = {(s.term.school_year_id, s.term.school_id) for s in sessions}
    years = {year for year, _ in pairs}
    schools = {school for _, school in pairs}
    rows = (
        Term.objects.filter(school_year_id__in=years, school_id__in=schools)
        .values("school_year_id", "school_id")
        .annotate(last=Max("number"))
    )
    return {(row["school_year_id"], row["school_id"]): row["last"] for row in rows}


def _number(value: Decimal | int | None) -> str:
    """7.00 → "7", 6.50 → "6,5" (the decimal comma of the Italian files)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def _json_number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


@dataclass(frozen=True)
class ResultRow:
    school_year: str
    school: str
    classroom: str
    session: str
    codice_fiscale: str
    surname: str
    name: str
    subject: str
    mark: Decimal | None
    judgement: str
    hours_absent: int | None
    debt: bool | None
    recovery_mode: str
    behaviour: str
    outcome: str
    average: Decimal | None
    credit: int | None
    earlier_credits: int | None
    locked_at: str
    session_version: int


class _SessionFacts(TypedDict):
    """What every row of one evaluation repeats."""

    school_year: str
    school: str
    classroom: str
    session: str
    locked_at: str
    session_version: int


def _behaviour(result: StudentResult | None) -> str:
    if result is None:
        return ""
    return _number(result.behaviour_mark) or result.behaviour_judgement


def _session_rows(session: EvaluationSession, code: str) -> Iterator[ResultRow]:
    """The rows of one evaluation: a class's marks are a few hundred, read at once."""
    results = {
        result.student_id: result
        for result in StudentResult.objects.filter(session=session).select_related("student")
    }
    marks = (
        SubjectMark.objects.filter(session=session)
        .select_related("student", "subject")
        .order_by("student__surname", "student__name", "student_id", "subject__name")
    )
    common: _SessionFacts = {
        "school_year": session.classroom.school_year.name,
        "school": session.classroom.school.code,
        "classroom": f"{session.classroom.year}{session.classroom.section}"
        + (f" {session.classroom.track}" if session.classroom.track else ""),
        "session": code,
        "locked_at": timezone.localtime(session.locked_at).strftime("%Y-%m-%d %H:%M:%S")
        if session.locked_at
        else "",
        "session_version": session.version,
    }
    with_marks: set[int] = set()
    for mark in marks:
        with_marks.add(mark.student_id)
        result = results.get(mark.student_id)
        yield ResultRow(
            **common,
            codice_fiscale=mark.student.codice_fiscale,
            surname=mark.student.surname,
            name=mark.student.name,
            subject=mark.subject.name,
            mark=mark.final_mark,
            judgement=mark.final_judgement,
            hours_absent=mark.hours_absent,
            debt=mark.debt,
            recovery_mode=mark.recovery_mode,
            behaviour=_behaviour(result),
            outcome=result.outcome if result else "",
            average=result.average if result else None,
            credit=result.credit if result else None,
            earlier_credits=result.earlier_credits if result else None,
        )
    # A student with an outcome but no subject marks (not assessed, abroad) still has a row.
    for student_id, result in sorted(
        results.items(), key=lambda item: (item[1].student.surname, item[1].student.name)
    ):
        if student_id in with_marks:
            continue
        yield ResultRow(
            **common,
            codice_fiscale=result.student.codice_fiscale,
            surname=result.student.surname,
            name=result.student.name,
            subject="",
            mark=None,
            judgement="",
            hours_absent=result.hours_absent,
            debt=None,
            recovery_mode="",
            behaviour=_behaviour(result),
            outcome=result.outcome,
            average=result.average,
            credit=result.credit,
            earlier_credits=result.earlier_credits,
        )


def result_rows(sessions: Sequence[EvaluationSession]) -> Iterator[ResultRow]:
    last_terms = _last_terms(sessions)
    for session in sessions:
        last = last_terms[(session.term.school_year_id, session.term.school_id)]
        yield from _session_rows(session, session_code(session, last))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("sì" if value else "no")


def cells(row: ResultRow) -> list[object]:
    values: dict[str, object] = {
        **row.__dict__,
        "mark": _number(row.mark),
        "average": _number(row.average),
        "debt": _yes_no(row.debt),
        "hours_absent": "" if row.hours_absent is None else row.hours_absent,
        "credit": "" if row.credit is None else row.credit,
        "earlier_credits": "" if row.earlier_credits is None else row.earlier_credits,
    }
    return [values[name] for name in FIELDS]


def as_json(row: ResultRow) -> dict[str, object]:
    values: dict[str, object] = {
        **row.__dict__,
        "mark": _json_number(row.mark),
        "average": _json_number(row.average),
    }
    for text_field in ("judgement", "recovery_mode", "behaviour", "outcome", "subject"):
        values[text_field] = values[text_field] or None
    return {name: values[name] for name in FIELDS}


@dataclass(frozen=True)
class Sender:
    """Who takes the file: the office's user, the back-office's key or the command."""

    institute_id: int
    channel: ResultsExportChannel
    user_id: int | None = None
    api_key_id: int | None = None


def record_export(
    *, sender: Sender, sessions: Sequence[EvaluationSession], file_format: str
) -> ResultsExport:
    """Mark the evaluations as sent, at the version they have now."""
    marks = SubjectMark.objects.filter(session__in=sessions)
    without_marks = StudentResult.objects.filter(session__in=sessions).exclude(
        Exists(marks.filter(session=OuterRef("session"), student=OuterRef("student")))
    )
    rows = marks.count() + without_marks.count()
    with transaction.atomic():
        export = ResultsExport.objects.create(
            institute_id=sender.institute_id,
            created_by_id=sender.user_id,
            api_key_id=sender.api_key_id,
            channel=sender.channel,
            file_format=file_format,
            rows=rows,
        )
        ResultsExportSession.objects.bulk_create(
            ResultsExportSession(export=export, session=session, session_version=session.version)
            for session in sessions
        )
    return export


def csv_chunks(sessions: Sequence[EvaluationSession]) -> Iterator[bytes]:
    return tabular_stream.csv_chunks(FIELDS, (cells(row) for row in result_rows(sessions)))


def json_chunks(sessions: Sequence[EvaluationSession]) -> Iterator[bytes]:
    return tabular_stream.json_chunks(as_json(row) for row in result_rows(sessions))


def xlsx_file(sessions: Sequence[EvaluationSession]) -> IO[bytes]:
    rows = (cells(row) for row in result_rows(sessions))
    return tabular_stream.xlsx_file(FIELDS, rows, sheet_name="Esiti degli scrutini")


def file_name(school_year: str, extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return f"esiti_{school_year.replace('/', '-')}_{stamp}.{extension}"
