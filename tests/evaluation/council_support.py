"""A class council to test with: the cast's 1ª A (upper secondary; Italian by the coordinator,
maths by the teacher; three students) at a given step of its final session."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from campanella.evaluation.models import (
    CouncilMember,
    EvaluationSession,
    SessionKind,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.people.models import Staff, Student
from campanella.school.models import Term
from tests.conftest import Cast


def staff(user: Any) -> Staff:
    return Staff.objects.get(user=user)


def council_session(
    cast: Cast,
    *,
    step: Step = Step.OPENING,
    kind: SessionKind = SessionKind.FINAL,
    year: int | None = None,
) -> EvaluationSession:
    """1ª A's session of the cast's first term, at `step` (the steps' own service is
    sessions.py's; here the row is set as a test's starting point). Asked again, the same
    session is put at the step."""
    classroom = cast.classroom_1a
    if year is not None:
        classroom.year = year
        classroom.save()
    term = Term.objects.filter(school=cast.school, school_year=classroom.school_year).earliest(
        "start_date"
    )
    session, _created = EvaluationSession.objects.get_or_create(
        classroom=classroom, term=term, kind=kind, student=None
    )
    at_step(session, step)
    return session


def at_step(session: EvaluationSession, step: Step) -> EvaluationSession:
    """Only the step (and the lock time) change: what pages wrote meanwhile stays."""
    locked_at = timezone.now() if step == Step.LOCKED else None
    EvaluationSession.objects.filter(pk=session.pk).update(step=step, locked_at=locked_at)
    session.refresh_from_db()
    return session


def opened(session: EvaluationSession, cast: Cast) -> EvaluationSession:
    """A complete opening: the council of 1ª A, all present."""
    session.held_on = session.term.end_date
    session.starts_at = datetime.time(15, 0)
    session.place = "Aula magna"
    session.chair = staff(cast.principal)
    session.secretary = staff(cast.teacher)
    session.minutes_number = "12"
    session.save()
    for user in (cast.coordinator, cast.teacher):
        CouncilMember.objects.get_or_create(session=session, teacher=staff(user))
    return session


def students(cast: Cast) -> list[Student]:
    return [cast.child, cast.adult_student, cast.other_child]


def propose(session: EvaluationSession, cast: Cast, marks: dict[tuple[Student, Any], Any]) -> None:
    """Proposals (what proposals.py reads from the register) for the given cells."""
    for (student, subject), value in marks.items():
        mark, judgement = (Decimal(value), "") if str(value).isdigit() else (None, str(value))
        SubjectMark.objects.update_or_create(
            session=session,
            student=student,
            subject=subject,
            defaults={"proposed_mark": mark, "proposed_judgement": judgement},
        )


def decide(
    session: EvaluationSession,
    cast: Cast,
    *,
    marks: dict[Student, tuple[int, int]] | None = None,
    behaviour: int = 8,
    civics: int = 7,
) -> None:
    """Final marks (maths, Italian), behaviour and civics for every student, as rows."""
    for student in students(cast):
        maths, italian = (marks or {}).get(student, (7, 7))
        for subject, value in ((cast.maths, maths), (cast.italian, italian)):
            SubjectMark.objects.update_or_create(
                session=session,
                student=student,
                subject=subject,
                defaults={
                    "final_mark": Decimal(value),
                    "proposed_mark": Decimal(value),
                    "debt": value < 6,
                },
            )
        StudentResult.objects.update_or_create(
            session=session,
            student=student,
            defaults={
                "hours_absent": 0,
                "annual_hours": 300,
                "behaviour_mark": Decimal(behaviour),
                "behaviour_reason": "Corretto e partecipe",
                "civics_mark": Decimal(civics),
            },
        )


def completed(cast: Cast, *, year: int = 3, step: Step = Step.MINUTES) -> EvaluationSession:
    """1ª A's final session (3rd year of upper secondary) with everything deliberated: the
    child suspended in maths (gaps, recovery), the adult student admitted with a credit, the
    other child not admitted (behaviour 5); the closing time set."""
    session = opened(council_session(cast, step=step, year=year), cast)
    decide(session, cast, marks={cast.child: (5, 7), cast.other_child: (4, 4)}, behaviour=8)
    SubjectMark.objects.filter(session=session, student=cast.child, subject=cast.maths).update(
        gaps="Equazioni e disequazioni", recovery_mode="corso"
    )
    StudentResult.objects.filter(session=session, student=cast.child).update(
        outcome="sospeso", behaviour_mark=6, citizenship_assignment="La Costituzione e la scuola"
    )
    StudentResult.objects.filter(session=session, student=cast.adult_student).update(
        outcome="ammesso", credit=9, earlier_credits=0, average=Decimal("7.25")
    )
    StudentResult.objects.filter(session=session, student=cast.other_child).update(
        outcome="non_ammesso",
        behaviour_mark=5,
        outcome_reason="Gravi e ripetute violazioni del regolamento",
    )
    session.ends_at = datetime.time(17, 30)
    session.save()
    return session
