"""The class council's services: each step's content, its refusals, its history."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from campanella.audit.models import Change
from campanella.audit.services import history_of
from campanella.evaluation import council
from campanella.evaluation import council_selectors as cs
from campanella.evaluation.council import (
    AttendanceDecision,
    BehaviourInput,
    CivicsInput,
    CouncilError,
    CreditInput,
    MarkInput,
    MemberInput,
    NotAllowed,
    OutcomeInput,
    StepRefused,
)
from campanella.evaluation.models import (
    CouncilMember,
    Deliberation,
    DeliberationTopic,
    Outcome,
    RecoveryMode,
    SessionKind,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.register.models import Absence
from campanella.school.models import SchoolKind
from tests.conftest import Cast
from tests.evaluation.council_support import (
    at_step,
    council_session,
    decide,
    opened,
    propose,
    staff,
    students,
)
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def written() -> tuple[int, int, int, int, int]:
    return (
        SubjectMark.objects.count(),
        StudentResult.objects.count(),
        Deliberation.objects.count(),
        CouncilMember.objects.count(),
        Change.objects.count(),
    )


# --- refusals common to every step ----------------------------------------------------------


def test_a_teacher_who_does_not_lead_is_refused_as_not_found(cast: Cast) -> None:
    session = council_session(cast, step=Step.MARKS)
    propose(session, cast, {(cast.child, cast.maths): 6})
    before = written()
    for user in (cast.teacher, cast.office, cast.other_teacher, cast.foreign_office):
        with pytest.raises(NotAllowed):
            council.final_marks_save(
                user=user,
                session=session,
                marks=[MarkInput(cast.child.pk, cast.maths.pk, "7")],
            )
    assert written() == before


def test_a_steps_data_written_at_another_step_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.OPENING)
    before = written()
    with pytest.raises(StepRefused) as refused:
        council.final_marks_save(
            user=cast.coordinator,
            session=session,
            marks=[MarkInput(cast.child.pk, cast.maths.pk, "7")],
        )
    assert refused.value.code == "wrong_step"
    assert refused.value.status == 409
    assert "voti finali" in refused.value.message
    with pytest.raises(StepRefused):
        council.behaviour_save(
            user=cast.coordinator,
            session=session,
            entries=[BehaviourInput(cast.child.pk, "8", "Corretto")],
        )
    assert written() == before


def test_a_locked_session_refuses_everything(cast: Cast) -> None:
    session = council_session(cast, step=Step.LOCKED)
    with pytest.raises(StepRefused) as refused:
        council.minutes_close(
            user=cast.principal,
            session=session,
            ends_at=datetime.time(18, 0),
            minutes_number="3",
        )
    assert refused.value.code == "session_locked"


# --- 1. opening -----------------------------------------------------------------------------


def test_opening_records_the_council_and_a_perfect_board_needs_every_absent_replaced(
    cast: Cast,
) -> None:
    session = council_session(cast)
    substitute = StaffFactory(institute=cast.institute, is_teacher=True)
    council.opening_save(
        user=cast.coordinator,
        session=session,
        held_on=session.term.end_date,
        starts_at=datetime.time(15, 0),
        place="Aula 12",
        chair_id=staff(cast.principal).pk,
        secretary_id=staff(cast.coordinator).pk,
        minutes_number="7",
        members=[MemberInput(staff(cast.teacher).pk, present=False)],
    )
    members = {m.teacher_id: m for m in cs.council_members(session)}
    assert set(members) == {staff(cast.teacher).pk, staff(cast.coordinator).pk}
    assert members[staff(cast.coordinator).pk].present
    problems = cs.opening_problems(session)
    assert any("non ha un sostituto" in p for p in problems)

    council.opening_save(
        user=cast.coordinator,
        session=session,
        held_on=session.term.end_date,
        starts_at=datetime.time(15, 0),
        place="Aula 12",
        chair_id=staff(cast.principal).pk,
        secretary_id=staff(cast.coordinator).pk,
        members=[MemberInput(staff(cast.teacher).pk, present=False, substitute_id=substitute.pk)],
    )
    assert any("protocollo" in p for p in cs.opening_problems(session))
    council.opening_save(
        user=cast.coordinator,
        session=session,
        held_on=session.term.end_date,
        starts_at=datetime.time(15, 0),
        place="Aula 12",
        chair_id=staff(cast.principal).pk,
        secretary_id=substitute.pk,
        minutes_number="7",
        members=[
            MemberInput(
                staff(cast.teacher).pk,
                present=False,
                substitute_id=substitute.pk,
                protocol="1234/A",
                protocol_date=session.term.end_date,
            )
        ],
    )
    session.refresh_from_db()
    assert cs.opening_problems(session) == []
    assert cs.voting_staff_ids(session) == {substitute.pk, staff(cast.coordinator).pk}
    session.refresh_from_db()
    assert session.place == "Aula 12"
    assert Change.objects.filter(object_id=session.pk, reason="Apertura della seduta").exists()


def test_opening_refuses_a_substitute_who_sits_already_and_a_secretary_from_outside(
    cast: Cast,
) -> None:
    session = council_session(cast)
    outsider = StaffFactory(institute=cast.institute, is_teacher=True)
    before = written()
    with pytest.raises(CouncilError) as refused:
        council.opening_save(
            user=cast.coordinator,
            session=session,
            held_on=session.term.end_date,
            starts_at=datetime.time(15, 0),
            place="Aula 12",
            chair_id=staff(cast.principal).pk,
            secretary_id=outsider.pk,
            members=[
                MemberInput(
                    staff(cast.teacher).pk,
                    present=False,
                    substitute_id=staff(cast.coordinator).pk,
                )
            ],
        )
    codes = {d["code"] for d in refused.value.details}
    assert codes == {"substitute_member", "secretary_unknown"}
    assert written() == before
    with pytest.raises(CouncilError) as refused:
        council.opening_save(
            user=cast.coordinator,
            session=session,
            held_on=session.term.end_date,
            starts_at=datetime.time(15, 0),
            place="Aula 12",
            chair_id=staff(cast.principal).pk,
            secretary_id=staff(cast.teacher).pk,
            members=[MemberInput(staff(cast.other_teacher).pk)],
        )
    assert refused.value.code == "member_unknown"


# --- 2. attendance --------------------------------------------------------------------------


def test_attendance_reads_the_register_and_over_the_limit_needs_a_waiver_or_not_assessed(
    cast: Cast,
) -> None:
    session = opened(council_session(cast, step=Step.ATTENDANCE), cast)
    year = cast.classroom_1a.school_year
    day = year.lessons_start
    days = 0
    while days < 60:  # 120 hours of 2-hour days: over a quarter of the year's ~340
        if day.weekday() < 5:
            Absence.objects.create(
                student=cast.child, classroom=cast.classroom_1a, date=day, recorded_by=cast.teacher
            )
            days += 1
        day += datetime.timedelta(days=1)
    council.attendance_save(user=cast.coordinator, session=session)
    result = StudentResult.objects.get(session=session, student=cast.child)
    assert result.hours_absent and result.annual_hours
    assert cs.over_limit(session, result)
    assert any("supera il limite" in p for p in cs.attendance_problems(session))

    before = written()
    with pytest.raises(CouncilError) as refused:
        council.attendance_save(
            user=cast.coordinator,
            session=session,
            decisions=[AttendanceDecision(cast.child.pk, waiver_reason="Vacanze")],
        )
    assert refused.value.code == "waiver_reason_invalid"
    assert written() == before

    reason = cs.settings_of(cast.institute.pk).waiver_reason_list()[0]
    council.attendance_save(
        user=cast.coordinator,
        session=session,
        decisions=[
            AttendanceDecision(
                cast.child.pk, waiver_reason=reason, against=(staff(cast.teacher).pk,)
            )
        ],
    )
    assert cs.attendance_problems(session) == []
    vote = Deliberation.objects.get(session=session, topic=DeliberationTopic.ATTENDANCE)
    assert not vote.unanimous
    assert list(vote.against.all()) == [staff(cast.teacher)]

    council.attendance_save(
        user=cast.coordinator,
        session=session,
        decisions=[AttendanceDecision(cast.child.pk, assessed=False)],
    )
    result.refresh_from_db()
    assert not result.assessed and result.waiver_reason == ""


def test_attendance_within_the_limit_cannot_be_declared_not_assessed(cast: Cast) -> None:
    session = council_session(cast, step=Step.ATTENDANCE)
    with pytest.raises(CouncilError) as refused:
        council.attendance_save(
            user=cast.coordinator,
            session=session,
            decisions=[AttendanceDecision(cast.child.pk, assessed=False)],
        )
    assert refused.value.code == "attendance_ok"


# --- 3. final marks -------------------------------------------------------------------------


def test_final_marks_changed_from_the_proposal_are_deliberations_and_failing_ones_debts(
    cast: Cast,
) -> None:
    session = council_session(cast, step=Step.MARKS)
    opened(session, cast)
    propose(session, cast, {(cast.child, cast.maths): 5, (cast.child, cast.italian): 7})
    saved = council.final_marks_save(
        user=cast.coordinator,
        session=session,
        marks=[
            MarkInput(cast.child.pk, cast.maths.pk, "5"),
            MarkInput(cast.child.pk, cast.italian.pk, "6", against=(staff(cast.teacher).pk,)),
            MarkInput(cast.adult_student.pk, cast.maths.pk, "NC"),
        ],
    )
    assert saved.changed == 3 and saved.deliberations == 2
    maths = SubjectMark.objects.get(session=session, student=cast.child, subject=cast.maths)
    assert maths.final_mark == Decimal(5) and maths.debt
    italian = SubjectMark.objects.get(session=session, student=cast.child, subject=cast.italian)
    assert italian.final_mark == Decimal(6) and not italian.debt
    nc = SubjectMark.objects.get(session=session, student=cast.adult_student, subject=cast.maths)
    assert nc.final_judgement == "NC" and nc.debt
    vote = Deliberation.objects.get(session=session, subject=cast.italian)
    assert not vote.unanimous and [s.pk for s in vote.against.all()] == [staff(cast.teacher).pk]
    assert Deliberation.objects.get(session=session, student=cast.adult_student).unanimous
    # The same values again change nothing and deliberate nothing.
    again = council.final_marks_save(
        user=cast.coordinator,
        session=session,
        marks=[MarkInput(cast.child.pk, cast.italian.pk, "6")],
    )
    assert again == council.MarksSaved(changed=0, deliberations=0)


def test_a_mark_out_of_scale_is_refused_and_nothing_is_written(cast: Cast) -> None:
    session = council_session(cast, step=Step.MARKS)
    before = written()
    for text, code in (
        ("11", "mark_out_of_range"),
        ("sette", "mark_invalid"),
        ("6,5", "mark_not_whole"),
    ):
        with pytest.raises(CouncilError) as refused:
            council.final_marks_save(
                user=cast.coordinator,
                session=session,
                marks=[
                    MarkInput(cast.child.pk, cast.italian.pk, "7"),
                    MarkInput(cast.child.pk, cast.maths.pk, text),
                ],
            )
        assert refused.value.code == code
        assert "Matematica" in refused.value.message
    assert written() == before


def test_a_cell_outside_the_grid_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.MARKS)
    with pytest.raises(CouncilError) as refused:
        council.final_marks_save(
            user=cast.coordinator,
            session=session,
            marks=[MarkInput(cast.sibling.pk, cast.maths.pk, "7")],
        )
    assert refused.value.code == "cell_unknown"


def test_marks_from_proposals_fill_only_empty_cells(cast: Cast) -> None:
    session = council_session(cast, step=Step.MARKS)
    propose(session, cast, {(cast.child, cast.maths): 4, (cast.child, cast.italian): 8})
    council.final_marks_save(
        user=cast.coordinator,
        session=session,
        marks=[MarkInput(cast.child.pk, cast.italian.pk, "9")],
    )
    assert council.marks_from_proposals(user=cast.coordinator, session=session) == 1
    grid = cs.marks_grid(session)
    assert cs.final_text(grid.mark(cast.child.pk, cast.maths.pk)) == "4"
    assert grid.mark(cast.child.pk, cast.maths.pk).debt  # type: ignore[union-attr]
    assert cs.final_text(grid.mark(cast.child.pk, cast.italian.pk)) == "9"
    assert any("manca il voto finale" in p for p in cs.marks_problems(session))


def test_the_vote_of_a_deliberation_is_corrected_with_history(cast: Cast) -> None:
    session = council_session(cast, step=Step.MARKS)
    opened(session, cast)
    propose(session, cast, {(cast.child, cast.maths): 6})
    council.final_marks_save(
        user=cast.coordinator,
        session=session,
        marks=[MarkInput(cast.child.pk, cast.maths.pk, "7")],
    )
    vote = Deliberation.objects.get(session=session)
    council.deliberation_vote(
        user=cast.coordinator,
        session=session,
        deliberation_id=vote.pk,
        against=[staff(cast.teacher).pk],
    )
    vote.refresh_from_db()
    assert not vote.unanimous
    with pytest.raises(CouncilError) as refused:
        council.deliberation_vote(
            user=cast.coordinator,
            session=session,
            deliberation_id=vote.pk,
            against=[staff(cast.other_teacher).pk],
        )
    assert refused.value.code == "against_not_member"
    change = history_of(vote).get(action="update")
    assert change.before["against"] == [] and change.after["against"] == [staff(cast.teacher).pk]


# --- 4. behaviour and civics ----------------------------------------------------------------


def test_behaviour_needs_a_whole_mark_and_a_reason(cast: Cast) -> None:
    session = council_session(cast, step=Step.BEHAVIOUR)
    before = written()
    with pytest.raises(CouncilError) as refused:
        council.behaviour_save(
            user=cast.coordinator,
            session=session,
            entries=[BehaviourInput(cast.child.pk, "8", "")],
        )
    assert refused.value.code == "behaviour_reason_missing"
    with pytest.raises(CouncilError) as refused:
        council.behaviour_save(
            user=cast.coordinator,
            session=session,
            entries=[BehaviourInput(cast.child.pk, "8,5", "Corretto")],
        )
    assert refused.value.code == "behaviour_invalid"
    assert written() == before
    council.behaviour_save(
        user=cast.coordinator,
        session=session,
        entries=[BehaviourInput(cast.child.pk, "5", "Gravi sanzioni disciplinari")],
    )
    result = StudentResult.objects.get(session=session, student=cast.child)
    assert result.behaviour_mark == Decimal(5)
    assert Deliberation.objects.filter(topic=DeliberationTopic.BEHAVIOUR).count() == 1


def test_primary_behaviour_and_civics_are_giudizi(cast: Cast) -> None:
    cast.school.kind = SchoolKind.PRIMARY
    cast.school.save()
    session = council_session(cast, step=Step.BEHAVIOUR)
    council.behaviour_save(
        user=cast.coordinator,
        session=session,
        entries=[BehaviourInput(cast.child.pk, "Distinto")],
    )
    assert StudentResult.objects.get(student=cast.child).behaviour_judgement == "distinto"
    with pytest.raises(CouncilError):
        council.behaviour_save(
            user=cast.coordinator,
            session=session,
            entries=[BehaviourInput(cast.child.pk, "8", "Corretto")],
        )
    at_step(session, Step.CIVICS)
    council.civics_save(
        user=cast.coordinator, session=session, entries=[CivicsInput(cast.child.pk, "buono")]
    )
    assert StudentResult.objects.get(student=cast.child).civics_judgement == "buono"


def test_civics_mark_out_of_scale_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.CIVICS)
    with pytest.raises(CouncilError) as refused:
        council.civics_save(
            user=cast.coordinator, session=session, entries=[CivicsInput(cast.child.pk, "0")]
        )
    assert refused.value.code == "mark_out_of_range"
    council.civics_save(
        user=cast.coordinator, session=session, entries=[CivicsInput(cast.child.pk, "8")]
    )
    assert cs.civics_problems(session) == [
        f"{s.full_name}: manca la valutazione di educazione civica."
        for s in cs.session_students(session)
        if s.pk != cast.child.pk
    ]


# --- 5. outcomes ----------------------------------------------------------------------------


def test_behaviour_five_and_admitted_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.OUTCOMES)
    decide(session, cast, behaviour=5)
    before = written()
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[OutcomeInput(cast.child.pk, Outcome.ADMITTED)],
        )
    assert refused.value.code == "behaviour_not_admitted"
    assert written() == before


def test_suspended_needs_debts_with_recovery_modes(cast: Cast) -> None:
    session = council_session(cast, step=Step.OUTCOMES)
    decide(session, cast, marks={cast.child: (4, 7)})
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[OutcomeInput(cast.child.pk, Outcome.SUSPENDED)],
        )
    assert refused.value.code == "recovery_mode_missing"
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[OutcomeInput(cast.child.pk, Outcome.ADMITTED)],
        )
    assert refused.value.code == "admitted_with_failing"
    council.outcomes_save(
        user=cast.coordinator,
        session=session,
        entries=[
            OutcomeInput(
                cast.child.pk,
                Outcome.SUSPENDED,
                recovery={cast.maths.pk: RecoveryMode.COURSE},
                gaps={cast.maths.pk: "Equazioni di secondo grado"},
            ),
            OutcomeInput(cast.adult_student.pk, Outcome.ADMITTED),
            OutcomeInput(cast.other_child.pk, Outcome.ADMITTED),
        ],
    )
    maths = SubjectMark.objects.get(session=session, student=cast.child, subject=cast.maths)
    assert maths.recovery_mode == RecoveryMode.COURSE
    assert maths.gaps == "Equazioni di secondo grado"
    assert cs.outcomes_problems(session) == []


def test_suspension_exists_only_in_upper_secondary_years_one_to_four(cast: Cast) -> None:
    session = council_session(cast, step=Step.OUTCOMES, year=5)
    decide(session, cast, marks={cast.child: (4, 7)})
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[
                OutcomeInput(
                    cast.child.pk, Outcome.SUSPENDED, recovery={cast.maths.pk: RecoveryMode.COURSE}
                )
            ],
        )
    assert refused.value.code == "suspended_not_here"
    # In the 5th year "admitted" is to the State exam: with one subject below 6, reasoned.
    council.outcomes_save(
        user=cast.coordinator,
        session=session,
        entries=[
            OutcomeInput(cast.child.pk, Outcome.ADMITTED, reason="Impegno costante nell'anno")
        ],
    )
    assert StudentResult.objects.get(student=cast.child).outcome == Outcome.EXAM_ADMITTED


def test_lower_secondary_third_year_admission_needs_the_admission_mark(cast: Cast) -> None:
    cast.school.kind = SchoolKind.LOWER_SECONDARY
    cast.school.save()
    session = council_session(cast, step=Step.OUTCOMES, year=3)
    decide(session, cast)
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[OutcomeInput(cast.child.pk, Outcome.ADMITTED)],
        )
    assert refused.value.code == "admission_mark_missing"
    council.outcomes_save(
        user=cast.coordinator,
        session=session,
        entries=[OutcomeInput(cast.child.pk, Outcome.ADMITTED, admission_mark=8)],
    )
    assert StudentResult.objects.get(student=cast.child).admission_mark == 8


def test_no_outcomes_in_an_intermediate_session(cast: Cast) -> None:
    session = council_session(cast, step=Step.OUTCOMES, kind=SessionKind.INTERMEDIATE)
    with pytest.raises(CouncilError) as refused:
        council.outcomes_save(
            user=cast.coordinator,
            session=session,
            entries=[OutcomeInput(cast.child.pk, Outcome.ADMITTED)],
        )
    assert refused.value.code == "outcome_in_intermediate"


# --- 6. credits -----------------------------------------------------------------------------


def admitted(session: object, cast: Cast) -> None:
    for student in students(cast):
        StudentResult.objects.filter(student=student).update(outcome=Outcome.ADMITTED)


def test_a_credit_outside_the_band_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.CREDITS, year=3)
    decide(session, cast, marks={cast.child: (7, 7)}, behaviour=9, civics=7)  # M = 7.25
    admitted(session, cast)
    before = written()
    with pytest.raises(CouncilError) as refused:
        council.credits_save(
            user=cast.coordinator,
            session=session,
            entries=[CreditInput(cast.child.pk, 12, criteria_met=True)],
        )
    assert refused.value.code == "credit_out_of_band"
    assert "9–10" in refused.value.message
    assert written() == before
    council.credits_save(
        user=cast.coordinator,
        session=session,
        entries=[CreditInput(cast.child.pk, 10, criteria_met=True)],
    )
    result = StudentResult.objects.get(student=cast.child)
    assert (result.credit, result.average, result.earlier_credits) == (10, Decimal("7.50"), 0)


def test_the_top_of_the_band_needs_behaviour_nine(cast: Cast) -> None:
    session = council_session(cast, step=Step.CREDITS, year=3)
    decide(session, cast, behaviour=8)  # M = 7.25, band 9–10
    admitted(session, cast)
    with pytest.raises(CouncilError) as refused:
        council.credits_save(
            user=cast.coordinator,
            session=session,
            entries=[CreditInput(cast.child.pk, 10, criteria_met=True)],
        )
    assert refused.value.code == "credit_upper_point_behaviour"
    council.credits_save(
        user=cast.coordinator, session=session, entries=[CreditInput(cast.child.pk, 9)]
    )


def test_earlier_credits_are_carried_and_the_total_is_out_of_forty(cast: Cast) -> None:
    session = council_session(cast, step=Step.CREDITS, year=5)
    decide(session, cast, behaviour=9)
    admitted(session, cast)
    with pytest.raises(CouncilError) as refused:
        council.credits_save(
            user=cast.coordinator,
            session=session,
            entries=[CreditInput(cast.child.pk, 11, earlier_credits=30)],
        )
    assert refused.value.code == "credits_earlier_invalid"
    council.credits_save(
        user=cast.coordinator,
        session=session,
        entries=[CreditInput(cast.child.pk, 11, earlier_credits=21)],
    )
    assert StudentResult.objects.get(student=cast.child).earlier_credits == 21


def test_a_credit_for_a_student_not_admitted_is_refused(cast: Cast) -> None:
    session = council_session(cast, step=Step.CREDITS, year=3)
    decide(session, cast)
    with pytest.raises(CouncilError) as refused:
        council.credits_save(
            user=cast.coordinator, session=session, entries=[CreditInput(cast.child.pk, 9)]
        )
    assert refused.value.code == "credit_not_due"


# --- 8. minutes -----------------------------------------------------------------------------


def test_the_minutes_close_after_the_start(cast: Cast) -> None:
    session = council_session(cast, step=Step.MINUTES)
    opened(session, cast)
    with pytest.raises(CouncilError) as refused:
        council.minutes_close(
            user=cast.coordinator,
            session=session,
            ends_at=datetime.time(14, 0),
            minutes_number="12",
        )
    assert refused.value.code == "ends_before_start"
    council.minutes_close(
        user=cast.coordinator, session=session, ends_at=datetime.time(17, 30), minutes_number="12"
    )
    session.refresh_from_db()
    assert cs.minutes_problems(session) == [
        "Il verbale non è stato generato dopo l'ultima modifica: generarlo."
    ]


def test_the_principal_leads_too_and_a_stranger_is_not_a_principal_here(cast: Cast) -> None:
    session = council_session(cast, step=Step.MINUTES)
    council.minutes_close(
        user=cast.principal, session=session, ends_at=datetime.time(17, 30), minutes_number="1"
    )
    foreign_principal = UserFactory()
    StaffFactory(user=foreign_principal, is_principal=True)
    with pytest.raises(NotAllowed):
        council.minutes_close(
            user=foreign_principal,
            session=session,
            ends_at=datetime.time(17, 30),
            minutes_number="1",
        )


def test_the_councils_history_reads_in_italian(cast: Cast) -> None:
    from campanella.audit.models import Change
    from campanella.audit.reading import readable_changes

    session = opened(council_session(cast, step=Step.MARKS), cast)
    propose(session, cast, {(cast.child, cast.maths): 6})
    council.final_marks_save(
        user=cast.coordinator,
        session=session,
        marks=[MarkInput(cast.child.pk, cast.maths.pk, "7", against=(staff(cast.teacher).pk,))],
    )
    entries = readable_changes(Change.objects.filter(institute_id=cast.institute.pk))
    assert {e.kind for e in entries} >= {"Voto dello scrutinio", "Delibera"}
    text = " ".join(
        f"{e.kind} {e.about} " + " ".join(f"{x.label} {x.before} {x.after}" for x in e.lines)
        for e in entries
    )
    assert "Scrutinio" in text and "Contrari" in text
    for english in ("Session", "Created at", "Against", "Final mark"):
        assert english not in text
