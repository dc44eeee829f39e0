"""Who may write to whom, and who reads a thread: the one place pages and API ask.

- A family (every guardian of the student whose access is not revoked) writes about their child
  to a teacher of the child's classroom (from the teaching assignments; a support teacher only
  for the child they follow) or to the office of the child's institute.
- A teacher writes to the families of the students of the classrooms they teach or coordinate;
  the office to the families of its institute's students (one by one, or whole classrooms).
- A login that is both writes as family about its own children, and the office (even when it
  also teaches) writes as the office.
- A thread is read, and answered, only by its two sides: the student's family (by the links
  active now), its teacher, or the office of its institute. Anyone else gets 404, as for a thread
  that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.comms.messages.models import Side, Thread
from campanella.people.models import Enrollment, Staff, Student
from campanella.people.roles import active_links, roles_for_user
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom, Teaching


def own_children(user: Any) -> QuerySet[Student]:
    """The students this login writes about as family (its links active now)."""
    if user is None or not user.is_authenticated:
        return Student.objects.none()
    return Student.objects.filter(pk__in=active_links(user.pk).values("student_id"))


def is_family_of(user: Any, student_id: int) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and (active_links(user.pk).filter(student_id=student_id).exists())
    )


def office_institute_id(user: Any) -> int | None:
    roles = roles_for_user(user)
    return roles.staff.institute_id if roles.staff is not None and roles.is_office else None


def taught_classrooms(user: Any) -> QuerySet[Classroom]:
    """The classrooms a teacher teaches (by the assignments) or coordinates."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return Classroom.objects.none()
    taught = Teaching.objects.filter(teacher=roles.staff).values("classroom_id")
    return Classroom.objects.filter(Q(pk__in=taught) | Q(coordinator=roles.staff))


def reachable_enrollments(user: Any) -> QuerySet[Enrollment]:
    """The students (enrolled today) whose families this login may write to as staff."""
    today = timezone.localdate()
    enrolled = Enrollment.objects.filter(active_enrollments_on(today))
    institute_id = office_institute_id(user)
    if institute_id is not None:
        return enrolled.filter(classroom__school__institute_id=institute_id)
    return enrolled.filter(classroom__in=taught_classrooms(user))


def may_reach_family_as_staff(user: Any, student_id: int) -> bool:
    return reachable_enrollments(user).filter(student_id=student_id).exists()


def child_teachers(user: Any, student_id: int) -> QuerySet[Staff]:
    """The teachers (in service) of the child's classroom today, for its family."""
    if not is_family_of(user, student_id):
        return Staff.objects.none()
    today = timezone.localdate()
    rooms = Enrollment.objects.filter(active_enrollments_on(today), student_id=student_id)
    teachings = Teaching.objects.filter(classroom__in=rooms.values("classroom_id")).filter(
        Q(support_student__isnull=True) | Q(support_student_id=student_id)
    )
    return (
        Staff.objects.filter(pk__in=teachings.values("teacher_id"), active=True)
        .exclude(user__isnull=True)
        .order_by("surname", "name")
    )


def hours_institute_id(user: Any) -> int | None:
    """The institute whose message hours this login reads: its office and its teachers."""
    roles = roles_for_user(user)
    if roles.staff is None or not (roles.is_office or roles.is_teacher):
        return None
    return roles.staff.institute_id


@rules.predicate
def may_write_messages(user: Any) -> bool:
    roles = roles_for_user(user)
    return roles.is_office or roles.is_teacher or roles.is_guardian


@rules.predicate
def may_broadcast(user: Any) -> bool:
    return office_institute_id(user) is not None


def visible_threads(user: Any) -> QuerySet[Thread]:
    """Every thread this login reads: its children's, its own as teacher, its office's."""
    roles = roles_for_user(user)
    if roles.user_id is None:
        return Thread.objects.none()
    scope = Q(student_id__in=active_links(roles.user_id).values("student_id"))
    if roles.staff is not None and roles.is_teacher:
        scope |= Q(teacher_id=roles.staff.pk)
    if roles.staff is not None and roles.is_office:
        scope |= Q(with_office=True, institute_id=roles.staff.institute_id)
    return Thread.objects.filter(scope)


@dataclass(frozen=True)
class Access:
    thread: Thread
    side: str  # the reader's side: Side


def side_in(user: Any, thread: Thread) -> str | None:
    """The reader's side of the thread, or None for an outsider."""
    roles = roles_for_user(user)
    if roles.user_id is None:
        return None
    if is_family_of(user, thread.student_id):
        return Side.FAMILY
    if roles.staff is not None and thread.teacher_id is not None:
        if roles.is_teacher and thread.teacher_id == roles.staff.pk:
            return Side.TEACHER
    if thread.with_office and office_institute_id(user) == thread.institute_id:
        return Side.OFFICE
    return None


def thread_access(user: Any, thread_id: int) -> Access | None:
    """The one read of a thread: None (404) unless this login is on one of its sides."""
    thread = Thread.objects.select_related("student", "teacher").filter(pk=thread_id).first()
    if thread is None:
        return None
    side = side_in(user, thread)
    return None if side is None else Access(thread, side)


rules.add_rule("comms.write_messages", may_write_messages)
rules.add_rule("comms.broadcast_messages", may_broadcast)
