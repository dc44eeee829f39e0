"""Reads of class documents, a constant number of queries each: which slots are expected, who
is missing what, a teacher's slots, a classroom's documents."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from campanella.classdocs import rules
from campanella.classdocs.models import (
    FINAL_YEAR,
    SUBJECT_KINDS,
    ClassDocument,
    DocumentDeadline,
    DocumentKind,
    DocumentPublication,
)
from campanella.people.models import Staff
from campanella.school.models import Classroom, SchoolYear, Subject, Teaching

SlotKey = tuple[int, int | None, str]  # classroom, subject (None: 15 May), kind


@dataclass
class Slot:
    """A document expected of a classroom (× subject) of a kind, who writes it, and where it
    stands: its current version (if any) and the deadline that applies."""

    classroom: Classroom
    subject: Subject | None
    kind: str
    teachers: list[Staff] = field(default_factory=list)
    document: ClassDocument | None = None
    deadline: DocumentDeadline | None = None

    @property
    def key(self) -> SlotKey:
        return (self.classroom.pk, self.subject.pk if self.subject else None, self.kind)

    @property
    def kind_label(self) -> str:
        return str(DocumentKind(self.kind).label)

    @property
    def missing(self) -> bool:
        return self.document is None

    @property
    def overdue(self) -> bool:
        return (
            self.missing
            and self.deadline is not None
            and self.deadline.due_on < timezone.localdate()
        )

    @property
    def teacher_names(self) -> str:
        return ", ".join(t.full_name for t in self.teachers) or "—"


def kinds_of(classroom: Classroom) -> list[str]:
    """The subject kinds every classroom has; the 15 May document only in year 5."""
    return [str(k) for k in SUBJECT_KINDS] + (
        [str(DocumentKind.MAY_15)] if classroom.year == FINAL_YEAR else []
    )


def deadline_for(
    deadlines: Iterable[DocumentDeadline], classroom: Classroom, kind: str
) -> DocumentDeadline | None:
    """The most specific deadline of the kind that applies to the classroom."""
    fitting = [d for d in deadlines if d.kind == kind and d.applies_to(classroom)]
    return max(fitting, key=lambda d: d.specificity, default=None)


def slots(classrooms: QuerySet[Classroom], kinds: Iterable[str] | None = None) -> list[Slot]:
    """Every expected slot of these classrooms (four queries whatever their number): a subject
    kind per curricular or co-teaching cattedra's classroom × subject, with its teachers; the
    15 May document of year-5 classrooms, with the coordinator."""
    chosen = {str(k) for k in kinds} if kinds is not None else {str(k) for k in DocumentKind}
    listed = list(
        classrooms.select_related("school", "school_year", "coordinator").order_by(
            "school__name", "year", "section", "track", "pk"
        )
    )
    ids = [c.pk for c in listed]
    teachings = (
        Teaching.objects.filter(classroom_id__in=ids, kind__in=rules.WRITING_TEACHINGS)
        .select_related("teacher", "subject")
        .order_by("subject__name", "teacher__surname", "teacher__name", "pk")
    )
    by_classroom: dict[int, dict[int, tuple[Subject, list[Staff]]]] = {}
    for teaching in teachings:
        subjects = by_classroom.setdefault(teaching.classroom_id, {})
        subject, teachers = subjects.setdefault(teaching.subject_id, (teaching.subject, []))
        if teaching.teacher not in teachers:
            teachers.append(teaching.teacher)
    current = {
        (d.classroom_id, d.subject_id, d.kind): d
        for d in ClassDocument.objects.filter(classroom_id__in=ids, current=True)
    }
    years = {c.school_year_id for c in listed}
    deadlines = list(DocumentDeadline.objects.filter(school_year_id__in=years))
    found: list[Slot] = []
    for classroom in listed:
        for kind in kinds_of(classroom):
            if kind not in chosen:
                continue
            deadline = deadline_for(deadlines, classroom, kind)
            if kind == DocumentKind.MAY_15:
                coordinator = [classroom.coordinator] if classroom.coordinator else []
                slot = Slot(classroom, None, kind, coordinator, deadline=deadline)
                slot.document = current.get(slot.key)
                found.append(slot)
                continue
            for subject, teachers in by_classroom.get(classroom.pk, {}).values():
                slot = Slot(classroom, subject, kind, teachers, deadline=deadline)
                slot.document = current.get(slot.key)
                found.append(slot)
    return found


def institute_classrooms(institute_id: int, school_year: SchoolYear) -> QuerySet[Classroom]:
    return Classroom.objects.filter(school__institute_id=institute_id, school_year=school_year)


def missing_slots(
    institute_id: int,
    school_year: SchoolYear,
    kind: str | None = None,
    classroom_id: int | None = None,
) -> list[Slot]:
    """Who is missing what in the institute's classrooms of a year (of a kind, a classroom)."""
    classrooms = institute_classrooms(institute_id, school_year)
    if classroom_id is not None:
        classrooms = classrooms.filter(pk=classroom_id)
    chosen = [kind] if kind else None
    return [slot for slot in slots(classrooms, chosen) if slot.missing]


def teacher_slots(user: Any) -> list[Slot]:
    """The slots this login writes (its cattedre, its year-5 coordinated classrooms), with
    their current document and deadline."""
    taught = rules.own_teachings(user)
    classrooms = Classroom.objects.filter(pk__in=taught.values("classroom_id")) | (
        rules.coordinated_final_classrooms(user)
    )
    pairs = set(taught.values_list("classroom_id", "subject_id"))
    final = set(rules.coordinated_final_classrooms(user).values_list("pk", flat=True))
    return [
        slot
        for slot in slots(classrooms.distinct())
        if (slot.subject is not None and (slot.classroom.pk, slot.subject.pk) in pairs)
        or (slot.subject is None and slot.classroom.pk in final)
    ]


def classroom_documents(access: rules.ClassroomAccess) -> list[ClassDocument]:
    """The documents the login reads of the classroom: current versions first by kind and
    subject; staff also see the earlier and the withdrawn versions."""
    documents = (
        rules.readable_documents(access)
        .select_related("subject", "uploaded_by")
        .order_by("-current", "kind", "subject__name", "-version")
    )
    return list(documents)


def publications_of(school_year: SchoolYear) -> dict[str, DocumentPublication]:
    return {p.kind: p for p in DocumentPublication.objects.filter(school_year=school_year)}


def published_ids(documents: Iterable[ClassDocument]) -> set[int]:
    """Which of these documents families read now (one query)."""
    ids = [d.pk for d in documents]
    return set(
        ClassDocument.objects.filter(rules.published_q(), pk__in=ids).values_list("pk", flat=True)
    )


def family_classrooms_list(user: Any) -> list[Classroom]:
    """The classrooms whose documents a family or a student reads (by its links, now)."""
    return list(
        rules.family_classrooms(user)
        .select_related("school")
        .order_by("school__name", "year", "section", "pk")
    )


def now_local() -> datetime.datetime:
    return timezone.localtime()
