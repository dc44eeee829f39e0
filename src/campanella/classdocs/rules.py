"""Who may see and do what with class documents: the one place the pages and the API ask.

- A teacher uploads, replaces and withdraws the plan, the syllabus covered and the final report
  of the classroom × subject they teach (a curricular or co-teaching cattedra); the coordinator
  of a year-5 classroom the "Documento del 15 maggio". Nobody else writes a slot (404).
  Once published, a document is no longer replaced nor withdrawn by the teacher.
- The office and the principal of the institute set deadlines, publish, see who is missing and
  remind; they read every document of the institute's classrooms.
- The classroom's teachers and coordinator read its documents (every version).
- The families (a guardian with an active link) and the students of the classroom read its
  current documents once published (the kind's publication for the school year, or the
  document's own); before it, nothing: exactly as if they did not exist (404).
Anyone else: 404 like a missing object (DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from campanella.classdocs.models import (
    FINAL_YEAR,
    SUBJECT_KINDS,
    ClassDocument,
    DocumentKind,
    DocumentPublication,
)
from campanella.people.roles import roles_for_user
from campanella.people.selectors import classrooms_for_user, family_classrooms
from campanella.school.models import Classroom, Subject, Teaching, TeachingKind

# A support teacher (sostegno) follows a student, not a subject: no plan of their own.
WRITING_TEACHINGS = (TeachingKind.NORMAL, TeachingKind.CO_TEACHING)


def manages(user: Any, institute_id: int) -> bool:
    """Office and principal of the institute."""
    return roles_for_user(user).manages_institute_id == institute_id


def managed_institute_id(user: Any) -> int | None:
    return roles_for_user(user).manages_institute_id


def own_teachings(user: Any) -> QuerySet[Teaching]:
    """The cattedre whose documents this login writes (none for a login that is not staff)."""
    roles = roles_for_user(user)
    if roles.staff is None:
        return Teaching.objects.none()
    return Teaching.objects.filter(teacher=roles.staff, kind__in=WRITING_TEACHINGS)


def coordinated_final_classrooms(user: Any) -> QuerySet[Classroom]:
    """The year-5 classrooms this login coordinates: it uploads their 15 May document."""
    roles = roles_for_user(user)
    if roles.staff is None:
        return Classroom.objects.none()
    return Classroom.objects.filter(coordinator=roles.staff, year=FINAL_YEAR)


@rules.predicate
def may_upload(user: Any, slot: tuple[Classroom, Subject | None, str] | None) -> bool:
    """The slot (classroom, subject, kind) is this login's to write."""
    if slot is None:
        return False
    classroom, subject, kind = slot
    if kind == DocumentKind.MAY_15:
        return (
            subject is None and coordinated_final_classrooms(user).filter(pk=classroom.pk).exists()
        )
    if kind not in SUBJECT_KINDS or subject is None:
        return False
    return own_teachings(user).filter(classroom=classroom, subject=subject).exists()


@rules.predicate
def may_manage(user: Any, institute_id: int | None) -> bool:
    return institute_id is not None and manages(user, institute_id)


rules.add_rule("classdocs.upload", may_upload)
rules.add_rule("classdocs.manage", may_manage)


def published_q(now: Any = None) -> Q:
    """Documents published now: on their own, or by their kind's publication for the year."""
    by_kind = DocumentPublication.objects.filter(
        school_year_id=OuterRef("classroom__school_year_id"),
        kind=OuterRef("kind"),
        publish_at__lte=now or timezone.now(),
    )
    return Q(publish_at__lte=now or timezone.now()) | Q(Exists(by_kind))


def is_published(document: ClassDocument) -> bool:
    return ClassDocument.objects.filter(published_q(), pk=document.pk).exists()


@dataclass(frozen=True)
class ClassroomAccess:
    """A classroom whose documents this login reads, and how: as family (published current
    documents only) or as staff (everything, with the versions)."""

    classroom: Classroom
    family: bool


def staff_reads(user: Any, classroom: Classroom) -> bool:
    """Office and principal of its institute; its teachers and its coordinator."""
    if roles_for_user(user).staff is None:
        return False
    return manages(user, classroom.school.institute_id) or (
        classrooms_for_user(user).filter(pk=classroom.pk).exists()
    )


def classroom_access(user: Any, classroom_id: int) -> ClassroomAccess | None:
    """The one read of a classroom's documents: None (404) unless staff of it, or its family."""
    classroom = (
        Classroom.objects.select_related("school__institute", "school_year", "coordinator")
        .filter(pk=classroom_id)
        .first()
    )
    if classroom is None:
        return None
    if staff_reads(user, classroom):
        return ClassroomAccess(classroom, family=False)
    if family_classrooms(user).filter(pk=classroom.pk).exists():
        return ClassroomAccess(classroom, family=True)
    return None


def readable_documents(access: ClassroomAccess) -> QuerySet[ClassDocument]:
    """What the login reads of the classroom: families the published current versions."""
    documents = ClassDocument.objects.filter(classroom=access.classroom)
    if access.family:
        return documents.filter(published_q(), current=True)
    return documents


def document_for_user(user: Any, document_id: int) -> ClassDocument | None:
    """The one read of a document's PDF: None (404) unless the login may read it now."""
    found = ClassDocument.objects.filter(pk=document_id).values_list("classroom_id", flat=True)
    classroom_id = found.first()
    if classroom_id is None:
        return None
    access = classroom_access(user, classroom_id)
    if access is None:
        return None
    return (
        readable_documents(access)
        .select_related("classroom", "subject")
        .filter(pk=document_id)
        .first()
    )


def managed_document(user: Any, document_id: int) -> ClassDocument | None:
    """A current document the office or principal of its institute publishes, or None."""
    institute_id = managed_institute_id(user)
    if institute_id is None:
        return None
    return (
        ClassDocument.objects.select_related("classroom__school", "subject")
        .filter(pk=document_id, current=True, classroom__school__institute_id=institute_id)
        .first()
    )


def own_document(user: Any, document_id: int) -> ClassDocument | None:
    """A current document of a slot this login writes (to withdraw it), or None."""
    document = (
        ClassDocument.objects.select_related("classroom__school", "subject")
        .filter(pk=document_id, current=True)
        .first()
    )
    if document is None or not may_upload(
        user, (document.classroom, document.subject, document.kind)
    ):
        return None
    return document
