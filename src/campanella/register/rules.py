"""Who may write in the class register (reads are scoped by register.selectors)."""

from __future__ import annotations

from typing import Any

import rules

from campanella.people.models import Staff, Student
from campanella.people.roles import active_links, roles_for_user
from campanella.school.models import Classroom, Teaching


def staff_of(user: Any) -> Staff | None:
    return roles_for_user(user).staff


def teaches_in(user: Any, classroom: Classroom) -> bool:
    """A teacher with any assignment in the classroom, or its coordinator."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return classroom.pk in roles.coordinated_classroom_ids
    return (
        classroom.pk in roles.coordinated_classroom_ids
        or Teaching.objects.filter(teacher=roles.staff, classroom=classroom).exists()
    )


def may_substitute_in(user: Any, classroom: Classroom) -> bool:
    """Any teacher of the institute may sign a substitution hour (marked as such)."""
    roles = roles_for_user(user)
    return (
        roles.staff is not None
        and roles.is_teacher
        and roles.staff.institute_id == classroom.school.institute_id
    )


def may_justify(user: Any, student: Student) -> bool:
    """Guardians with the right to justify; adult students if the school allows it."""
    roles = roles_for_user(user)
    if active_links(roles.user_id).filter(student=student, may_justify=True).exists():
        return True
    return (
        roles.student is not None
        and roles.student.pk == student.pk
        and student.is_adult
        and student.institute.adult_students_may_justify
    )


@rules.predicate
def can_write_register(user: Any, classroom: Classroom | None) -> bool:
    return classroom is not None and teaches_in(user, classroom)


@rules.predicate
def can_justify(user: Any, student: Student | None) -> bool:
    return student is not None and may_justify(user, student)


rules.add_rule("register.write", can_write_register)
rules.add_rule("register.justify", can_justify)
