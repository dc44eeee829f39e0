"""Proposals of a scrutinio (domain §3.1): read from the register, adjusted by the teachers.

* `proposals_read` ("lettura valutazioni"): for classrooms of one period, every enrolled
  student × every subject with a teacher gets the register's figures (term average, number of
  grades, hours absent) and, when it has grades, a proposal: the average rounded as the school
  says (`EvaluationSettings.proposal_rounding`), or for judgement subjects the judgement given
  most often (evaluation.proposal_selectors explains every choice). Re-reading refreshes the
  figures always and the proposals too, except those a teacher changed by hand (unless
  `overwrite`). One query per kind of data for all classrooms; rows written in bulk with their
  history (audit).
* `proposal_change`: a teacher's own proposal for a student in their subject: a mark of the
  school's scale (whole or half, Italian notation, or NC), a giudizio; a failing proposal needs
  its gaps (carenze) and recovery mode.
* `proposal_problems`: what is still missing before the council, in Italian (the completeness
  check of the proposals step).

Nothing here writes to a session past the proposals step, a locked one above all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campanella.audit.models import Change, ChangeAction
from campanella.audit.services import (
    change_record,
    changes_record_created,
    changes_record_updated,
    history_of,
    snapshot,
)
from campanella.evaluation import rules, steps
from campanella.evaluation.models import (
    EvaluationSession,
    EvaluationSettings,
    MarkRounding,
    RecoveryMode,
    SessionKind,
    Step,
    SubjectMark,
)
from campanella.evaluation.proposal_selectors import (
    JUDGEMENT,
    NUMERIC,
    SYNTHETIC,
    Figures,
    Missing,
    failing,
    last_term_numbers,
    missing,
    period_terms,
    register_figures,
    scopes_build,
    session_grid,
)
from campanella.lib.grades import (
    GradeError,
    NumericScale,
    format_grade,
    judgement_label,
    parse_grade,
    parse_judgement,
    parse_synthetic_judgement,
    synthetic_judgement_label,
)
from campanella.people.models import Student, User
from campanella.school.models import Classroom, Institute, Subject, Term

NC = "NC"
TOP_MARK = 10
GAPS_LENGTH = 2000
READ_REASON = "lettura delle proposte dal registro"
OVERWRITE_REASON = "lettura delle proposte dal registro, sovrascrivendo le modifiche dei docenti"
CHANGE_REASON = "proposta del docente"
BATCH_SIZE = 2000
# What a re-read may change in a row (written, with its history, only when one of them does).
READ_FIELDS = ("teacher", "register_average", "grades_count", "hours_absent", "proposed_mark",
               "proposed_judgement", "changed_by_hand", "gaps", "recovery_mode")  # fmt: skip


class NotAllowed(Exception):
    """The login may not do this here: pages and the API answer 404, as for a missing one."""


class ProposalError(Exception):
    """A refusal to show as it is (Italian), with a stable `code` for the API."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


def settings_of(institute_id: int) -> EvaluationSettings:
    """The school's criteria, or the defaults when it has not set them (nothing written)."""
    found = EvaluationSettings.objects.filter(institute_id=institute_id).first()
    return found or EvaluationSettings(institute_id=institute_id)


def proposal_from_average(average: Decimal, rounding: str, lowest: int) -> Decimal:
    """The mark proposed for a term average (as the register shows it, two decimals): to the
    nearest whole mark, a half up (6,50 → 7) or down (6,50 → 6), or to the nearest half mark
    (6,25 → 6½, 6,24 → 6); never below the school's lowest mark nor above 10."""
    if rounding == MarkRounding.HALVES:
        mark = (average * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2
    else:
        way = ROUND_HALF_DOWN if rounding == MarkRounding.HALF_DOWN else ROUND_HALF_UP
        mark = average.quantize(Decimal(1), rounding=way)
    return min(max(mark, Decimal(lowest)), Decimal(TOP_MARK)).quantize(Decimal("0.01"))


def step_problem(session: EvaluationSession) -> ProposalError | None:
    """Proposals change only while the session is at its first step."""
    if session.step == Step.LOCKED:
        return ProposalError(
            _("Lo scrutinio di %(c)s è chiuso: le proposte non si possono più cambiare.")
            % {"c": session.classroom},
            "session_locked",
        )
    if session.step != Step.PROPOSALS:
        return ProposalError(
            _(
                "Lo scrutinio di %(c)s è già alla fase «%(step)s»: le proposte si cambiano "
                "solo nella fase delle proposte (il coordinatore può tornarci)."
            )
            % {"c": session.classroom, "step": session.get_step_display()},
            "step_closed",
        )
    return None


# --- reading proposals from the register -------------------------------------------------------


@dataclass
class ReadOutcome:
    """What a reading did: sessions read (and how many created), proposal rows created and
    updated, proposals kept because a teacher changed them, classrooms skipped and why."""

    sessions: list[EvaluationSession] = field(default_factory=list)
    sessions_created: int = 0
    created: int = 0
    updated: int = 0
    kept: int = 0
    skipped: list[tuple[Classroom, str]] = field(default_factory=list)


def sessions_for_period(
    *, user: User, classrooms: Sequence[Classroom], terms: dict[int, Term]
) -> tuple[list[EvaluationSession], int]:
    """The classrooms' sessions of the period (intermediate, or final for the year's last
    term), created when missing with their history; locked for the rest of the transaction.

    Until evaluation.sessions (sessions_create) lands, sessions are created here."""
    wanted: dict[tuple[int, int], str] = {}
    last = last_term_numbers(classrooms, next(iter(terms.values())).school_year_id)
    for classroom in classrooms:
        term = terms[classroom.pk]
        final = term.number == last.get(classroom.school_id)
        wanted[(classroom.pk, term.pk)] = SessionKind.FINAL if final else SessionKind.INTERMEDIATE
    found: dict[tuple[int, int], EvaluationSession] = {}
    for session in EvaluationSession.objects.filter(
        classroom_id__in=[c.pk for c in classrooms],
        student__isnull=True,
        kind__in=[SessionKind.INTERMEDIATE, SessionKind.FINAL],
    ).filter(term_id__in={t.pk for t in terms.values()}):
        key = (session.classroom_id, session.term_id)
        if key in wanted and (key not in found or session.kind == wanted[key]):
            found[key] = session
    new = [
        EvaluationSession(classroom_id=classroom_id, term_id=term_id, kind=kind)
        for (classroom_id, term_id), kind in wanted.items()
        if (classroom_id, term_id) not in found
    ]
    if new:
        EvaluationSession.objects.bulk_create(new)
        changes_record_created(
            instances=new, actor=user, institute_id=classrooms[0].school.institute_id,
            reason=READ_REASON,
        )  # fmt: skip
    ids = [s.pk for s in found.values()] + [s.pk for s in new]
    by_classroom = {c.pk: c for c in classrooms}
    sessions = list(
        EvaluationSession.objects.select_for_update().filter(pk__in=ids).order_by("classroom_id")
    )
    for session in sessions:  # the classrooms as the caller loaded them (school, year)
        session.classroom = by_classroom[session.classroom_id]
        session.term = terms[session.classroom_id]
    return sessions, len(new)


def proposals_read(
    *,
    user: User,
    classrooms: Iterable[Classroom],
    term: Term,
    overwrite: bool = False,
) -> ReadOutcome:
    """Read the proposals of these classrooms for the period of `term` (each classroom's own
    school's term of that number and year). Refused (NotAllowed) unless the login may read
    every one of them; sessions past the proposals step are skipped and listed; a ProposalError
    when nothing can be read. Queries do not grow with classrooms, students or subjects."""
    ids = sorted({c.pk for c in classrooms})
    chosen = list(
        Classroom.objects.filter(pk__in=ids)
        .select_related("school__institute", "school_year")
        .order_by("school__name", "year", "section", "track")
    )
    if len(chosen) != len(ids) or not ids:
        raise NotAllowed
    if any(not rules.may_read_proposals(user, classroom) for classroom in chosen):
        raise NotAllowed
    institute = chosen[0].school.institute
    if any(c.school.institute_id != institute.pk for c in chosen):
        raise NotAllowed
    terms = period_terms(chosen, term)
    lacking = [c for c in chosen if c.pk not in terms]
    if lacking:
        raise ProposalError(
            _("Queste classi non hanno il periodo «%(t)s»: %(c)s.")
            % {"t": term, "c": ", ".join(c.name for c in lacking)},
            "term_mismatch",
        )
    with transaction.atomic():
        return _read(user, chosen, terms, institute, overwrite)


def _read(
    user: User,
    classrooms: list[Classroom],
    terms: dict[int, Term],
    institute: Institute,
    overwrite: bool,
) -> ReadOutcome:
    sessions, created_sessions = sessions_for_period(user=user, classrooms=classrooms, terms=terms)
    outcome = ReadOutcome(sessions_created=created_sessions)
    open_sessions = []
    for session in sessions:
        problem = step_problem(session)
        if problem is None:
            open_sessions.append(session)
        else:
            outcome.skipped.append((session.classroom, problem.message))
    if not open_sessions:
        raise ProposalError(" ".join(why for _classroom, why in outcome.skipped), "nothing_to_read")
    outcome.sessions = open_sessions
    criteria = settings_of(institute.pk)
    scopes = scopes_build(terms, [s.classroom for s in open_sessions])
    figures = register_figures(
        scopes, weighted=institute.weighted_averages, grace_minutes=institute.short_late_minutes
    )
    by_classroom = {s.classroom_id: s for s in open_sessions}
    # The rows already there as plain values: a model object only for those that change.
    names = [f.attname for f in SubjectMark._meta.concrete_fields]
    at = {name: i for i, name in enumerate(names)}
    existing = {
        (values[at["session_id"]], values[at["student_id"]], values[at["subject_id"]]): values
        for values in SubjectMark.objects.filter(session__in=open_sessions)
        .values_list(*names)
        .iterator(chunk_size=5000)
    }
    now = timezone.now()
    new: list[SubjectMark] = []
    changed: list[tuple[SubjectMark, dict[str, Any]]] = []
    for scope in scopes:
        session = by_classroom[scope.classroom.pk]
        for student_id in scope.students:
            for subject_id, teacher_id in scope.teachers.items():
                found = figures.get((scope.classroom.pk, student_id, subject_id), Figures())
                proposal = proposed(found, scope.scales[subject_id], criteria)
                old = existing.get((session.pk, student_id, subject_id))
                if old is None:
                    new.append(SubjectMark(
                        session_id=session.pk, student_id=student_id, subject_id=subject_id,
                        teacher_id=teacher_id, register_average=found.average,
                        grades_count=found.count, hours_absent=found.hours_absent, read_at=now,
                        proposed_mark=proposal[0], proposed_judgement=proposal[1],
                    ))  # fmt: skip
                    continue
                fresh: dict[str, Any] = {
                    "teacher_id": teacher_id, "register_average": found.average,
                    "grades_count": found.count, "hours_absent": found.hours_absent,
                }  # fmt: skip
                by_hand = old[at["changed_by_hand"]]
                if by_hand and not overwrite:
                    outcome.kept += 1
                else:
                    fresh["proposed_mark"], fresh["proposed_judgement"] = proposal
                    if by_hand:
                        fresh.update(changed_by_hand=False, gaps="", recovery_mode="")
                if all(old[at[name]] == value for name, value in fresh.items()):
                    continue
                mark = SubjectMark(**dict(zip(names, old, strict=True)))
                mark._state.adding = False
                before = snapshot(mark)
                for name, value in {**fresh, "read_at": now}.items():
                    setattr(mark, name, value)
                changed.append((mark, before))
    classroom_of = {s.pk: s.classroom_id for s in open_sessions}
    reason = OVERWRITE_REASON if overwrite else READ_REASON
    write(
        new, changed, user=user, institute_id=institute.pk, reason=reason, classroom_of=classroom_of
    )
    # Each session keeps the reading in its history (who, when, whether it overwrote): a
    # row's `read_at` is the reading that last changed it; the grid's figures are the latest.
    changes_record_updated(
        changed=[(session, snapshot(session)) for session in open_sessions], actor=user,
        institute_id=institute.pk, reason=reason,
    )  # fmt: skip
    outcome.created, outcome.updated = len(new), len(changed)
    return outcome


def proposed(
    found: Figures, scale: str, criteria: EvaluationSettings
) -> tuple[Decimal | None, str]:
    """(mark, judgement) proposed from the register: nothing without grades (NC is the
    teacher's choice)."""
    if scale == NUMERIC:
        if found.average is None:
            return None, ""
        return (
            proposal_from_average(found.average, criteria.proposal_rounding, criteria.lowest_mark),
            "",
        )
    return None, found.judgement


def write(
    new: list[SubjectMark],
    changed: list[tuple[SubjectMark, dict[str, Any]]],
    *,
    user: User,
    institute_id: int,
    reason: str,
    classroom_of: dict[int, int],
) -> None:
    """Insert and update in bulk, with their history (the audit app's bulk helpers)."""
    for start in range(0, len(new), BATCH_SIZE):
        batch = new[start : start + BATCH_SIZE]
        marks_insert(batch)
        changes_record_created(
            instances=about_classroom(batch, classroom_of), actor=user, institute_id=institute_id,
            reason=reason,
        )  # fmt: skip
    for start in range(0, len(changed), BATCH_SIZE):
        batch_changed = changed[start : start + BATCH_SIZE]
        rows = [mark for mark, _before in batch_changed]
        marks_update(rows, [*READ_FIELDS, "read_at"])
        about_classroom(rows, classroom_of)
        changes_record_updated(
            changed=batch_changed, actor=user, institute_id=institute_id, reason=reason
        )


# Rows go to the database with one prepared statement each (`executemany`): Django's
# bulk_create and bulk_update prepare every value of every row in Python, which took most of
# a whole institute's reading (docs/benchmarks.md). Values are what the model holds; only
# datetimes need the backend's own form.


def db_values(rows: list[SubjectMark], fields: list[Field[Any, Any]]) -> list[tuple[Any, ...]]:
    prepared: dict[tuple[str, Any], Any] = {}

    def value(row: SubjectMark, field: Field[Any, Any]) -> Any:
        raw = getattr(row, field.attname)
        if raw is None or not isinstance(field, models.DateTimeField):
            return raw
        key = (field.attname, raw)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(raw, connection)
        return prepared[key]

    return [tuple(value(row, field) for field in fields) for row in rows]


def marks_insert(rows: list[SubjectMark]) -> None:
    """INSERT the rows, then read their ids back (one query) for their history."""
    if not rows:
        return
    meta = SubjectMark._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    slots = ", ".join(["%s"] * len(fields))
    # The model's own table and columns; the values go as parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({slots})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, db_values(rows, fields))
    wanted = {(row.session_id, row.student_id, row.subject_id): row for row in rows}
    for pk, session_id, student_id, subject_id in SubjectMark.objects.filter(
        session_id__in={row.session_id for row in rows},
        student_id__in={row.student_id for row in rows},
    ).values_list("pk", "session_id", "student_id", "subject_id"):
        row = wanted.get((session_id, student_id, subject_id))
        if row is not None:
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias
    assert all(row.pk is not None for row in rows)


def marks_update(rows: list[SubjectMark], names: list[str]) -> None:
    """UPDATE these fields of the rows, one statement executed for each."""
    if not rows:
        return
    meta = SubjectMark._meta
    fields = [field for field in meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    where = quote(meta.pk.column)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {where} = %s"  # noqa: S608 - as above
    values = db_values(rows, fields)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, mark.pk) for row, mark in zip(values, rows, strict=True)])


def about_classroom(marks: list[SubjectMark], classroom_of: dict[int, int]) -> list[SubjectMark]:
    """The history of a proposal names its classroom (audit.services.about reads
    `classroom_id`): the office filters the history by classroom."""
    for mark in marks:
        mark.classroom_id = classroom_of[mark.session_id]  # type: ignore[attr-defined]
    return marks


def last_reading(session: EvaluationSession) -> Change | None:
    """The latest reading of the session's proposals from the register (its history), with
    who read: one query."""
    return (
        history_of(session)
        .filter(reason__in=(READ_REASON, OVERWRITE_REASON))
        .order_by("-at", "-pk")
        .first()
    )


# --- a teacher's own proposal ------------------------------------------------------------------


def proposal_parse(text: str, scale: str, lowest: int) -> tuple[Decimal | None, str]:
    """(mark, judgement code) a teacher typed: "7", "6½", "6,5", "NC" for marks; a giudizio
    ("buono", "suff.") for judgement subjects and primary school."""
    typed = text.strip()
    if typed.upper() == NC:
        return None, NC
    if not typed:
        raise ProposalError(empty_message(scale, lowest), "proposal_missing")
    try:
        if scale == JUDGEMENT:
            return None, parse_judgement(typed)
        if scale == SYNTHETIC:
            return None, parse_synthetic_judgement(typed)
        value = parse_grade(typed, NumericScale(minimum=lowest, maximum=TOP_MARK))
    except GradeError as error:
        raise ProposalError(error.message, f"mark_{error.code}") from None
    if value * 2 != (value * 2).to_integral_value():
        raise ProposalError(
            _("Proposta non valida: «%(t)s». Si propone un voto intero o con il mezzo voto "
              "(ad esempio 6 o 6½), oppure NC.") % {"t": typed},
            "mark_not_half",
        )  # fmt: skip
    return value, ""


def empty_message(scale: str, lowest: int) -> str:
    if scale == NUMERIC:
        return _("Scrivere la proposta: un voto da %(low)d a 10 (anche 6½) oppure NC.") % {
            "low": lowest
        }
    return _("Scrivere la proposta: un giudizio (da «non sufficiente» a «ottimo») oppure NC.")


def shown_proposal(mark: SubjectMark | None) -> str:
    """The proposal as the grid shows it: 7, 6½, Buono, Non sufficiente, NC; "" if none."""
    if mark is None:
        return ""
    if mark.proposed_mark is not None:
        return format_grade(mark.proposed_mark)
    return shown_judgement(mark.proposed_judgement)


def shown_judgement(code: str) -> str:
    if not code:
        return ""
    if code == NC:
        return NC
    try:
        return synthetic_judgement_label(code)
    except GradeError:
        pass
    try:
        return judgement_label(code)
    except GradeError:
        return code


@transaction.atomic
def proposal_change(
    *,
    user: User,
    session: EvaluationSession,
    student: Student,
    subject: Subject,
    mark: str = "",
    judgement: str = "",
    gaps: str = "",
    recovery_mode: str = "",
) -> SubjectMark:
    """A teacher's proposal for one student in their own subject (rules.may_propose); the
    session must be at the proposals step. `mark` for numeric subjects, `judgement` for
    judgement subjects and primary school (either accepts NC). A failing proposal needs
    the gaps and a recovery mode. Kept as changed by hand, with its history."""
    locked = (
        EvaluationSession.objects.select_for_update()
        .select_related("classroom__school", "term__school_year")
        .get(pk=session.pk)
    )
    if not rules.may_propose(user, locked, subject.pk):
        raise NotAllowed
    grid = session_grid(locked, [subject.pk])
    scope = grid.scope
    if (
        not grid.subjects
        or student.pk not in scope.students
        or not grid.due(student.pk, subject.pk)
    ):
        raise NotAllowed
    problem = step_problem(locked)
    if problem is not None:
        raise problem
    criteria = settings_of(locked.classroom.school.institute_id)
    scale = scope.scales[subject.pk]
    typed = judgement if scale != NUMERIC else mark
    other = mark if scale != NUMERIC else judgement
    if other.strip() and not typed.strip():
        typed = other  # one input box on the pages: what the subject takes decides
    value, code = proposal_parse(typed, scale, criteria.lowest_mark)
    gaps = gaps.strip()
    if len(gaps) > GAPS_LENGTH:
        raise ProposalError(
            _("Le carenze superano i %(n)d caratteri.") % {"n": GAPS_LENGTH}, "gaps_too_long"
        )
    if recovery_mode and recovery_mode not in RecoveryMode.values:
        raise ProposalError(_("Modalità di recupero non valida."), "recovery_mode_invalid")
    row = (
        SubjectMark.objects.select_for_update()
        .filter(session=locked, student=student, subject=subject)
        .first()
    )
    created = row is None
    if row is None:
        row = SubjectMark(session=locked, student=student, subject=subject)
    before = None if created else snapshot(row)
    row.proposed_mark, row.proposed_judgement = value, code
    row.gaps, row.recovery_mode = gaps, recovery_mode
    row.teacher_id = scope.teachers[subject.pk]
    if scale != JUDGEMENT and failing(row) and not (gaps and recovery_mode):
        raise ProposalError(
            _("La proposta %(p)s è insufficiente: indicare le carenze e la modalità di recupero.")
            % {"p": shown_proposal(row)},
            "gaps_missing",
        )
    if before is not None and snapshot(row) == before and row.changed_by_hand:
        return row  # nothing new: no history of a non-change
    row.changed_by_hand = True
    row.save()
    row.classroom_id = locked.classroom_id  # type: ignore[attr-defined] # see about_classroom
    change_record(
        instance=row, action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
        actor=user, before=before, reason=CHANGE_REASON,
        institute_id=locked.classroom.school.institute_id,
    )  # fmt: skip
    return row


# --- what is missing ---------------------------------------------------------------------------


def proposal_problems(session: EvaluationSession) -> list[str]:
    """The completeness check of the proposals step: every student × subject with a teacher
    has a proposal, and a failing one its gaps and recovery mode; by teacher and subject, in
    Italian. Five queries."""
    grid = session_grid(session)
    return [problem_text(found) for found in missing(grid) if found.count]


def problem_text(found: Missing) -> str:
    who = found.teacher.full_name if found.teacher is not None else _("nessun docente")
    parts = []
    if found.without_proposal:
        parts.append(
            ngettext(
                "manca la proposta per %(n)d alunno (%(names)s)",
                "mancano le proposte per %(n)d alunni (%(names)s)",
                len(found.without_proposal),
            )
            % {"n": len(found.without_proposal), "names": names(found.without_proposal)}
        )
    if found.without_gaps:
        parts.append(
            ngettext(
                "%(n)d proposta insufficiente senza carenze o modalità di recupero (%(names)s)",
                "%(n)d proposte insufficienti senza carenze o modalità di recupero (%(names)s)",
                len(found.without_gaps),
            )
            % {"n": len(found.without_gaps), "names": names(found.without_gaps)}
        )
    return _("%(subject)s (%(teacher)s): %(what)s.") % {
        "subject": found.subject.name, "teacher": who, "what": "; ".join(parts)
    }  # fmt: skip


def names(students: list[Student], shown: int = 5) -> str:
    listed = ", ".join(f"{s.surname} {s.name}" for s in students[:shown])
    more = len(students) - shown
    if more > 0:
        listed += " " + ngettext("e un altro", "e altri %(n)d", more) % {"n": more}
    return listed


# Leaving the proposals step needs every proposal (evaluation.steps runs it, and again at the
# lock).
steps.register_check(Step.PROPOSALS, proposal_problems)
