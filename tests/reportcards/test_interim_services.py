"""Interim reports (pagellini, issue 13 item 4): prefilled from the register with the
scrutinio proposals' averages, adjusted by each teacher in their own subjects only, published
from a date with nothing visible before it, confirmed by a guardian or the adult student."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from campanella.audit.models import Change
from campanella.evaluation.models import EvaluationSettings, MarkRounding
from campanella.grades.models import Grade, ScaleKind
from campanella.people.models import Staff
from campanella.reportcards import rules
from campanella.reportcards.interim import (
    EntriesRefused,
    Reread,
    interim_confirmation_record,
    interim_marks_change,
    interim_notes_change,
    interim_publication_set,
    interim_reread,
    interim_round_create,
)
from campanella.reportcards.interim_selectors import missing_entries, report_pdf
from campanella.reportcards.models import (
    InterimConfirmation,
    InterimMark,
    InterimReport,
    InterimRound,
)
from campanella.reportcards.services import NotAllowed, ReportCardError
from campanella.school.models import JudgementArea, SchoolKind
from campanella.school.selectors import judgement_descriptions
from tests import factories as f
from tests.conftest import Cast
from tests.reportcards.interim_support import (
    TITLE,
    entry,
    grade,
    interim_round,
    new_round,
    term_of,
)
from tests.reportcards.support import pdf_text

pytestmark = pytest.mark.django_db


def marks_state() -> list[tuple[int, Decimal | None, str, str]]:
    return list(InterimMark.objects.order_by("pk").values_list("pk", "mark", "judgement", "note"))


# --- prefill ---------------------------------------------------------------------------------


def test_the_round_is_prefilled_from_the_register_with_history(cast: Cast) -> None:
    created = new_round(cast)
    assert InterimReport.objects.filter(round=created).count() == 3  # 1A's students
    assert InterimMark.objects.filter(report__round=created).count() == 6  # × maths, Italian
    child_maths = entry(cast, cast.child, cast.maths)
    assert child_maths.register_average == Decimal("5.00")
    assert child_maths.grades_count == 2
    assert child_maths.mark == Decimal(5)
    assert child_maths.teacher is not None and child_maths.teacher.user == cast.teacher
    assert entry(cast, cast.child, cast.italian).mark == Decimal(7)
    assert entry(cast, cast.other_child, cast.maths).mark is None  # no grades: no entry
    assert not child_maths.changed_by_hand
    assert Change.objects.filter(reason__startswith="pagellino: lettura").count() == 7  # + round


def test_prefill_rounds_the_average_as_the_schools_proposals_do(cast: Cast) -> None:
    """The same averages and rounding as the scrutinio's proposals: 6 and 7 average 6,50,
    proposed 6½ by a school that rounds to halves (7 by one rounding half up)."""
    EvaluationSettings.objects.create(
        institute=cast.institute, proposal_rounding=MarkRounding.HALVES
    )
    grade(cast.other_child, cast.maths, "6", classroom=cast.classroom_1a, day=5)
    grade(cast.other_child, cast.maths, "7", classroom=cast.classroom_1a, day=6)
    new_round(cast)
    assert entry(cast, cast.other_child, cast.maths).mark == Decimal("6.50")


def test_a_classroom_of_another_school_is_refused_and_nothing_written(cast: Cast) -> None:
    other_school = f.SchoolFactory(institute=cast.institute, name="Media B")
    foreign = f.ClassroomFactory(
        school=other_school, school_year=cast.classroom_1a.school_year, year=1, section="C"
    )
    with pytest.raises(ReportCardError) as refused:
        interim_round_create(
            user=cast.office, school=cast.school, term=term_of(cast), title="Metà periodo",
            classrooms=[cast.classroom_1a, foreign],
        )  # fmt: skip
    assert refused.value.code == "classroom_outside"
    assert not InterimRound.objects.exists() and not InterimMark.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "teacher", "guardian", "foreign_office"])
def test_only_the_office_creates_a_round(cast: Cast, who: str) -> None:
    with pytest.raises(NotAllowed):
        interim_round_create(
            user=getattr(cast, who), school=cast.school, term=term_of(cast), title="Metà",
            classrooms=[cast.classroom_1a],
        )  # fmt: skip
    assert not InterimRound.objects.exists()


# --- teachers' entries -------------------------------------------------------------------------


def test_the_teacher_adjusts_their_own_subject_with_history(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    changed = interim_marks_change(
        user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
        entries={cast.child.pk: ("6½", "In recupero"), cast.other_child.pk: ("NC", "")},
    )  # fmt: skip
    assert len(changed) == 2
    child = entry(cast, cast.child, cast.maths)
    assert (child.mark, child.note, child.changed_by_hand) == (Decimal("6.5"), "In recupero", True)
    assert entry(cast, cast.other_child, cast.maths).judgement == "NC"
    change = Change.objects.get(reason="pagellino: valutazione del docente", object_id=child.pk)
    assert change.before is not None and change.before["mark"] in ("5.00", "5", 5)
    assert change.actor == cast.teacher


@pytest.mark.parametrize("who", ["coordinator", "other_teacher", "office", "guardian"])
def test_anothers_subject_is_refused_and_nothing_written(cast: Cast, who: str) -> None:
    """The coordinator teaches Italian in 1A, not maths; 2B's teacher nothing in 1A."""
    found = interim_round(cast, complete=False)
    before, changes = marks_state(), Change.objects.count()
    with pytest.raises(NotAllowed):
        interim_marks_change(
            user=getattr(cast, who), interim=found, classroom=cast.classroom_1a,
            subject=cast.maths, entries={cast.child.pk: ("9", "")},
        )  # fmt: skip
    assert marks_state() == before and Change.objects.count() == changes


def test_a_student_of_another_classroom_is_refused(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    before = marks_state()
    with pytest.raises(NotAllowed):
        interim_marks_change(
            user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
            entries={cast.sibling.pk: ("9", "")},
        )  # fmt: skip
    assert marks_state() == before


@pytest.mark.parametrize("typed", ["11", "0", "6+", "bravo", "ottimo"])
def test_a_mark_out_of_scale_is_refused_and_the_whole_form_not_written(
    cast: Cast, typed: str
) -> None:
    found = interim_round(cast, complete=False)
    before, changes = marks_state(), Change.objects.count()
    with pytest.raises(EntriesRefused) as refused:
        interim_marks_change(
            user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
            entries={cast.other_child.pk: ("7", ""), cast.child.pk: (typed, "")},
        )  # fmt: skip
    assert list(refused.value.errors) == [cast.child.pk]
    assert refused.value.errors[cast.child.pk]  # an Italian message
    assert marks_state() == before and Change.objects.count() == changes


def test_the_coordinator_writes_the_students_note(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    assert interim_notes_change(
        user=cast.coordinator, interim=found, classroom=cast.classroom_1a,
        notes={cast.child.pk: "Impegno discontinuo."},
    ) == 1  # fmt: skip
    assert InterimReport.objects.get(student=cast.child).note == "Impegno discontinuo."
    with pytest.raises(NotAllowed):
        interim_notes_change(
            user=cast.teacher, interim=found, classroom=cast.classroom_1a,
            notes={cast.child.pk: "Altro"},
        )  # fmt: skip
    assert InterimReport.objects.get(student=cast.child).note == "Impegno discontinuo."


# --- publication -------------------------------------------------------------------------------


def test_publishing_with_missing_entries_is_refused(cast: Cast) -> None:
    """Decision (docs/decisions.md): a round is published only when every entry is there."""
    found = interim_round(cast, complete=False)
    missing = sorted((m.subject_id, m.count) for m in missing_entries(found))
    assert missing == sorted([(cast.maths.pk, 1), (cast.italian.pk, 2)])
    with pytest.raises(ReportCardError) as refused:
        interim_publication_set(user=cast.office, interim=found, publish_at=found.created_at)
    assert refused.value.code == "entries_missing"
    found.refresh_from_db()
    assert found.publish_at is None


def test_before_publication_families_see_nothing_after_it_they_do(cast: Cast) -> None:
    found = interim_round(cast, published_hours=None)
    assert rules.interim_access(cast.guardian, found.pk, cast.child.pk) is None
    tomorrow = interim_round(cast, published_hours=24)
    assert rules.interim_access(cast.guardian, tomorrow.pk, cast.child.pk) is None
    assert not rules.family_interim_reports(cast.guardian).exists()
    now = interim_round(cast, published_hours=-1)
    access = rules.interim_access(cast.guardian, now.pk, cast.child.pk)
    assert access is not None and access.family and access.may_confirm
    assert rules.interim_access(cast.other_guardian, now.pk, cast.child.pk) is None
    assert rules.interim_access(cast.guardian, now.pk, cast.other_child.pk) is None


def test_the_office_publishes_with_history_and_then_nothing_changes(cast: Cast) -> None:
    found = interim_round(cast)
    moment = found.created_at
    interim_publication_set(user=cast.office, interim=found, publish_at=moment)
    found.refresh_from_db()
    assert found.publish_at == moment and found.is_published()
    assert Change.objects.filter(reason="pagellino: pubblicazione").count() == 1
    before = marks_state()
    with pytest.raises(ReportCardError) as refused:
        interim_marks_change(
            user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
            entries={cast.child.pk: ("9", "")},
        )  # fmt: skip
    assert refused.value.code == "round_published"
    with pytest.raises(ReportCardError):
        interim_publication_set(user=cast.office, interim=found, publish_at=moment)
    assert marks_state() == before


def test_the_coordinator_may_not_publish(cast: Cast) -> None:
    found = interim_round(cast)
    with pytest.raises(NotAllowed):
        interim_publication_set(user=cast.coordinator, interim=found, publish_at=found.created_at)
    found.refresh_from_db()
    assert found.publish_at is None


# --- presa visione -----------------------------------------------------------------------------


def test_the_guardian_confirms_once_and_again_changes_nothing(cast: Cast) -> None:
    found = interim_round(cast, published_hours=-1)
    first, created = interim_confirmation_record(
        user=cast.guardian, round_id=found.pk, student_id=cast.child.pk
    )
    assert created and not first.as_student
    again, created_again = interim_confirmation_record(
        user=cast.guardian, round_id=found.pk, student_id=cast.child.pk
    )
    assert not created_again and again.pk == first.pk and again.confirmed_at == first.confirmed_at
    assert InterimConfirmation.objects.count() == 1


def test_the_adult_student_confirms_their_own(cast: Cast) -> None:
    found = interim_round(cast, published_hours=-1)
    confirmation, _created = interim_confirmation_record(
        user=cast.adult_user, round_id=found.pk, student_id=cast.adult_student.pk
    )
    assert confirmation.as_student


@pytest.mark.parametrize("who", ["other_guardian", "child_user", "teacher", "office"])
def test_a_confirmation_by_a_non_guardian_is_refused(cast: Cast, who: str) -> None:
    """Another family, the minor child (reads, does not confirm), the staff."""
    found = interim_round(cast, published_hours=-1)
    with pytest.raises(NotAllowed):
        interim_confirmation_record(
            user=getattr(cast, who), round_id=found.pk, student_id=cast.child.pk
        )
    assert not InterimConfirmation.objects.exists()


def test_no_confirmation_before_publication(cast: Cast) -> None:
    found = interim_round(cast, published_hours=2)
    with pytest.raises(NotAllowed):
        interim_confirmation_record(user=cast.guardian, round_id=found.pk, student_id=cast.child.pk)
    assert not InterimConfirmation.objects.exists()


# --- primary school: giudizi sintetici ---------------------------------------------------------


def test_primary_school_gets_giudizi_from_the_register_and_in_the_pdf(cast: Cast) -> None:
    """Primary school (2024/25 on) writes giudizi sintetici: the prefill is the one given most
    often, a mark is refused, the PDF prints the giudizio with the level's description."""
    type(cast.school).objects.filter(pk=cast.school.pk).update(kind=SchoolKind.PRIMARY)
    teacher = Staff.objects.get(user=cast.teacher)
    term = term_of(cast)
    for level, day in (("buono", 3), ("buono", 4), ("ottimo", 5)):
        Grade.objects.create(
            student=cast.child, classroom=cast.classroom_1a, subject=cast.maths, teacher=teacher,
            date=term.start_date + datetime.timedelta(days=day), kind="orale",
            scale=ScaleKind.SYNTHETIC, level=level, weight=Decimal(1), counts_in_average=True,
            recorded_by=cast.teacher,
        )  # fmt: skip
    found = interim_round_create(
        user=cast.office, school=cast.school, term=term, title=TITLE,
        classrooms=[cast.classroom_1a],
    )  # fmt: skip
    child = entry(cast, cast.child, cast.maths)
    assert (child.scale, child.mark, child.judgement) == ("sintetico", None, "buono")
    with pytest.raises(EntriesRefused):
        interim_marks_change(
            user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
            entries={cast.child.pk: ("7", "")},
        )  # fmt: skip
    interim_marks_change(
        user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
        entries={cast.child.pk: ("distinto", "")},
    )  # fmt: skip
    assert entry(cast, cast.child, cast.maths).judgement == "distinto"
    report = InterimReport.objects.select_related(
        "round__school__institute", "round__term__school_year", "classroom", "student"
    ).get(round=found, student=cast.child)
    text = pdf_text(report_pdf(report))
    description = judgement_descriptions(cast.school.pk, JudgementArea.LEARNING)["distinto"]
    assert "Matematica Distinto" in text
    assert " ".join(description.split()[:4]) in text


# --- reading the register again ----------------------------------------------------------------


def test_rereading_takes_new_grades_and_keeps_the_teachers_own_marks(cast: Cast) -> None:
    """After the round was made, the child's maths became 5, 5, 9 (the teacher had written 6½
    by hand) and the other child got an 8 (no grades before)."""
    found = interim_round(cast, complete=False)
    interim_marks_change(
        user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths,
        entries={cast.child.pk: ("6½", "")},
    )  # fmt: skip
    grade(cast.child, cast.maths, "9", classroom=cast.classroom_1a, day=30)
    grade(cast.other_child, cast.maths, "8", classroom=cast.classroom_1a, day=30)
    italian_before = entry(cast, cast.child, cast.italian).mark
    done = interim_reread(
        user=cast.teacher, interim=found, classroom=cast.classroom_1a, subject=cast.maths
    )
    assert done == Reread(refreshed=1, kept=1, added=0)
    child = entry(cast, cast.child, cast.maths)
    assert (child.mark, child.changed_by_hand) == (Decimal("6.5"), True)  # kept
    assert (child.register_average, child.grades_count) == (Decimal("6.33"), 3)  # refreshed
    other = entry(cast, cast.other_child, cast.maths)
    assert (other.mark, other.grades_count, other.changed_by_hand) == (Decimal(8), 1, False)
    assert entry(cast, cast.child, cast.italian).mark == italian_before  # not their subject
    changes = Change.objects.filter(reason="pagellino: nuova lettura dal registro")
    assert {c.object_id for c in changes} == {child.pk, other.pk}
    assert all(c.actor == cast.teacher and c.before is not None for c in changes)


def test_rereading_twice_writes_nothing_the_second_time(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    grade(cast.other_child, cast.maths, "8", classroom=cast.classroom_1a, day=30)
    interim_reread(user=cast.office, interim=found, classroom=cast.classroom_1a)
    before, changes = marks_state(), Change.objects.count()
    done = interim_reread(user=cast.office, interim=found, classroom=cast.classroom_1a)
    assert done == Reread(refreshed=0, kept=0, added=0)
    assert marks_state() == before and Change.objects.count() == changes


def test_a_student_enrolled_since_the_round_gets_every_subjects_entries(cast: Cast) -> None:
    found = interim_round(cast, complete=False)
    newcomer = f.EnrollmentFactory(classroom=cast.classroom_1a).student
    grade(newcomer, cast.italian, "9", classroom=cast.classroom_1a, day=30)
    done = interim_reread(user=cast.office, interim=found, classroom=cast.classroom_1a)
    assert done.added == 2  # maths and Italian
    report = InterimReport.objects.get(round=found, student=newcomer)
    assert report.classroom == cast.classroom_1a
    assert entry(cast, newcomer, cast.italian).mark == Decimal(9)
    assert entry(cast, newcomer, cast.maths).mark is None
    assert Change.objects.filter(
        reason="pagellino: nuova lettura dal registro", object_id=report.pk
    ).exists()


@pytest.mark.parametrize("who", ["coordinator", "other_teacher", "guardian", "foreign_office"])
def test_rereading_anothers_subject_is_refused_and_nothing_written(cast: Cast, who: str) -> None:
    found = interim_round(cast, complete=False)
    grade(cast.other_child, cast.maths, "8", classroom=cast.classroom_1a, day=30)
    before, changes = marks_state(), Change.objects.count()
    with pytest.raises(NotAllowed):
        interim_reread(
            user=getattr(cast, who), interim=found, classroom=cast.classroom_1a,
            subject=cast.maths,
        )  # fmt: skip
    assert marks_state() == before and Change.objects.count() == changes


def test_a_teacher_may_not_reread_every_subject_nor_a_classroom_outside_the_round(
    cast: Cast,
) -> None:
    found = interim_round(cast, complete=False)
    before = marks_state()
    with pytest.raises(NotAllowed):
        interim_reread(user=cast.teacher, interim=found, classroom=cast.classroom_1a)
    with pytest.raises(NotAllowed):
        interim_reread(user=cast.office, interim=found, classroom=cast.classroom_2b)
    assert marks_state() == before


def test_rereading_a_published_round_is_refused(cast: Cast) -> None:
    found = interim_round(cast, published_hours=-1)
    grade(cast.other_child, cast.maths, "8", classroom=cast.classroom_1a, day=30)
    before = marks_state()
    with pytest.raises(ReportCardError) as refused:
        interim_reread(user=cast.office, interim=found, classroom=cast.classroom_1a)
    assert refused.value.code == "round_published"
    assert marks_state() == before
