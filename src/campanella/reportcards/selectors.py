"""Reads of report cards, shaped for the pages and the API in a constant number of queries.
None decides who may see what: callers pass what `rules` allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from campanella.evaluation import council_selectors as cs
from campanella.evaluation import selectors as evaluation_selectors
from campanella.evaluation.models import EvaluationSession, Outcome, StudentResult, SubjectMark
from campanella.lib import evaluation_rules as rules_lib
from campanella.people.models import Student
from campanella.reportcards import rules
from campanella.reportcards.models import ReportCardBundle, ViewConfirmation
from campanella.school.models import SchoolKind

ADMITTED = frozenset({Outcome.ADMITTED, Outcome.EXAM_ADMITTED})
NOT_ADMITTED = frozenset({Outcome.NOT_ADMITTED, Outcome.EXAM_NOT_ADMITTED, Outcome.NOT_ASSESSED})


def session_label(session: EvaluationSession) -> str:
    term = session.term
    kind = session.get_kind_display()
    return f"{kind[:1].upper()}{kind[1:]} – {term.number}° {term.get_kind_display()}"


@dataclass(frozen=True)
class FamilyCard:
    session: EvaluationSession
    student: Student
    confirmed_at: Any  # datetime of this login's confirmation of the current version, or None

    @property
    def label(self) -> str:
        return session_label(self.session)


def family_cards(user: Any) -> list[FamilyCard]:
    """The published report cards of this login's children (or their own), newest period
    first, with whether this login confirmed the current version. Two queries."""
    results = (
        StudentResult.objects.filter(
            student__in=rules.family_students(user),
            session__in=rules.published_sessions(),
        )
        .select_related("student", "session__classroom", "session__term")
        .order_by("student__surname", "student__name", "-session__term__start_date", "-pk")
    )
    rows = list(results)
    confirmed = {
        (c.session_id, c.student_id, c.report_card.session_version): c.confirmed_at
        for c in ViewConfirmation.objects.filter(
            user_id=getattr(user, "pk", None) or 0, session_id__in={r.session_id for r in rows}
        ).select_related("report_card")
    }
    return [
        FamilyCard(
            session=r.session,
            student=r.student,
            confirmed_at=confirmed.get((r.session_id, r.student_id, r.session.version)),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class MarkLine:
    subject: str
    mark: str
    hours_absent: int | None


def mark_text(session: EvaluationSession, mark: Any, judgement: str) -> str:
    if mark is not None:
        figure = cs.number_text(mark)
        if session.classroom.school.kind == SchoolKind.UPPER_SECONDARY:
            return f"{figure} ({rules_lib.mark_in_letters(mark)})"
        return figure
    if judgement == rules_lib.NC:
        return "NC (non classificato)"
    return cs.shown_mark(judgement) if judgement else "—"


@dataclass(frozen=True)
class CardDetail:
    marks: list[MarkLine]
    result: StudentResult | None
    behaviour: str
    civics: str
    outcome: str
    average: str
    credits: bool


def card_detail(session: EvaluationSession, student: Student) -> CardDetail:
    """What the family's own page shows of a report card (the PDF has all of it). Two queries."""
    marks = (
        SubjectMark.objects.filter(session=session, student=student)
        .select_related("subject")
        .order_by("subject__name", "subject_id")
    )
    lines = [
        MarkLine(m.subject.name, mark_text(session, m.final_mark, m.final_judgement),
                 m.hours_absent if session.classroom.school.kind != SchoolKind.PRIMARY else None)
        for m in marks
        if m.decided and m.subject.kind not in cs.OUTSIDE_GRID
    ]  # fmt: skip
    result = StudentResult.objects.filter(session=session, student=student).first()
    final = session.kind in rules.OUTCOME_KINDS
    behaviour = civics = outcome = average = ""
    if result is not None:
        if result.behaviour_mark is not None or result.behaviour_judgement:
            behaviour = mark_text(session, result.behaviour_mark, result.behaviour_judgement)
        if result.civics_mark is not None or result.civics_judgement:
            civics = mark_text(session, result.civics_mark, result.civics_judgement)
        if final and result.outcome:
            outcome = str(result.get_outcome_display())
        if result.average is not None:
            average = cs.number_text(result.average)
    credits = bool(final and result is not None and result.credit is not None)
    return CardDetail(lines, result, behaviour, civics, outcome, average, credits)


@dataclass(frozen=True)
class OutcomeLine:
    student: Student
    outcome: str  # "Ammesso/a", "Non ammesso/a" or "" (told only to the family)
    credit: int | None
    total: int | None


def class_outcomes(session: EvaluationSession) -> tuple[list[OutcomeLine], bool]:
    """The class list (MIM note 9168/2020): only admitted / not admitted, and in years 3–5 of
    upper secondary the credits; nothing else (no marks, no suspended judgements' subjects:
    any other outcome is told to the family only). Two queries."""
    students = list(evaluation_selectors.session_students(session))
    results = {
        r.student_id: r for r in StudentResult.objects.filter(session=session, student__in=students)
    }
    credits = cs.gives_credits(session)
    lines = []
    for student in students:
        result = results.get(student.pk)
        ending = {"M": "o", "F": "a"}.get(student.sex, "o/a")
        outcome, credit, total = "", None, None
        if result is not None and result.outcome in ADMITTED:
            outcome = f"Ammess{ending}"
            if credits and result.credit is not None:
                credit = result.credit
                total = result.credit + (result.earlier_credits or 0)
        elif result is not None and result.outcome in NOT_ADMITTED:
            outcome = f"Non ammess{ending}"
        lines.append(OutcomeLine(student, outcome, credit, total))
    return lines, credits


@dataclass(frozen=True)
class ConfirmationLine:
    student: Student
    confirmations: list[ViewConfirmation]


def confirmations_overview(session: EvaluationSession) -> list[ConfirmationLine]:
    """Per student of the session: who confirmed its current version and when (none: not
    confirmed yet). Two queries."""
    students = list(evaluation_selectors.session_students(session))
    by_student: dict[int, list[ViewConfirmation]] = {}
    for confirmation in (
        ViewConfirmation.objects.filter(
            session=session, report_card__session_version=session.version
        )
        .select_related("user")
        .order_by("confirmed_at", "pk")
    ):
        by_student.setdefault(confirmation.student_id, []).append(confirmation)
    return [ConfirmationLine(s, by_student.get(s.pk, [])) for s in students]


def confirmation_history(
    session: EvaluationSession, student: Student
) -> QuerySet[ViewConfirmation]:
    """Every confirmation of every version, oldest first."""
    return (
        ViewConfirmation.objects.filter(session=session, student=student)
        .select_related("user", "report_card")
        .order_by("confirmed_at", "pk")
    )


def followed_overview(user: Any) -> list[EvaluationSession]:
    return list(
        rules.followed_sessions(user)
        .select_related("classroom__school", "term", "publication")
        .order_by("-term__start_date", "classroom__year", "classroom__section", "kind", "pk")
    )


def bundles_of(session: EvaluationSession) -> list[ReportCardBundle]:
    return list(ReportCardBundle.objects.filter(session=session)[:5])
