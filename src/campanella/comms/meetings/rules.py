"""Who may publish, see, book and cancel meetings: the one place pages and API ask.

- A teacher publishes their own weekly availability and cancels their own slots; they see
  the bookings of their own slots only.
- The office and the principal publish general meeting days for teachers of their institute.
- A family (a guardian by a link not revoked) books, for one of their children, a slot of a
  teacher who teaches in (or coordinates) the child's current classroom; both parents see and
  may cancel the child's bookings. Anyone else gets 404, as for a slot that does not exist.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from campanella.comms.meetings.models import MeetingBooking, MeetingSlot
from campanella.people.models import Enrollment, Staff, Student
from campanella.people.roles import active_links, roles_for_user
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom, Teaching


def teacher_profile(user: Any) -> Staff | None:
    """The login's staff record when it teaches, else None."""
    roles = roles_for_user(user)
    return roles.staff if roles.is_teacher else None


def managed_institute_id(user: Any) -> int | None:
    return roles_for_user(user).manages_institute_id


@rules.predicate
def may_publish_availability(user: Any) -> bool:
    return teacher_profile(user) is not None


@rules.predicate
def may_publish_meeting_days(user: Any) -> bool:
    return managed_institute_id(user) is not None


def family_student_ids(user: Any) -> QuerySet[Any]:
    """The children this login books for (its guardianships not revoked), as a subquery."""
    roles = roles_for_user(user)
    return active_links(roles.user_id).values("student_id")


def family_children(user: Any) -> QuerySet[Student]:
    return Student.objects.filter(pk__in=family_student_ids(user)).order_by("surname", "name")


def current_classroom_ids(student_id: int) -> QuerySet[Any]:
    today = timezone.localdate()
    return Enrollment.objects.filter(active_enrollments_on(today), student_id=student_id).values(
        "classroom_id"
    )


def teachers_of_student(student_id: int) -> QuerySet[Staff]:
    """The teachers a family may meet about this child: who teaches in, or coordinates, the
    child's current classroom."""
    rooms = current_classroom_ids(student_id)
    taught = Teaching.objects.filter(classroom_id__in=rooms).values("teacher_id")
    coordinators = Classroom.objects.filter(pk__in=rooms).values("coordinator_id")
    return (
        Staff.objects.filter(Q(pk__in=taught) | Q(pk__in=coordinators), active=True)
        .distinct()
        .order_by("surname", "name")
    )


def is_family_of(user: Any, student_id: int) -> bool:
    return family_children(user).filter(pk=student_id).exists()


def may_book_with(user: Any, student_id: int, teacher_id: int) -> bool:
    """The login is this child's family and the teacher teaches in (or coordinates) the
    child's current classroom: one query, asked by every slot list and every booking."""
    rooms = Enrollment.objects.filter(
        active_enrollments_on(timezone.localdate()),
        student_id=student_id,
        student_id__in=family_student_ids(user),
    ).values("classroom_id")
    taught = Teaching.objects.filter(classroom_id__in=rooms, teacher_id=teacher_id)
    coordinated = Classroom.objects.filter(pk__in=rooms, coordinator_id=teacher_id)
    return (
        Staff.objects.filter(pk=teacher_id, active=True)
        .filter(Exists(taught) | Exists(coordinated))
        .exists()
    )


def visible_slots(user: Any) -> QuerySet[MeetingSlot]:
    """Slots a login may see as staff: a teacher their own, the office its institute's. (A
    family sees a teacher's slots through `may_book_with`.)"""
    roles = roles_for_user(user)
    scope = Q(pk__in=[])
    if roles.staff is not None:
        scope |= Q(teacher_id=roles.staff.pk)
    if roles.manages_institute_id is not None:
        scope |= Q(institute_id=roles.manages_institute_id)
    return MeetingSlot.objects.filter(scope)


def family_bookings(user: Any) -> QuerySet[MeetingBooking]:
    """The bookings of this login's children (whoever of the parents booked them)."""
    return MeetingBooking.objects.filter(student_id__in=family_student_ids(user))


def teacher_bookings(user: Any) -> QuerySet[MeetingBooking]:
    staff = teacher_profile(user)
    if staff is None:
        return MeetingBooking.objects.none()
    return MeetingBooking.objects.filter(slot__teacher_id=staff.pk)


def own_slot(user: Any, slot_id: int) -> MeetingSlot | None:
    """A slot of this teacher (to cancel it), else None."""
    staff = teacher_profile(user)
    if staff is None:
        return None
    return MeetingSlot.objects.filter(pk=slot_id, teacher_id=staff.pk).first()


rules.add_rule("comms.publish_meeting_availability", may_publish_availability)
rules.add_rule("comms.publish_meeting_days", may_publish_meeting_days)
