"""Reads of the class council (scrutinio): who sits, which students and subjects, the grid of
marks, the results, the facts the rules need, and what is missing before a step can be left.

Every function here reads a session the caller already scoped (`rules.sessions_for_user` or
`rules.may_lead`); none decides who may see what. Pages and documents read through here so that
their SQL queries do not grow with the students or the subjects (a constant number per page).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Prefetch, Q, Sum
from django.utils.translation import gettext as _

from campanella.evaluation import proposal_selectors, selectors
from campanella.evaluation.models import (
    CouncilMember,
    Deliberation,
    DeliberationTopic,
    EvaluationSession,
    EvaluationSettings,
    Outcome,
    SessionDocument,
    SessionKind,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.lib import evaluation_rules as rules_lib
from campanella.lib.grades import JUDGEMENTS, SYNTHETIC_JUDGEMENTS
from campanella.people.models import Staff, Student
from campanella.school.models import (
    SchoolKind,
    Subject,
    SubjectKind,
    Teaching,
    TeachingKind,
)

# Subjects of the council's grid: not support (no subject of its own), not behaviour nor civic
# education (their own steps).
OUTSIDE_GRID = (SubjectKind.SUPPORT, SubjectKind.BEHAVIOUR, SubjectKind.CIVICS)
JUDGEMENT_SUBJECTS = (SubjectKind.RELIGION, SubjectKind.ALTERNATIVE)
JUDGEMENT_LABELS = dict(JUDGEMENTS)
SYNTHETIC_LABELS = dict(SYNTHETIC_JUDGEMENTS)
# Outcomes deliberated in the last year of a cycle (State exam) and their meaning for the rules.
EXAM_OUTCOMES: dict[str, str] = {
    Outcome.EXAM_ADMITTED: rules_lib.ADMITTED,
    Outcome.EXAM_NOT_ADMITTED: rules_lib.NOT_ADMITTED,
}
# What the council deliberates, as stored, by the rules' code (the last year: to the exam).
STORED_OUTCOME = {
    rules_lib.ADMITTED: Outcome.ADMITTED,
    rules_lib.NOT_ADMITTED: Outcome.NOT_ADMITTED,
    rules_lib.SUSPENDED: Outcome.SUSPENDED,
    rules_lib.NOT_ASSESSED: Outcome.NOT_ASSESSED,
    rules_lib.WITHDRAWN: Outcome.WITHDRAWN,
    rules_lib.ABROAD: Outcome.ABROAD,
}


# --- the session and the school's criteria -------------------------------------------------


def session_with_context(queryset: Any) -> Any:
    """What every council read needs with the session, in the same query."""
    return queryset.select_related(
        "classroom__school__institute",
        "classroom__school_year",
        "classroom__coordinator",
        "term__school_year",
        "chair",
        "secretary",
        "student",
    )


def level_of(session: EvaluationSession) -> str:
    """primaria / secondaria1 / secondaria2 (the values of `school.SchoolKind`)."""
    return str(session.classroom.school.kind)


def is_primary(session: EvaluationSession) -> bool:
    return level_of(session) == SchoolKind.PRIMARY


def rules_session(session: EvaluationSession) -> str:
    """The kind of session as the rules know it: a postponed session is a final one."""
    if session.kind == SessionKind.DEFERRED:
        return rules_lib.SESSION_FINAL
    return str(session.kind)


def is_last_year(session: EvaluationSession) -> bool:
    """The year that ends with a State exam (lower secondary 3rd, upper secondary 5th)."""
    level, year = level_of(session), session.classroom.year
    return (level, year) in ((SchoolKind.LOWER_SECONDARY, 3), (SchoolKind.UPPER_SECONDARY, 5))


def decides_outcomes(session: EvaluationSession) -> bool:
    return rules_session(session) != rules_lib.SESSION_INTERMEDIATE


def gives_credits(session: EvaluationSession) -> bool:
    return (
        level_of(session) == SchoolKind.UPPER_SECONDARY
        and session.classroom.year in (3, 4, 5)
        and decides_outcomes(session)
    )


def settings_of(institute_id: int) -> EvaluationSettings:
    """The institute's criteria, or the documented defaults when it never set them."""
    found = EvaluationSettings.objects.filter(institute_id=institute_id).first()
    return found or EvaluationSettings(institute_id=institute_id)


def criteria_of(settings: EvaluationSettings) -> rules_lib.SchoolCriteria:
    return rules_lib.SchoolCriteria(
        max_debts_for_suspension=max(1, settings.max_debts_for_suspension),
        lowest_mark=min(5, settings.lowest_mark),
    )


def evaluation_day(session: EvaluationSession) -> datetime.date:
    """The day whose enrolled students the session evaluates (as the proposals read them)."""
    return proposal_selectors.evaluation_day(session.term)


# --- who and what ---------------------------------------------------------------------------


def session_students(session: EvaluationSession) -> list[Student]:
    """The students the session concerns (`selectors.session_students`: a postponed session
    its one student, the integrativo the suspended ones), by name."""
    return list(selectors.session_students(session).only("pk", "surname", "name", "institute_id"))


def taught_subjects(session: EvaluationSession) -> Any:
    """The subjects with a proposing teacher in the classroom (as the proposals read them:
    normal or co-teaching, not behaviour nor support)."""
    return Subject.objects.filter(
        teachings__classroom_id=session.classroom_id,
        teachings__kind__in=proposal_selectors.PROPOSING_KINDS,
    ).exclude(kind__in=proposal_selectors.NOT_PROPOSED)


def session_subjects(session: EvaluationSession) -> list[Subject]:
    """The subjects of the council's grid: those taught in the classroom (as proposed), not
    civic education (its own step); ordinary subjects first, then religion and the
    alternative activity. One query."""
    subjects = taught_subjects(session).exclude(kind__in=OUTSIDE_GRID).distinct()
    return sorted(subjects, key=lambda s: (s.kind in JUDGEMENT_SUBJECTS, s.name.casefold(), s.pk))


def civics_subject(session: EvaluationSession) -> Subject | None:
    """The classroom's civic education subject, whose proposals prefill the civics step."""
    return taught_subjects(session).filter(kind=SubjectKind.CIVICS).order_by("pk").first()


def classroom_teachers(session: EvaluationSession) -> list[Staff]:
    """The council's members by right: every teacher of the classroom (support included),
    each once, by surname."""
    teacher_ids = Teaching.objects.filter(classroom_id=session.classroom_id).values("teacher_id")
    return list(Staff.objects.filter(pk__in=teacher_ids).order_by("surname", "name", "pk"))


def council_members(session: EvaluationSession) -> list[CouncilMember]:
    return list(
        CouncilMember.objects.filter(session=session)
        .select_related("teacher", "substitute")
        .order_by("teacher__surname", "teacher__name", "teacher_id")
    )


def voting_staff_ids(session: EvaluationSession) -> set[int]:
    """Who votes in the council: present members and the substitutes of absent ones."""
    voters: set[int] = set()
    for teacher_id, present, substitute_id in CouncilMember.objects.filter(
        session=session
    ).values_list("teacher_id", "present", "substitute_id"):
        if present:
            voters.add(teacher_id)
        elif substitute_id is not None:
            voters.add(substitute_id)
    return voters


def taught_subjects_by_teacher(session: EvaluationSession) -> dict[int, list[str]]:
    """Teacher id -> the subjects they teach in the classroom ("sostegno" for support)."""
    found: dict[int, list[str]] = {}
    for teaching in Teaching.objects.filter(classroom_id=session.classroom_id).select_related(
        "subject"
    ):
        label = (
            str(TeachingKind.SUPPORT.label)
            if teaching.kind == TeachingKind.SUPPORT
            else teaching.subject.name
        )
        taught = found.setdefault(teaching.teacher_id, [])
        if label not in taught:
            taught.append(label)
    return found


# --- marks ----------------------------------------------------------------------------------


def scale_of(session: EvaluationSession, subject: Subject) -> str:
    """How a subject is marked, as its proposals are: `proposal_selectors.JUDGEMENT`
    (religion, the alternative activity), `SYNTHETIC` (primary school), `NUMERIC`."""
    return proposal_selectors.proposal_scale(
        level_of(session), session.classroom.school_year.start_date, str(subject.kind)
    )


@functools.lru_cache(maxsize=4096)
def number_text(value: Decimal | int | None) -> str:
    """7.00 -> "7", 6.50 -> "6,5" (memoized: a grid repeats a dozen values)."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


class MarkCell:
    """A mark of the grid as pages read it: the values of a SubjectMark without the model
    instance (336 of them cost a third of a page's budget as instances)."""

    FIELDS = (
        "student_id", "subject_id", "proposed_mark", "proposed_judgement", "final_mark",
        "final_judgement", "debt",
    )  # fmt: skip
    __slots__ = tuple(sorted(FIELDS))

    def __init__(
        self,
        student_id: int,
        subject_id: int,
        proposed_mark: Decimal | None,
        proposed_judgement: str,
        final_mark: Decimal | None,
        final_judgement: str,
        debt: bool,
    ) -> None:
        self.student_id, self.subject_id, self.debt = student_id, subject_id, debt
        self.proposed_mark, self.proposed_judgement = proposed_mark, proposed_judgement
        self.final_mark, self.final_judgement = final_mark, final_judgement

    student_id: int
    subject_id: int
    proposed_mark: Decimal | None
    proposed_judgement: str
    final_mark: Decimal | None
    final_judgement: str
    debt: bool

    @property
    def proposed(self) -> bool:
        return self.proposed_mark is not None or bool(self.proposed_judgement)

    @property
    def decided(self) -> bool:
        return self.final_mark is not None or bool(self.final_judgement)


AnyMark = SubjectMark | MarkCell
M = TypeVar("M", SubjectMark, MarkCell)


def final_text(mark: AnyMark | None) -> str:
    if mark is None:
        return ""
    if mark.final_mark is not None:
        return number_text(mark.final_mark)
    return mark.final_judgement


def proposed_text(mark: AnyMark | None) -> str:
    if mark is None:
        return ""
    if mark.proposed_mark is not None:
        return number_text(mark.proposed_mark)
    return mark.proposed_judgement


def rules_mark(mark: AnyMark) -> rules_lib.Mark | None:
    """The final mark as the rules read it: a number, "NC" or a giudizio code."""
    if mark.final_mark is not None:
        return mark.final_mark
    return mark.final_judgement or None


def shown_mark(text: str) -> str:
    """A stored mark or judgement code as people read it."""
    return SYNTHETIC_LABELS.get(text) or JUDGEMENT_LABELS.get(text) or text


@dataclass
class Grid(Generic[M]):
    """The council's grid: students × subjects with their marks (proposal and final)."""

    students: list[Student]
    subjects: list[Subject]
    marks: dict[tuple[int, int], M]
    results: dict[int, StudentResult]

    def mark(self, student_id: int, subject_id: int) -> M | None:
        return self.marks.get((student_id, subject_id))


def marks_grid(session: EvaluationSession, *, with_results: bool = True) -> Grid[SubjectMark]:
    """Students, subjects, marks and results in four queries whatever their numbers."""
    students = session_students(session)
    subjects = session_subjects(session)
    ids = [s.pk for s in students]
    marks = {
        (m.student_id, m.subject_id): m
        for m in SubjectMark.objects.filter(session=session, student_id__in=ids)
    }
    results = results_by_student(session, ids) if with_results else {}
    return Grid(students=students, subjects=subjects, marks=marks, results=results)


def cells_grid(session: EvaluationSession) -> Grid[MarkCell]:
    """The grid as pages read it (no model instance per mark), in four queries."""
    students = session_students(session)
    subjects = session_subjects(session)
    wanted = {s.pk for s in students}
    rows = SubjectMark.objects.filter(session=session).values_list(*MarkCell.FIELDS)
    marks = {(row[0], row[1]): MarkCell(*row) for row in rows if row[0] in wanted}
    results = results_by_student(session, wanted)
    return Grid(students=students, subjects=subjects, marks=marks, results=results)


def results_by_student(
    session: EvaluationSession, student_ids: Iterable[int]
) -> dict[int, StudentResult]:
    return {
        r.student_id: r
        for r in StudentResult.objects.filter(session=session, student_id__in=list(student_ids))
    }


def mark_deliberations(session: EvaluationSession) -> list[Deliberation]:
    """The council's votes on marks changed from the proposal, latest first, with who voted
    against (two queries)."""
    return list(
        Deliberation.objects.filter(session=session)
        .select_related("student", "subject")
        .prefetch_related(Prefetch("against", queryset=Staff.objects.order_by("surname", "name")))
        .order_by("-created_at", "-pk")
    )


def latest_deliberations(
    deliberations: Iterable[Deliberation], topic: str
) -> dict[tuple[int | None, int | None], Deliberation]:
    """The latest deliberation per (student, subject) of a topic."""
    latest: dict[tuple[int | None, int | None], Deliberation] = {}
    for deliberation in deliberations:
        if deliberation.topic == topic:
            latest.setdefault((deliberation.student_id, deliberation.subject_id), deliberation)
    return latest


# --- the facts of the rules -----------------------------------------------------------------


def attendance_ok(result: StudentResult | None) -> bool:
    """Within the limit, or over it with a waiver: the year is valid."""
    return result is None or result.assessed


def marks_by_subject_name(grid: Grid[Any], student_id: int) -> dict[str, rules_lib.Mark]:
    """The student's final marks that count for the outcome (not religion nor the alternative
    activity), by subject name."""
    found: dict[str, rules_lib.Mark] = {}
    for subject in grid.subjects:
        if subject.kind in JUDGEMENT_SUBJECTS:
            continue
        mark = grid.mark(student_id, subject.pk)
        value = rules_mark(mark) if mark else None
        if value is not None:
            found[subject.name] = value
    return found


def behaviour_of(session: EvaluationSession, result: StudentResult | None) -> rules_lib.Mark | None:
    if result is None:
        return None
    if is_primary(session):
        return result.behaviour_judgement or None
    return result.behaviour_mark


def civics_of(session: EvaluationSession, result: StudentResult | None) -> rules_lib.Mark | None:
    if result is None:
        return None
    if result.civics_mark is not None:
        return result.civics_mark
    return result.civics_judgement or None


def debt_names(grid: Grid[Any], student_id: int) -> list[str]:
    return [
        s.name for s in grid.subjects if (m := grid.mark(student_id, s.pk)) is not None and m.debt
    ]


def rules_outcome(outcome: str) -> str:
    """A stored outcome as the rules know it (admitted to the exam: admitted)."""
    return str(EXAM_OUTCOMES.get(outcome, outcome)) if outcome else ""


def outcome_facts(
    session: EvaluationSession,
    grid: Grid[Any],
    student_id: int,
    result: StudentResult,
    *,
    unanimous: bool,
) -> rules_lib.OutcomeFacts:
    """What the rules need to check a student's outcome, as stored."""
    outcome = rules_outcome(result.outcome)
    return rules_lib.OutcomeFacts(
        level=level_of(session),
        year_of_course=session.classroom.year,
        session=rules_session(session),
        outcome=str(outcome),
        marks=marks_by_subject_name(grid, student_id),
        behaviour=behaviour_of(session, result),
        attendance_ok=attendance_ok(result),
        debts=debt_names(grid, student_id) if result.outcome == Outcome.SUSPENDED else (),
        citizenship_assignment=bool(result.citizenship_assignment.strip()),
        reason=result.outcome_reason,
        unanimous=unanimous,
        invalsi_taken=result.invalsi_taken,
        pcto_completed=result.pcto_completed,
        admission_mark=result.admission_mark,
    )


def counting_marks(
    session: EvaluationSession, grid: Grid[Any], student_id: int, result: StudentResult | None
) -> list[rules_lib.Mark]:
    """The final marks that enter the average M (civic education included)."""
    marks: list[rules_lib.Mark] = []
    for subject in grid.subjects:
        if not rules_lib.counts_in_final_average(str(subject.kind)):
            continue
        mark = grid.mark(student_id, subject.pk)
        value = rules_mark(mark) if mark else None
        if value is not None:
            marks.append(value)
    civics = civics_of(session, result)
    if civics is not None:
        marks.append(civics)
    return marks


def average_of(
    session: EvaluationSession, grid: Grid[Any], student_id: int, criteria: rules_lib.SchoolCriteria
) -> Decimal | None:
    """The average M of the final marks and behaviour; None while something is missing or a
    mark is not numeric."""
    result = grid.results.get(student_id)
    behaviour = behaviour_of(session, result)
    if behaviour is None:
        return None
    try:
        return rules_lib.final_average(
            counting_marks(session, grid, student_id, result), behaviour, criteria
        )
    except rules_lib.EvaluationRuleError:
        return None


def earlier_credits(session: EvaluationSession, student_ids: Iterable[int]) -> dict[int, int]:
    """Credits the students got in earlier school years (final or integrativo sessions), in
    one query: what the council carries over."""
    year_start = session.classroom.school_year.start_date
    rows = (
        StudentResult.objects.filter(
            student_id__in=list(student_ids),
            credit__isnull=False,
            session__term__school_year__start_date__lt=year_start,
            session__kind__in=[SessionKind.FINAL, SessionKind.SUPPLEMENTARY, SessionKind.DEFERRED],
        )
        .values("student_id")
        .annotate(total=Sum("credit"))
    )
    return {row["student_id"]: int(row["total"] or 0) for row in rows}


# --- documents ------------------------------------------------------------------------------


def session_documents(session: EvaluationSession) -> list[SessionDocument]:
    """Every version of every document, newest first within each kind."""
    return list(
        SessionDocument.objects.filter(session=session)
        .select_related("created_by")
        .order_by("kind", "-version")
    )


def has_current_minutes(session: EvaluationSession) -> bool:
    """The minutes were made for this version of the session after its last change (the
    closing time included)."""
    return SessionDocument.objects.filter(
        session=session,
        kind="verbale",
        session_version=session.version,
        created_at__gte=session.updated_at,
    ).exists()


# --- what blocks leaving a step (the steps registry's checks) ------------------------------


@dataclass
class Problems:
    """Italian messages, each naming who or what it is about."""

    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.items.append(message)


def opening_problems(session: EvaluationSession) -> list[str]:
    """Date, start time, place, chair and secretary set; every teacher of the classroom in the
    council; every absent member replaced with the protocol of the appointment (a "perfect"
    board)."""
    found = Problems()
    if session.held_on is None:
        found.add(_("Manca la data della seduta."))
    if session.starts_at is None:
        found.add(_("Manca l'ora di inizio della seduta."))
    if not session.place.strip():
        found.add(_("Manca il luogo della seduta."))
    if session.chair_id is None:
        found.add(_("Manca il presidente del consiglio."))
    if session.secretary_id is None:
        found.add(_("Manca il segretario verbalizzante."))
    members = council_members(session)
    known = {m.teacher_id for m in members}
    for teacher in classroom_teachers(session):
        if teacher.pk not in known:
            found.add(
                _("%(name)s non risulta tra i componenti del consiglio.")
                % {"name": teacher.full_name}
            )
    for member in members:
        if member.present:
            continue
        name = member.teacher.full_name
        if member.substitute_id is None:
            found.add(
                _("%(name)s è assente e non ha un sostituto: il consiglio deve essere perfetto.")
                % {"name": name}
            )
        elif not member.substitution_protocol.strip() or member.substitution_date is None:
            found.add(
                _("Manca il protocollo (numero e data) della nomina del sostituto di %(name)s.")
                % {"name": name}
            )
    return found.items


def attendance_problems(session: EvaluationSession) -> list[str]:
    """Lower and upper secondary: the hours read for every student; every student over the
    limit either with a waiver (reason from the school's list) or not assessed."""
    if is_primary(session):
        return []
    found = Problems()
    students = session_students(session)
    results = results_by_student(session, [s.pk for s in students])
    for student in students:
        result = results.get(student.pk)
        if result is None or result.hours_absent is None or result.annual_hours is None:
            found.add(
                _("%(name)s: le ore di assenza non sono state lette dal registro.")
                % {"name": student.full_name}
            )
            continue
        if over_limit(session, result) and result.assessed and not result.waiver_reason:
            found.add(
                _(
                    "%(name)s supera il limite di assenze: indicare la deroga o che non è "
                    "valutabile."
                )
                % {"name": student.full_name}
            )
    return found.items


def over_limit(session: EvaluationSession, result: StudentResult) -> bool:
    if result.hours_absent is None or not result.annual_hours:
        return False
    status = rules_lib.attendance_status(
        level_of(session),
        result.hours_absent,
        annual_hours=result.annual_hours,
        waived_hours=result.waived_hours,
    )
    return status.over_limit


def assessed_students(grid: Grid[Any]) -> list[Student]:
    return [s for s in grid.students if attendance_ok(grid.results.get(s.pk))]


def marks_problems(session: EvaluationSession, grid: Grid[Any] | None = None) -> list[str]:
    """A final mark in every subject for every assessed student (religion and the alternative
    activity only where proposed: not every student takes them)."""
    grid = grid or marks_grid(session)
    found = Problems()
    for student in assessed_students(grid):
        missing = []
        for subject in grid.subjects:
            mark = grid.mark(student.pk, subject.pk)
            if mark is not None and mark.decided:
                continue
            if subject.kind in JUDGEMENT_SUBJECTS and (mark is None or not mark.proposed):
                continue
            missing.append(subject.name)
        if missing:
            found.add(
                _("%(name)s: manca il voto finale in %(subjects)s.")
                % {"name": student.full_name, "subjects": ", ".join(missing)}
            )
    return found.items


def behaviour_problems(session: EvaluationSession, grid: Grid[Any] | None = None) -> list[str]:
    grid = grid or marks_grid(session)
    found = Problems()
    level = level_of(session)
    for student in assessed_students(grid):
        result = grid.results.get(student.pk)
        problems = rules_lib.behaviour_problems(
            level,
            behaviour_of(session, result),
            result.behaviour_reason if result else "",
        )
        for problem in problems:
            found.add(f"{student.full_name}: {problem}")
    return found.items


def civics_problems(session: EvaluationSession, grid: Grid[Any] | None = None) -> list[str]:
    grid = grid or marks_grid(session)
    found = Problems()
    for student in assessed_students(grid):
        if civics_of(session, grid.results.get(student.pk)) is None:
            found.add(
                _("%(name)s: manca la valutazione di educazione civica.")
                % {"name": student.full_name}
            )
    return found.items


def outcomes_problems(session: EvaluationSession, grid: Grid[Any] | None = None) -> list[str]:
    """Final sessions: an outcome for every student, consistent with the rules and the
    school's criteria as they stand now."""
    if not decides_outcomes(session):
        return []
    grid = grid or marks_grid(session)
    criteria = criteria_of(settings_of(session.classroom.school.institute_id))
    unanimous = unanimous_outcomes(session)
    found = Problems()
    for student in grid.students:
        result = grid.results.get(student.pk)
        if result is None or not result.outcome:
            found.add(_("%(name)s: manca l'esito.") % {"name": student.full_name})
            continue
        facts = outcome_facts(session, grid, student.pk, result, unanimous=student.pk in unanimous)
        for problem in rules_lib.outcome_problems(facts, criteria):
            found.add(f"{student.full_name}: {problem}")
        for subject in grid.subjects:
            mark = grid.mark(student.pk, subject.pk)
            if result.outcome != Outcome.SUSPENDED or mark is None or not mark.debt:
                continue
            if not mark.recovery_mode:
                found.add(
                    _("%(name)s: manca la modalità di recupero del debito in %(subject)s.")
                    % {"name": student.full_name, "subject": subject.name}
                )
            if not mark.gaps.strip():
                found.add(
                    _("%(name)s: mancano le carenze del debito in %(subject)s.")
                    % {"name": student.full_name, "subject": subject.name}
                )
    return found.items


def unanimous_outcomes(session: EvaluationSession) -> set[int]:
    """Students whose latest outcome deliberation was unanimous."""
    latest: dict[int, bool] = {}
    for student_id, unanimous in (
        Deliberation.objects.filter(session=session, topic=DeliberationTopic.OUTCOME)
        .order_by("-created_at", "-pk")
        .values_list("student_id", "unanimous")
    ):
        if student_id is not None:
            latest.setdefault(student_id, unanimous)
    return {pk for pk, yes in latest.items() if yes}


def credit_students(grid: Grid[Any], session: EvaluationSession) -> list[Student]:
    """Those who get a credit in this session: admitted (to the next year or the exam) in
    upper secondary years 3–5."""
    if not gives_credits(session):
        return []
    admitted = (Outcome.ADMITTED, Outcome.EXAM_ADMITTED)
    return [
        s
        for s in grid.students
        if (r := grid.results.get(s.pk)) is not None and r.outcome in admitted
    ]


def credits_problems(session: EvaluationSession, grid: Grid[Any] | None = None) -> list[str]:
    if not gives_credits(session):
        return []
    grid = grid or marks_grid(session)
    settings = settings_of(session.classroom.school.institute_id)
    criteria = criteria_of(settings)
    found = Problems()
    for student in credit_students(grid, session):
        result = grid.results[student.pk]
        if result.credit is None:
            found.add(_("%(name)s: manca il credito scolastico.") % {"name": student.full_name})
            continue
        for problem in credit_check(session, grid, student.pk, result, settings, criteria):
            found.add(f"{student.full_name}: {problem}")
    return found.items


def credit_check(
    session: EvaluationSession,
    grid: Grid[Any],
    student_id: int,
    result: StudentResult,
    settings: EvaluationSettings,
    criteria: rules_lib.SchoolCriteria,
    *,
    credit: int | None = None,
    earlier: int | None = None,
    criteria_met: bool | None = None,
) -> list[str]:
    """What is wrong with a student's credit (the stored one, or the given one): inside the
    band of Table A for the average M, the upper point only with behaviour ≥ 9 and the
    school's criteria, the earlier years' credits within their maxima, the total out of 40."""
    year = session.classroom.year
    credit = result.credit if credit is None else credit
    earlier = result.earlier_credits if earlier is None else earlier
    met = result.credit_criteria_met if criteria_met is None else criteria_met
    if credit is None:
        return [_("Manca il credito scolastico.")]
    average = average_of(session, grid, student_id, criteria)
    behaviour = result.behaviour_mark
    if average is None or behaviour is None:
        return [_("Per il credito servono tutti i voti finali e il comportamento.")]
    problems: list[str] = list(
        rules_lib.credit_problems(
            year,
            average,
            credit,
            behaviour=behaviour,
            school_criteria_met=met or not settings.credit_top_needs_criteria,
        )
    )
    problems += earlier_credit_problems(year, earlier or 0, credit)
    return problems


# The most credits the earlier years can carry (3rd: 12; 3rd and 4th: 12 + 13).
EARLIER_MAX = {3: 0, 4: 12, 5: 25}


def earlier_credit_problems(year: int, earlier: int, credit: int) -> list[rules_lib.Problem]:
    problems: list[rules_lib.Problem] = []
    top = EARLIER_MAX.get(year, 0)
    if not 0 <= earlier <= top:
        problems.append(
            rules_lib.Problem(
                _("I crediti degli anni precedenti (%(earlier)s) devono essere tra 0 e %(top)s.")
                % {"earlier": earlier, "top": top},
                "credits_earlier_invalid",
            )
        )
    if earlier + credit > rules_lib.MAX_TOTAL_CREDITS:
        problems.append(
            rules_lib.Problem(
                _("Il credito complessivo (%(total)s) supera i 40 punti.")
                % {"total": earlier + credit},
                "credits_total_over",
            )
        )
    return problems


def minutes_problems(session: EvaluationSession) -> list[str]:
    found = Problems()
    if not session.minutes_number.strip():
        found.add(_("Manca il numero del verbale."))
    if session.ends_at is None:
        found.add(_("Manca l'ora di chiusura della seduta."))
    elif session.starts_at is not None and session.ends_at <= session.starts_at:
        found.add(_("L'ora di chiusura precede quella di inizio."))
    if not found.items and not has_current_minutes(session):
        found.add(_("Il verbale non è stato generato dopo l'ultima modifica: generarlo."))
    return found.items


CHECKS: dict[str, Callable[[EvaluationSession], list[str]]] = {
    Step.OPENING: opening_problems,
    Step.ATTENDANCE: attendance_problems,
    Step.MARKS: marks_problems,
    Step.BEHAVIOUR: behaviour_problems,
    Step.CIVICS: civics_problems,
    Step.OUTCOMES: outcomes_problems,
    Step.CREDITS: credits_problems,
    Step.MINUTES: minutes_problems,
}


def step_problems(session: EvaluationSession, step: str) -> list[str]:
    check = CHECKS.get(Step(step)) if step in Step.values else None
    return check(session) if check is not None else []


def staff_of_institute(institute_id: int) -> Any:
    return Staff.objects.filter(institute_id=institute_id, active=True).filter(
        Q(is_teacher=True) | Q(is_principal=True)
    )
