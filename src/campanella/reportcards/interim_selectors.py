"""Reads of interim reports (pagellini), shaped for the pages, the API and the PDF in a
constant number of queries. None decides who may see what: callers pass what `rules` allowed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from campanella.evaluation.proposal_selectors import NUMERIC, SYNTHETIC
from campanella.evaluation.proposals import shown_judgement
from campanella.lib import council_documents as docs
from campanella.lib import evaluation_rules as rules_lib
from campanella.lib.grades import format_grade
from campanella.lib.interim_reports import InterimCard, InterimLine, interim_report_pdf
from campanella.lib.italian import italian_date
from campanella.people.models import Staff
from campanella.reportcards import rules
from campanella.reportcards.models import (
    InterimConfirmation,
    InterimMark,
    InterimReport,
    InterimRound,
)
from campanella.school.models import Classroom, JudgementArea, SchoolKind, Subject, SubjectKind
from campanella.school.selectors import judgement_descriptions


def entry_text(mark: InterimMark) -> str:
    """As the pages show an entry: 7, 6½, NC, Buono; "" when there is none."""
    if mark.mark is not None:
        return format_grade(mark.mark)
    return shown_judgement(mark.judgement)


def entry_for_pdf(mark: InterimMark, level: str) -> tuple[str, str]:
    """(figure, words) as the report card prints a mark: "6,5" and in upper secondary
    "sei e mezzo"; a giudizio as its label; "—" when there is none."""
    words = level == SchoolKind.UPPER_SECONDARY
    if mark.mark is not None:
        return (rules_lib.mark_in_figures(mark.mark),
                rules_lib.mark_in_letters(mark.mark) if words else "")  # fmt: skip
    if mark.judgement == rules_lib.NC:
        return rules_lib.NC, rules_lib.mark_in_letters(rules_lib.NC) if words else ""
    return shown_judgement(mark.judgement) or "—", ""


def report_marks(report: InterimReport) -> list[InterimMark]:
    """A report's entries with their subjects, religion last, by name (one query)."""
    marks = list(InterimMark.objects.filter(report=report).select_related("subject"))
    return sorted(marks, key=lambda m: (m.subject.kind == SubjectKind.RELIGION, m.subject.name))


def report_pdf(report: InterimReport) -> bytes:
    """The student's interim report as a tagged PDF (`report` with its round's school and
    institute, term and school year, classroom and student)."""
    interim, classroom = report.round, report.classroom
    school, institute = interim.school, interim.school.institute
    principal = Staff.objects.filter(institute=institute, is_principal=True, active=True).first()
    descriptions: dict[str, str] = {}
    if school.kind == SchoolKind.PRIMARY:
        descriptions = judgement_descriptions(school.pk, JudgementArea.LEARNING)
    lines = []
    for mark in report_marks(report):
        figure, words = entry_for_pdf(mark, school.kind)
        lines.append(InterimLine(
            subject=mark.subject.name, figure=figure, words=words,
            description=descriptions.get(mark.judgement, "") if mark.scale == SYNTHETIC else "",
            note=mark.note,
        ))  # fmt: skip
    published = timezone.localdate(interim.publish_at) if interim.publish_at else None
    card = InterimCard(
        school=docs.SchoolHeader(
            institute_name=institute.name, school_name=school.name,
            codice_meccanografico=school.code, city=school.city,
            principal_name=principal.full_name if principal else "",
        ),
        title=interim.title,
        period=f"{interim.term.number}° {interim.term.get_kind_display()}",
        school_year=interim.term.school_year.name,
        classroom=classroom.name,
        student=report.student.full_name,
        published=italian_date(published or timezone.localdate()),
        lines=lines,
        note=report.note,
    )  # fmt: skip
    return interim_report_pdf(card)


@dataclass(frozen=True)
class Missing:
    """Entries still without a mark or giudizio, by classroom and subject, with the teacher."""

    classroom_id: int
    subject_id: int
    teacher_id: int | None
    count: int


def missing_entries(interim: InterimRound) -> list[Missing]:
    """Who is missing in the round (one query)."""
    rows = (
        InterimMark.objects.filter(report__round=interim, mark__isnull=True, judgement="")
        .values_list("classroom_id", "subject_id", "teacher_id")
        .order_by("classroom_id", "subject_id", "teacher_id")
    )
    counted: dict[tuple[int, int, int | None], int] = {}
    for key in rows:
        counted[key] = counted.get(key, 0) + 1
    return [Missing(c, s, t, n) for (c, s, t), n in counted.items()]


# --- families ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyInterim:
    report: InterimReport
    confirmed_at: datetime.datetime | None


def family_interims(user: Any) -> list[FamilyInterim]:
    """The published interim reports of this login's children (or their own), newest first,
    with this login's confirmation. Two queries."""
    reports = list(
        rules.family_interim_reports(user)
        .select_related("round__term", "student", "classroom")
        .order_by("student__surname", "student__name", "-round__publish_at", "-pk")
    )
    confirmed = dict(
        InterimConfirmation.objects.filter(
            user_id=getattr(user, "pk", None) or 0, report__in=[r.pk for r in reports]
        ).values_list("report_id", "confirmed_at")
    )
    return [FamilyInterim(r, confirmed.get(r.pk)) for r in reports]


def confirmation_history(report: InterimReport) -> list[InterimConfirmation]:
    return list(report.confirmations.select_related("user").order_by("confirmed_at", "pk"))


# --- staff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassroomLine:
    classroom: Classroom
    students: int
    confirmed: int  # students with at least one confirmation
    missing: int  # entries without a mark or giudizio

    @property
    def not_confirmed(self) -> int:
        return self.students - self.confirmed


def round_overview(interim: InterimRound, classrooms: list[Classroom]) -> list[ClassroomLine]:
    """Per followed classroom: students, how many confirmed, entries missing. Two queries."""
    counts = {
        row["classroom_id"]: row
        for row in InterimReport.objects.filter(round=interim, classroom__in=classrooms)
        .values("classroom_id")
        .annotate(
            students=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmations__isnull=False), distinct=True),
        )
    }
    missing: dict[int, int] = {}
    for found in missing_entries(interim):
        missing[found.classroom_id] = missing.get(found.classroom_id, 0) + found.count
    return [
        ClassroomLine(
            c,
            counts.get(c.pk, {}).get("students", 0),
            counts.get(c.pk, {}).get("confirmed", 0),
            missing.get(c.pk, 0),
        )
        for c in classrooms
    ]


@dataclass(frozen=True)
class MissingLine:
    subject: Subject
    teacher: Staff | None
    count: int


def missing_in(interim: InterimRound, classroom: Classroom) -> list[MissingLine]:
    """Who is missing in a classroom: subject, teacher, how many entries. Three queries."""
    found = [m for m in missing_entries(interim) if m.classroom_id == classroom.pk]
    subjects = Subject.objects.in_bulk([m.subject_id for m in found])
    teachers = Staff.objects.in_bulk([m.teacher_id for m in found if m.teacher_id])
    return [
        MissingLine(subjects[m.subject_id], teachers.get(m.teacher_id or 0), m.count) for m in found
    ]


@dataclass(frozen=True)
class StudentLine:
    report: InterimReport
    entries: list[str]  # per subject of the grid, as shown
    confirmations: list[InterimConfirmation]


@dataclass(frozen=True)
class ClassroomGrid:
    subjects: list[Subject]
    lines: list[StudentLine]

    @property
    def not_confirmed(self) -> int:
        return sum(1 for line in self.lines if not line.confirmations)


def classroom_grid(interim: InterimRound, classroom: Classroom) -> ClassroomGrid:
    """Students × subjects of a round's classroom, with who confirmed. Three queries."""
    reports = list(
        InterimReport.objects.filter(round=interim, classroom=classroom)
        .select_related("student")
        .order_by("student__surname", "student__name", "pk")
    )
    marks = list(InterimMark.objects.filter(report__in=reports).select_related("subject"))
    subjects = sorted({m.subject for m in marks},
                      key=lambda s: (s.kind == SubjectKind.RELIGION, s.name, s.pk))  # fmt: skip
    shown = {(m.report_id, m.subject_id): entry_text(m) for m in marks}
    confirmations: dict[int, list[InterimConfirmation]] = {}
    for confirmation in InterimConfirmation.objects.filter(report__in=reports).select_related(
        "user"
    ):
        confirmations.setdefault(confirmation.report_id, []).append(confirmation)
    lines = [
        StudentLine(r, [shown.get((r.pk, s.pk), "") for s in subjects], confirmations.get(r.pk, []))
        for r in reports
    ]
    return ClassroomGrid(subjects, lines)


def subject_entries(
    interim: InterimRound, classroom: Classroom, subject: Subject
) -> list[InterimMark]:
    """A teacher's column: each student's entry in the subject (one query)."""
    return list(
        InterimMark.objects.filter(report__round=interim, classroom=classroom, subject=subject)
        .select_related("student")
        .order_by("student__surname", "student__name", "pk")
    )


@dataclass(frozen=True)
class Assignment:
    """A subject a teacher marks in a round's classroom, and how many entries are missing."""

    interim: InterimRound
    classroom: Classroom
    subject: Subject
    missing: int


def teacher_assignments(user: Any) -> list[Assignment]:
    """The entries this login adjusts: per round, classroom and own subject, with how many are
    still missing. Five queries."""
    pairs = set(rules.own_teachings(user).values_list("classroom_id", "subject_id"))
    if not pairs:
        return []
    own = Q(pk__in=[])
    for classroom_id, subject_id in pairs:
        own |= Q(classroom_id=classroom_id, subject_id=subject_id)
    rows = list(
        InterimMark.objects.filter(own)
        .values_list("report__round_id", "classroom_id", "subject_id")
        .annotate(missing=Count("pk", filter=Q(mark__isnull=True, judgement="")))
        .order_by("-report__round_id", "classroom_id", "subject_id")
    )
    rounds = InterimRound.objects.in_bulk({r[0] for r in rows})
    classrooms = Classroom.objects.in_bulk({r[1] for r in rows})
    subjects = Subject.objects.in_bulk({r[2] for r in rows})
    return [Assignment(rounds[r], classrooms[c], subjects[s], missing) for r, c, s, missing in rows]


def is_numeric(mark: InterimMark) -> bool:
    return mark.scale == NUMERIC
