"""Who may write, read, answer and follow notices: the one place pages and API ask.

- The office and the principal write to any audience of their institute; a teacher only to
  the families, students and teachers of the classrooms they teach or coordinate (or to chosen
  families of those classrooms). Anything else is refused (404) and nothing is written.
- A notice is read only by its recipients, from its publication until its expiry; the author
  and the institute's office and principal follow it (tracking, export, reminders). Anyone
  else gets 404, as for a notice that does not exist.
- A family answers a consent asked per child for each child the notice reached them through;
  otherwise each recipient answers for themselves; a minor student reads but does not answer
  for a consent asked per child.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.comms.notices.audience import Audience
from campanella.comms.notices.models import (
    AudienceRole,
    AudienceScope,
    Notice,
    NoticeRecipient,
    RecipientKind,
)
from campanella.people.models import Enrollment, Student
from campanella.people.roles import roles_for_user
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom, School, SchoolYear, Teaching

TEACHER_ROLES = {AudienceRole.FAMILIES, AudienceRole.STUDENTS, AudienceRole.TEACHERS}


def managed_institute_id(user: Any) -> int | None:
    return roles_for_user(user).manages_institute_id


def writer_institute_id(user: Any) -> int | None:
    """The institute this login writes notices for (office, principal, teacher), or None."""
    roles = roles_for_user(user)
    if roles.staff is None or not (roles.is_office or roles.is_principal or roles.is_teacher):
        return None
    return roles.staff.institute_id


@rules.predicate
def may_write_notices(user: Any) -> bool:
    return writer_institute_id(user) is not None


def addressable_classrooms(user: Any, year: SchoolYear) -> QuerySet[Classroom]:
    """The classrooms of `year` this login may address a notice to."""
    roles = roles_for_user(user)
    rooms = Classroom.objects.filter(school_year=year).select_related("school")
    if roles.staff is None:
        return rooms.none()
    rooms = rooms.filter(school__institute_id=roles.staff.institute_id)
    if roles.manages_institute_id is not None:
        return rooms
    if not roles.is_teacher:
        return rooms.none()
    taught = Teaching.objects.filter(teacher=roles.staff).values("classroom_id")
    return rooms.filter(Q(pk__in=taught) | Q(coordinator=roles.staff))


def may_address(user: Any, audience: Audience, year: SchoolYear) -> bool:
    """Whether this login may send a notice to `audience` in `year` (its institute's)."""
    institute_id = writer_institute_id(user)
    if institute_id is None or year.institute_id != institute_id or not audience.roles:
        return False
    schools = School.objects.filter(institute_id=institute_id)
    if audience.school_ids and schools.filter(pk__in=audience.school_ids).count() != len(
        set(audience.school_ids)
    ):
        return False
    rooms = addressable_classrooms(user, year)
    if audience.classroom_ids and rooms.filter(pk__in=audience.classroom_ids).count() != len(
        set(audience.classroom_ids)
    ):
        return False
    if audience.student_ids:
        enrolled = Enrollment.objects.filter(
            active_enrollments_on(timezone.localdate()), classroom__in=rooms
        )
        found = enrolled.filter(student_id__in=audience.student_ids).values("student_id")
        if found.distinct().count() != len(set(audience.student_ids)):
            return False
    if managed_institute_id(user) == institute_id:
        return True
    # A teacher: only their classrooms (or chosen families of them), never wider.
    if not set(audience.roles) <= TEACHER_ROLES:
        return False
    if audience.scope == AudienceScope.CLASSROOMS:
        return bool(audience.classroom_ids)
    return audience.scope == AudienceScope.FAMILIES and bool(audience.student_ids)


def visible_now(now: datetime.datetime | None = None) -> Q:
    """Published and not expired at `now` (by default this moment)."""
    moment = timezone.now() if now is None else now
    return Q(visible_from__lte=moment) & (
        Q(visible_until__isnull=True) | Q(visible_until__gt=moment)
    )


def received(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[NoticeRecipient]:
    """This login's notices it may read now (published, not expired; at `now` if given)."""
    if user is None or not user.is_authenticated:
        return NoticeRecipient.objects.none()
    return NoticeRecipient.objects.filter(visible_now(now), user_id=user.pk)


def followed_notices(user: Any) -> QuerySet[Notice]:
    """The notices this login follows: its own, and every one of its institute for the office
    and the principal."""
    roles = roles_for_user(user)
    if roles.staff is None:
        return Notice.objects.none()
    scope = Q(author_id=user.pk, institute_id=roles.staff.institute_id)
    if roles.manages_institute_id is not None:
        scope |= Q(institute_id=roles.manages_institute_id)
    return Notice.objects.filter(scope)


@dataclass(frozen=True)
class Access:
    notice: Notice
    recipient: NoticeRecipient | None  # None: followed, not received
    follows: bool


def notice_access(user: Any, notice_id: int) -> Access | None:
    """The one read of a notice: None (404) unless this login received it (and may read it
    now) or follows it."""
    recipient = received(user).filter(notice_id=notice_id).select_related("notice").first()
    follows = followed_notices(user).filter(pk=notice_id).exists()
    if recipient is not None:
        return Access(recipient.notice, recipient, follows)
    if follows:
        return Access(Notice.objects.get(pk=notice_id), None, True)
    return None


def followed_notice(user: Any, notice_id: int) -> Notice | None:
    return followed_notices(user).filter(pk=notice_id).select_related("school_year").first()


def consent_students(recipient: NoticeRecipient) -> list[Student] | None:
    """For whom this recipient answers a consent: the children (a family) or themselves as
    an adult student when asked per child; None when the recipient answers for themselves."""
    notice = recipient.notice
    if not notice.consent_per_child:
        return None
    if recipient.kind == RecipientKind.FAMILY:
        return list(
            Student.objects.filter(pk__in=recipient.students.values("student_id")).order_by(
                "surname", "name"
            )
        )
    if recipient.kind == RecipientKind.STUDENT:
        own = Student.objects.filter(pk__in=recipient.students.values("student_id"))
        return [s for s in own if s.is_adult]
    return []


@rules.predicate
def may_consent_for(recipient: NoticeRecipient | None, student_id: int | None) -> bool:
    if recipient is None or not recipient.notice.asks_consent:
        return False
    allowed = consent_students(recipient)
    if allowed is None:
        return student_id is None
    return student_id is not None and any(s.pk == student_id for s in allowed)


@rules.predicate
def may_follow(user: Any, notice: Notice | None) -> bool:
    return notice is not None and followed_notices(user).filter(pk=notice.pk).exists()


rules.add_rule("comms.write_notices", may_write_notices)
rules.add_rule("comms.follow_notice", may_follow)
