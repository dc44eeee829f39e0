"""Who may see and share teaching materials: the one place the pages and the API ask.

- A shelf is a classroom × subject with a cattedra (curricular or co-teaching) in it. Its
  teachers (those cattedre) write it: add, rename, move, hide, delete, share.
- The classroom's families (a guardian with an active link) and its students read its
  published items (not a draft, visible from now, inside published folders); so do the
  classroom's other teachers, its coordinator, and the institute's office and principal.
  Drafts and items not yet visible are seen only by those who write the shelf.
- Anyone else: 404, as for an item that does not exist (DESIGN §4); a file's bytes are served
  only after these rules allowed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.comms.materials.models import Material
from campanella.people.roles import roles_for_user
from campanella.people.selectors import classrooms_for_user, family_classrooms
from campanella.school.models import Classroom, Subject, Teaching, TeachingKind

# A support teacher (sostegno) follows a student, not a subject: no shelf of their own.
WRITING_TEACHINGS = (TeachingKind.NORMAL, TeachingKind.CO_TEACHING)


@dataclass(frozen=True)
class Shelf:
    """A classroom × subject this login reads; `writes`: it is one of its teachers."""

    classroom: Classroom
    subject: Subject
    writes: bool


def own_teachings(user: Any) -> QuerySet[Teaching]:
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return Teaching.objects.none()
    return Teaching.objects.filter(teacher=roles.staff, kind__in=WRITING_TEACHINGS)


def staff_reads(user: Any, classroom: Classroom) -> bool:
    """Office and principal of its institute; its teachers and its coordinator."""
    roles = roles_for_user(user)
    if roles.staff is None:
        return False
    if roles.manages_institute_id == classroom.school.institute_id:
        return True
    return classrooms_for_user(user).filter(pk=classroom.pk).exists()


def readable_classrooms(user: Any) -> QuerySet[Classroom]:
    """The classrooms whose materials this login reads (as staff or as family)."""
    if user is None or not user.is_authenticated:
        return Classroom.objects.none()
    staff = classrooms_for_user(user).values("pk")
    family = family_classrooms(user).values("pk")
    return Classroom.objects.filter(Q(pk__in=staff) | Q(pk__in=family))


def classroom_for_user(user: Any, classroom_id: int) -> Classroom | None:
    """The one read of a classroom's materials: None (404) unless staff of it or its family."""
    classroom = (
        Classroom.objects.select_related("school", "school_year").filter(pk=classroom_id).first()
    )
    if classroom is None:
        return None
    if staff_reads(user, classroom) or family_classrooms(user).filter(pk=classroom.pk).exists():
        return classroom
    return None


def shelf_subjects(classroom: Classroom) -> QuerySet[Subject]:
    """The subjects with a shelf in the classroom: those with a curricular cattedra."""
    taught = Teaching.objects.filter(classroom=classroom, kind__in=WRITING_TEACHINGS)
    return Subject.objects.filter(pk__in=taught.values("subject_id")).order_by("name")


def shelf_access(user: Any, classroom_id: int, subject_id: int) -> Shelf | None:
    """The one read of a shelf: None (404) unless the login reads the classroom and the
    subject is taught in it."""
    classroom = classroom_for_user(user, classroom_id)
    if classroom is None:
        return None
    subject = shelf_subjects(classroom).filter(pk=subject_id).first()
    if subject is None:
        return None
    writes = own_teachings(user).filter(classroom=classroom, subject=subject).exists()
    return Shelf(classroom, subject, writes)


def published_q(now: Any = None) -> Q:
    moment = now or timezone.now()
    return Q(is_draft=False) & (Q(visible_from__isnull=True) | Q(visible_from__lte=moment))


def shelf_items(shelf: Shelf) -> QuerySet[Material]:
    """The live items of the shelf this login sees (readers: the published ones only)."""
    items = Material.objects.filter(
        classroom=shelf.classroom, subject=shelf.subject, deleted_at__isnull=True
    )
    return items if shelf.writes else items.filter(published_q())


def ancestors(item: Material) -> list[Material]:
    """The folders holding the item, nearest first (at most the depth cap: one query each)."""
    found: list[Material] = []
    parent_id = item.parent_id
    while parent_id is not None and len(found) <= item.depth:
        parent = Material.objects.filter(pk=parent_id).first()
        if parent is None:
            break
        found.append(parent)
        parent_id = parent.parent_id
    return found


@dataclass(frozen=True)
class ItemAccess:
    shelf: Shelf
    item: Material


def item_access(user: Any, material_id: int) -> ItemAccess | None:
    """The one read of an item (and of a file's bytes): None (404) unless the login reads its
    shelf and, when only a reader, the item and every folder holding it are published."""
    item = Material.objects.filter(pk=material_id, deleted_at__isnull=True).first()
    if item is None:
        return None
    shelf = shelf_access(user, item.classroom_id, item.subject_id)
    if shelf is None:
        return None
    if not shelf.writes:
        now = timezone.now()
        if not item.published(now) or not all(a.published(now) for a in ancestors(item)):
            return None
    return ItemAccess(shelf, item)


def written_item(user: Any, material_id: int) -> Material | None:
    """An item of a shelf this login writes (None: 404)."""
    access = item_access(user, material_id)
    if access is None or not access.shelf.writes:
        return None
    return access.item


@rules.predicate
def may_write_shelf(user: Any, shelf: Shelf | None) -> bool:
    return shelf is not None and shelf.writes


rules.add_rule("comms.write_materials", may_write_shelf)
