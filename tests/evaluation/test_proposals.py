"""Proposals read from the register and adjusted by teachers (issue 12, item 3)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.audit.models import Change
from campanella.evaluation.models import (
    EvaluationSession,
    EvaluationSettings,
    MarkRounding,
    RecoveryMode,
    SessionKind,
    Step,
    SubjectMark,
)
from campanella.evaluation.proposal_selectors import session_grid
from campanella.evaluation.proposals import (
    NotAllowed,
    ProposalError,
    last_reading,
    proposal_change,
    proposal_from_average,
    proposal_problems,
    proposals_read,
)
from campanella.grades.models import Grade, ScaleKind
from campanella.people.models import Staff, Student, User
from campanella.register.models import Absence, EarlyExit, LateEntry, Lesson
from campanella.school.models import (
    Classroom,
    HourSlot,
    Subject,
    SubjectKind,
    Term,
)
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def term_of(cast: Cast) -> Term:
    return Term.objects.get(school=cast.school)


def weekday_in(term: Term, weekday: int, week: int = 2) -> datetime.date:
    """The `weekday` (0 = Monday) of the term's `week`-th full week."""
    day = term.start_date + datetime.timedelta(days=7 * week)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def grade(
    student: Student, subject: Subject, day: datetime.date, value: str | None = None,
    *, classroom: Classroom, weight: str = "1", counts: bool = True, judgement: str = "",
) -> Grade:  # fmt: skip
    teacher = Staff.objects.filter(teachings__classroom=classroom, teachings__subject=subject)[0]
    return Grade.objects.create(
        student=student, classroom=classroom, subject=subject, teacher=teacher, date=day,
        kind="orale", scale=ScaleKind.JUDGEMENT if judgement else ScaleKind.NUMERIC,
        value=Decimal(value) if value is not None else None, judgement=judgement,
        weight=Decimal(weight), counts_in_average=counts, recorded_by=teacher.user,
    )  # fmt: skip


def new_teacher(cast: Cast) -> Staff:
    return f.StaffFactory(institute=cast.institute, user=f.UserFactory())  # type: ignore[no-any-return]


def read(cast: Cast, user: User | None = None, **options: Any) -> Any:
    return proposals_read(
        user=user or cast.coordinator, classrooms=[cast.classroom_1a], term=term_of(cast),
        **options,
    )  # fmt: skip


def mark_of(cast: Cast, student: Student, subject: Subject) -> SubjectMark:
    return SubjectMark.objects.get(
        session__classroom=cast.classroom_1a, student=student, subject=subject
    )


# --- averages to proposals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "rounding", "lowest", "expected"),
    [
        ("6.50", MarkRounding.HALF_UP, 1, "7"),
        ("6.49", MarkRounding.HALF_UP, 1, "6"),
        ("6.50", MarkRounding.HALF_DOWN, 1, "6"),
        ("6.51", MarkRounding.HALF_DOWN, 1, "7"),
        ("6.25", MarkRounding.HALVES, 1, "6.5"),
        ("6.24", MarkRounding.HALVES, 1, "6"),
        ("6.75", MarkRounding.HALVES, 1, "7"),
        ("2.10", MarkRounding.HALF_UP, 3, "3"),
        ("10.00", MarkRounding.HALVES, 1, "10"),
    ],
)
def test_rounding_settings(average: str, rounding: str, lowest: int, expected: str) -> None:
    assert proposal_from_average(Decimal(average), rounding, lowest) == Decimal(expected)


def test_the_proposal_is_the_weighted_average_of_the_term_grades_that_count(cast: Cast) -> None:
    term = term_of(cast)
    day = weekday_in(term, 0)
    c1a = cast.classroom_1a
    grade(cast.child, cast.maths, day, "5", classroom=c1a)
    grade(cast.child, cast.maths, day, "8", weight="3", classroom=c1a)
    grade(cast.child, cast.maths, day, "2", counts=False, classroom=c1a)  # non fa media
    cancelled = grade(cast.child, cast.maths, day, "1", classroom=c1a)
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    grade(cast.child, cast.maths, term.end_date + datetime.timedelta(days=1), "2", classroom=c1a)
    grade(cast.child, cast.maths, term.start_date - datetime.timedelta(days=1), "2", classroom=c1a)
    outcome = read(cast)
    assert outcome.created == 6  # 3 students × 2 subjects
    mark = mark_of(cast, cast.child, cast.maths)
    assert mark.register_average == Decimal("7.25")  # (5 + 8×3) / 4
    assert mark.grades_count == 2
    assert mark.proposed_mark == Decimal("7")
    assert mark.teacher == Staff.objects.get(user=cast.teacher)
    assert not mark.changed_by_hand and mark.read_at is not None
    session = EvaluationSession.objects.get(classroom=c1a)
    assert session.kind == SessionKind.FINAL  # the year's only term is its last
    # Every row written has its history, naming the student and the classroom.
    history = Change.objects.get(object_id=mark.pk, content_type__model="subjectmark")
    assert history.actor == cast.coordinator
    assert (history.student_ref, history.classroom_ref) == (cast.child.pk, c1a.pk)


def test_unweighted_averages_and_halves_follow_the_school(cast: Cast) -> None:
    cast.institute.weighted_averages = False
    cast.institute.save()
    EvaluationSettings.objects.create(
        institute=cast.institute, proposal_rounding=MarkRounding.HALVES
    )
    day = weekday_in(term_of(cast), 1)
    grade(cast.child, cast.maths, day, "5", classroom=cast.classroom_1a)
    grade(cast.child, cast.maths, day, "7.75", weight="3", classroom=cast.classroom_1a)
    read(cast)
    mark = mark_of(cast, cast.child, cast.maths)
    assert mark.register_average == Decimal("6.38")  # (5 + 7.75) / 2, weights ignored
    assert mark.proposed_mark == Decimal("6.5")


def test_no_grades_no_proposal(cast: Cast) -> None:
    read(cast)
    mark = mark_of(cast, cast.other_child, cast.italian)
    assert mark.grades_count == 0
    assert mark.register_average is None
    assert not mark.proposed


def test_judgement_subjects_propose_the_judgement_given_most_often(cast: Cast) -> None:
    religion = f.SubjectFactory(institute=cast.institute, name="Religione", short_name="IRC",
                                kind=SubjectKind.RELIGION)  # fmt: skip
    f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=religion, weekly_hours=1)
    f.TeachingFactory(classroom=cast.classroom_1a, subject=religion, teacher=new_teacher(cast))
    term = term_of(cast)
    c1a = cast.classroom_1a
    for week, given in enumerate(["buono", "distinto", "distinto", "buono"]):
        grade(cast.child, religion, weekday_in(term, 2, week + 1), judgement=given, classroom=c1a)
    grade(cast.adult_student, religion, weekday_in(term, 2, 1), judgement="ottimo", classroom=c1a)
    read(cast)
    child = mark_of(cast, cast.child, religion)
    assert (child.proposed_judgement, child.proposed_mark, child.grades_count) == ("buono", None, 4)
    assert mark_of(cast, cast.adult_student, religion).proposed_judgement == "ottimo"


# --- hours absent ------------------------------------------------------------------------------


def test_hours_absent_per_subject_from_lessons_timetable_and_attendance(cast: Cast) -> None:
    """1A: maths at the 1st hour (8:00–8:55), Italian at the 2nd (9:00–9:55), every day."""
    term = term_of(cast)
    c1a, child = cast.classroom_1a, cast.child
    slots = {s.number: s for s in HourSlot.objects.filter(school=cast.school)}
    office = cast.office
    common = {"student": child, "classroom": c1a, "recorded_by": office}
    monday, tuesday, wednesday = (weekday_in(term, d) for d in (0, 1, 2))
    thursday, friday = weekday_in(term, 3), weekday_in(term, 4)
    Absence.objects.create(date=monday, **common)  # whole day: maths and Italian
    Absence.objects.create(date=tuesday, slot=slots[1], **common)  # the 1st hour: maths
    # On Wednesday the register says the 1st hour was Italian, and had no other lesson.
    Lesson.objects.create(classroom=c1a, date=wednesday, slot=slots[1], subject=cast.italian)
    Absence.objects.create(date=wednesday, **common)  # Italian once
    LateEntry.objects.create(date=thursday, time=datetime.time(9, 30), slot=slots[2], **common)
    EarlyExit.objects.create(date=friday, time=datetime.time(9, 0), slot=slots[2], **common)
    # Outside the term, cancelled, or within the short-late minutes: not counted.
    Absence.objects.create(date=term.end_date + datetime.timedelta(days=3), **common)
    Absence.objects.create(
        date=weekday_in(term, 0, 3), cancelled_at=timezone.now(), cancelled_by=office, **common
    )
    LateEntry.objects.create(
        date=weekday_in(term, 1, 3), time=datetime.time(8, 5), slot=slots[1], **common
    )
    read(cast)
    assert mark_of(cast, child, cast.maths).hours_absent == 3  # Mon, Tue, Thu
    assert mark_of(cast, child, cast.italian).hours_absent == 4  # Mon, Wed, Thu, Fri
    assert mark_of(cast, cast.other_child, cast.maths).hours_absent == 0


# --- re-reading --------------------------------------------------------------------------------


def test_a_hand_change_survives_a_re_read_and_goes_with_overwrite(cast: Cast) -> None:
    day = weekday_in(term_of(cast), 0)
    grade(cast.child, cast.maths, day, "7", classroom=cast.classroom_1a)
    read(cast)
    session = EvaluationSession.objects.get(classroom=cast.classroom_1a)
    proposal_change(
        user=cast.teacher, session=session, student=cast.child, subject=cast.maths, mark="5",
        gaps="Equazioni di primo grado", recovery_mode=RecoveryMode.COURSE,
    )  # fmt: skip
    grade(cast.child, cast.maths, day, "9", classroom=cast.classroom_1a)
    outcome = read(cast)
    mark = mark_of(cast, cast.child, cast.maths)
    assert outcome.kept == 1
    assert mark.proposed_mark == Decimal("5") and mark.changed_by_hand
    assert mark.register_average == Decimal("8.00")  # the register's figures refreshed
    assert mark.grades_count == 2
    outcome = read(cast, overwrite=True)
    mark.refresh_from_db()
    assert outcome.kept == 0
    assert (mark.proposed_mark, mark.changed_by_hand, mark.gaps) == (Decimal("8"), False, "")
    assert Change.objects.filter(object_id=mark.pk, content_type__model="subjectmark").count() == 4


def test_a_re_read_without_news_writes_no_history(cast: Cast) -> None:
    grade(cast.child, cast.maths, weekday_in(term_of(cast), 0), "7", classroom=cast.classroom_1a)
    read(cast)
    before = Change.objects.count()
    outcome = read(cast)
    assert (outcome.created, outcome.updated) == (0, 0)
    # Only the reading itself, in the session's history.
    assert Change.objects.count() == before + 1
    session = EvaluationSession.objects.get(classroom=cast.classroom_1a)
    reading = last_reading(session)
    assert reading is not None and reading.actor == cast.coordinator


def test_a_locked_or_advanced_session_is_not_read(cast: Cast) -> None:
    read(cast)
    session = EvaluationSession.objects.get(classroom=cast.classroom_1a)
    grade(cast.child, cast.maths, weekday_in(term_of(cast), 0), "7", classroom=cast.classroom_1a)
    for step, locked_at in ((Step.OPENING, None), (Step.LOCKED, timezone.now())):
        EvaluationSession.objects.filter(pk=session.pk).update(step=step, locked_at=locked_at)
        before = list(SubjectMark.objects.values())
        with pytest.raises(ProposalError):
            read(cast)
        assert list(SubjectMark.objects.values()) == before


def test_who_may_read(cast: Cast) -> None:
    for user in (cast.teacher, cast.other_teacher, cast.guardian, cast.outsider,
                 cast.foreign_office, cast.child_user):  # fmt: skip
        with pytest.raises(NotAllowed):
            read(cast, user)
    with pytest.raises(NotAllowed):  # 1A's coordinator, for 2B
        proposals_read(user=cast.coordinator, classrooms=[cast.classroom_1a, cast.classroom_2b],
                       term=term_of(cast))  # fmt: skip
    assert not SubjectMark.objects.exists() and not EvaluationSession.objects.exists()
    for user in (cast.office, cast.principal):
        proposals_read(user=user, classrooms=[cast.classroom_1a, cast.classroom_2b],
                       term=term_of(cast))  # fmt: skip
    assert EvaluationSession.objects.count() == 2


# --- queries -----------------------------------------------------------------------------------


def another_classroom(cast: Cast, section: str, students: int, subjects: int) -> Classroom:
    classroom = f.ClassroomFactory(school=cast.school, school_year=cast.classroom_1a.school_year,
                                   year=3, section=section)  # fmt: skip
    term = term_of(cast)
    slot = HourSlot.objects.filter(school=cast.school).first()
    for n in range(subjects):
        subject = f.SubjectFactory(institute=cast.institute, name=f"Materia {section}{n}")
        f.ClassroomSubjectFactory(classroom=classroom, subject=subject, weekly_hours=2)
        f.TeachingFactory(classroom=classroom, subject=subject, teacher=new_teacher(cast))
        if n == 0:
            Lesson.objects.create(
                classroom=classroom, date=weekday_in(term, 0), slot=slot, subject=subject
            )
    for _ in range(students):
        student = f.EnrollmentFactory(classroom=classroom).student
        for subject in Subject.objects.filter(teachings__classroom=classroom):
            grade(student, subject, weekday_in(term, 0), "6", classroom=classroom)
        Absence.objects.create(student=student, classroom=classroom, date=weekday_in(term, 0),
                               recorded_by=cast.office)  # fmt: skip
    return classroom


# The history's rows go in batches (Django's bulk_create: SQLite takes 999 values a statement).
BULK_WRITES = ('INSERT INTO "audit_change"',)


def queries_of_read(cast: Cast, classrooms: list[Classroom]) -> tuple[int, int]:
    """(queries, of which the history's bulk inserts: those come in batches, as many rows as
    the database takes in one statement)."""
    with CaptureQueriesContext(connection) as captured:
        proposals_read(user=cast.office, classrooms=classrooms, term=term_of(cast))
    sql = [q["sql"] for q in captured.captured_queries]
    return len(sql), sum(1 for q in sql if q.startswith(BULK_WRITES))


def test_queries_do_not_grow_with_classrooms_students_or_subjects(cast: Cast) -> None:
    small = another_classroom(cast, "S", students=2, subjects=1)
    big = another_classroom(cast, "T", students=12, subjects=6)
    bigger = another_classroom(cast, "U", students=9, subjects=4)
    queries_of_read(cast, [cast.classroom_1a])  # the login's roles, content types: cached
    (few, few_bulk), (many, many_bulk) = (queries_of_read(cast, [small]),
                                          queries_of_read(cast, [big, bigger]))  # fmt: skip
    assert many - many_bulk == few - few_bulk
    rows = SubjectMark.objects.filter(session__classroom__in=[big, bigger]).count()
    assert rows == 12 * 6 + 9 * 4
    assert many_bulk <= rows // 50 + 3  # and the sessions: made, read
    # A re-read that changes every row: still the same count (rows in bulk).
    Grade.objects.filter(classroom__in=[small, big, bigger]).update(value=Decimal("8"))
    (few, few_bulk), (many, many_bulk) = (queries_of_read(cast, [small]),
                                          queries_of_read(cast, [big, bigger]))  # fmt: skip
    assert many - many_bulk == few - few_bulk
    assert many_bulk <= rows // 50 + 3  # and the sessions: made, read


# --- a teacher's own proposals -----------------------------------------------------------------


@pytest.fixture
def session(cast: Cast) -> EvaluationSession:
    read(cast)
    return EvaluationSession.objects.get(classroom=cast.classroom_1a)


def change(cast: Cast, session: EvaluationSession, **values: Any) -> SubjectMark:
    values.setdefault("user", cast.teacher)
    values.setdefault("subject", cast.maths)
    values.setdefault("student", cast.child)
    return proposal_change(session=session, **values)


@pytest.mark.parametrize(
    ("typed", "expected"), [("6", "6"), ("6½", "6.5"), ("6,5", "6.5"), ("10", "10"), (" 7 ", "7")]
)
def test_marks_of_the_scale(
    cast: Cast, session: EvaluationSession, typed: str, expected: str
) -> None:
    mark = change(cast, session, mark=typed)
    assert mark.proposed_mark == Decimal(expected) and mark.changed_by_hand


@pytest.mark.parametrize(
    ("typed", "code"),
    [("7+", "mark_not_half"), ("11", "mark_out_of_range"), ("2", "mark_out_of_range"),
     ("sette", "mark_invalid"), ("", "proposal_missing")],
)  # fmt: skip
def test_marks_out_of_the_scale_are_refused(
    cast: Cast, session: EvaluationSession, typed: str, code: str
) -> None:
    EvaluationSettings.objects.create(institute=cast.institute, lowest_mark=3)
    before = list(SubjectMark.objects.values())
    with pytest.raises(ProposalError) as refused:
        change(cast, session, mark=typed)
    assert refused.value.code == code
    assert list(SubjectMark.objects.values()) == before


def test_a_failing_proposal_needs_gaps_and_a_recovery_mode(
    cast: Cast, session: EvaluationSession
) -> None:
    for typed in ("5", "NC", "5½"):
        with pytest.raises(ProposalError) as refused:
            change(cast, session, mark=typed, gaps="Frazioni")
        assert refused.value.code == "gaps_missing"
    mark = change(cast, session, mark="nc", gaps="Frazioni", recovery_mode=RecoveryMode.SELF_STUDY)
    assert (mark.proposed_mark, mark.proposed_judgement) == (None, "NC")
    history = Change.objects.filter(object_id=mark.pk, content_type__model="subjectmark").first()
    assert history is not None and history.actor == cast.teacher
    assert (
        history.before["proposed_judgement"] == "" and history.after["proposed_judgement"] == "NC"
    )
    assert history.after["gaps"] == "Frazioni" and history.reason == "proposta del docente"


def test_a_teacher_proposes_only_for_their_own_subject(
    cast: Cast, session: EvaluationSession
) -> None:
    before = list(SubjectMark.objects.values())
    changes = Change.objects.count()
    for user, subject in ((cast.teacher, cast.italian), (cast.other_teacher, cast.maths),
                          (cast.office, cast.maths), (cast.principal, cast.maths)):  # fmt: skip
        with pytest.raises(NotAllowed):
            change(cast, session, user=user, subject=subject, mark="7")
    with pytest.raises(NotAllowed):  # a student of another classroom
        change(cast, session, student=cast.sibling, mark="7")
    assert list(SubjectMark.objects.values()) == before
    assert Change.objects.count() == changes


def test_no_change_once_the_session_moved_on_or_is_locked(
    cast: Cast, session: EvaluationSession
) -> None:
    for step, locked_at, code in (
        (Step.MARKS, None, "step_closed"), (Step.LOCKED, timezone.now(), "session_locked"),
    ):  # fmt: skip
        EvaluationSession.objects.filter(pk=session.pk).update(step=step, locked_at=locked_at)
        with pytest.raises(ProposalError) as refused:
            change(cast, session, mark="7")
        assert refused.value.code == code
    assert not SubjectMark.objects.filter(changed_by_hand=True).exists()


def test_a_judgement_subject_takes_a_judgement(cast: Cast, session: EvaluationSession) -> None:
    religion = f.SubjectFactory(institute=cast.institute, name="Religione", short_name="IRC",
                                kind=SubjectKind.RELIGION)  # fmt: skip
    f.ClassroomSubjectFactory(classroom=cast.classroom_1a, subject=religion, weekly_hours=1)
    f.TeachingFactory(classroom=cast.classroom_1a, subject=religion,
                      teacher=Staff.objects.get(user=cast.teacher))  # fmt: skip
    mark = change(cast, session, subject=religion, judgement="dist.")
    assert (mark.proposed_judgement, mark.proposed_mark) == ("distinto", None)
    mark = change(cast, session, subject=religion, mark="insufficiente")  # no gaps asked
    assert mark.proposed_judgement == "insufficiente"
    with pytest.raises(ProposalError):
        change(cast, session, subject=religion, judgement="7")


# --- who is missing ----------------------------------------------------------------------------


def test_missing_proposals_by_teacher_and_subject(cast: Cast, session: EvaluationSession) -> None:
    grade(cast.child, cast.maths, weekday_in(term_of(cast), 0), "4", classroom=cast.classroom_1a)
    read(cast)
    problems = proposal_problems(session)
    coordinator = Staff.objects.get(user=cast.coordinator).full_name
    teacher = Staff.objects.get(user=cast.teacher).full_name
    assert len(problems) == 2
    italian = next(p for p in problems if p.startswith("Italiano"))
    assert coordinator in italian and "mancano le proposte per 3 alunni" in italian
    maths = next(p for p in problems if p.startswith("Matematica"))
    assert teacher in maths and "mancano le proposte per 2 alunni" in maths
    assert "1 proposta insufficiente senza carenze" in maths and cast.child.surname in maths
    for student in (cast.child, cast.adult_student, cast.other_child):
        change(cast, session, student=student, mark="6")
        change(cast, session, student=student, user=cast.coordinator, subject=cast.italian,
               mark="7")  # fmt: skip
    assert proposal_problems(session) == []


# --- deferred sessions --------------------------------------------------------------------------


def test_a_deferred_student_leaves_the_classrooms_session_for_their_own(cast: Cast) -> None:
    term = term_of(cast)
    deferred = EvaluationSession.objects.create(
        classroom=cast.classroom_1a, term=term, kind=SessionKind.DEFERRED, student=cast.child
    )
    read(cast)
    assert not SubjectMark.objects.filter(student=cast.child).exists()
    grid = session_grid(deferred)
    assert [s.pk for s in grid.students] == [cast.child.pk]
    mark = proposal_change(user=cast.teacher, session=deferred, student=cast.child,
                           subject=cast.maths, mark="6")  # fmt: skip
    assert mark.session == deferred
    with pytest.raises(NotAllowed):  # not this session's student
        proposal_change(user=cast.teacher, session=deferred, student=cast.other_child,
                        subject=cast.maths, mark="6")  # fmt: skip
