"""Who keeps access: leavers lose it on the institute's date (31 August by default).

A student leaves when their last enrolment was closed (transfer, withdrawal, end of studies) or
was in the final year of their school. Continuing students whose next enrolment the office has
not entered yet keep their access: a late promotion must not lock a whole school out.
Guardians lose access to that child only; a login with nothing left to see is disabled.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from campanella.people.models import (
    AccessEvent,
    AccessEventKind,
    Enrollment,
    ExitReason,
    Guardianship,
    Staff,
    Student,
    User,
)
from campanella.school.models import SchoolKind

FINAL_YEAR: dict[str, int] = {SchoolKind.LOWER_SECONDARY: 3, SchoolKind.INFANCY: 3}
LEAVING_REASONS = {ExitReason.TRANSFER, ExitReason.WITHDRAWAL, ExitReason.COMPLETED}


@dataclass
class RevocationReport:
    students: int = 0
    guardian_links: int = 0
    logins_disabled: int = 0


def last_enrollment(student: Student) -> Enrollment | None:
    return (
        student.enrollments.select_related("classroom__school", "school_year__institute")
        .order_by("-school_year__start_date", "-entry_date")
        .first()
    )


def has_left(enrollment: Enrollment) -> bool:
    if enrollment.exit_date is not None and enrollment.exit_reason in LEAVING_REASONS:
        return True
    school_kind = enrollment.classroom.school.kind
    return enrollment.exit_date is None and enrollment.classroom.year >= FINAL_YEAR.get(
        school_kind, 5
    )


def access_ends_on(enrollment: Enrollment) -> datetime.date:
    return enrollment.school_year.institute.access_end_after(enrollment.school_year)


def leavers(today: datetime.date) -> list[Student]:
    """Students who still have an open access but whose access date has passed."""
    still_open = Student.objects.filter(user__is_active=True) | Student.objects.filter(
        guardianships__access_revoked_on__isnull=True
    )
    found = []
    for student in still_open.distinct():
        enrollment = last_enrollment(student)
        # The institute's date is the day access ends: revoked on it, not the day after.
        if enrollment is not None and has_left(enrollment) and today >= access_ends_on(enrollment):
            found.append(student)
    return found


def has_other_access(user: User) -> bool:
    return (
        Staff.objects.filter(user=user, active=True).exists()
        or Guardianship.objects.filter(guardian__user=user, access_revoked_on__isnull=True).exists()
        or Student.objects.filter(user=user).exists()
    )


@transaction.atomic
def revoke_leavers(today: datetime.date) -> RevocationReport:
    report = RevocationReport()
    for student in leavers(today):
        revoke_student(student, today, report)
    return report


def revoke_student(
    student: Student, today: datetime.date, report: RevocationReport, actor: User | None = None
) -> None:
    """End a leaver's access: their own login, and each guardian's link to them (a guardian
    with nothing else to see loses the login too)."""
    report.students += 1
    why = f"uscita di {student.full_name}"
    if student.user is not None and student.user.is_active:
        disable_login(student.user, why, institute_id=student.institute_id, actor=actor)
        report.logins_disabled += 1
    links = list(
        student.guardianships.filter(access_revoked_on__isnull=True).select_related(
            "guardian__user"
        )
    )
    Guardianship.objects.filter(pk__in=[link.pk for link in links]).update(access_revoked_on=today)
    report.guardian_links += len(links)
    access_changed(link.guardian.user_id for link in links)
    for link in links:
        user = link.guardian.user
        if user is not None and user.is_active and not has_other_access(user):
            disable_login(user, why, institute_id=student.institute_id, actor=actor)
            report.logins_disabled += 1


def disable_login(
    user: User, why: str, *, institute_id: int | None, actor: User | None = None
) -> None:
    # A new session epoch ends every session and API token of the login (tokens remember it).
    User.objects.filter(pk=user.pk).update(
        is_active=False,
        session_epoch=F("session_epoch") + 1,
        access_version=F("access_version") + 1,
    )
    AccessEvent.objects.create(
        kind=AccessEventKind.ACCESS_REVOKED,
        user=user,
        username=user.username,
        actor=actor,
        institute_id=institute_id,
        detail=why,
    )


@transaction.atomic
def staff_leave(*, staff: Staff, actor: User) -> None:
    """The office marks a staff member as no longer in service: their login stops at once."""
    Staff.objects.filter(pk=staff.pk).update(active=False)
    if staff.user is not None and staff.user.is_active:
        staff.refresh_from_db()
        assert staff.user is not None
        if not has_other_access(staff.user):
            why = f"cessazione dal servizio di {staff.full_name}"
            disable_login(staff.user, why, institute_id=staff.institute_id, actor=actor)


def access_changed(user_ids: Iterable[int | None]) -> None:
    """What these logins may see changed (children, roles): their kept header is dropped."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if ids:
        User.objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)
