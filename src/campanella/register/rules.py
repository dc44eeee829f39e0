"""Who may write in the class register (reads are scoped by register.selectors)."""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Model

from campanella.audit.reading import kind_models
from campanella.audit.services import about
from campanella.orm.compiled import Compiled
from campanella.people.models import Staff, Student
from campanella.people.roles import active_links, roles_for_user
from campanella.people.selectors import classrooms_for_user, students_for_user
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


# A guardian's link to a child that carries the right to justify (asked by every family
# register page): compiled once per process (campanella.orm.compiled).
_justifying_link = Compiled(
    lambda user_id, student_id: (
        active_links(user_id).filter(student_id=student_id, may_justify=True).values("pk")[:1]
    ),
    int, int,
)  # fmt: skip


def may_justify(user: Any, student: Student) -> bool:
    """Guardians with the right to justify; adult students if the school allows it."""
    roles = roles_for_user(user)
    if roles.user_id is not None and any(_justifying_link(roles.user_id, student.pk)):
        return True
    return (
        roles.student is not None
        and roles.student.pk == student.pk
        and student.is_adult
        and student.institute.adult_students_may_justify
    )


def history_institute_id(user: Any) -> int | None:
    """The institute whose whole history of legal records this login reads: its office."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_office:
        return None
    return roles.staff.institute_id


def may_read_record_history(user: Any, classroom_id: int | None, student_id: int | None) -> bool:
    """One record's own history: staff who see the record — its classroom, or for a record
    kept without one (a justification, a waiver), its student. Families read the record
    itself, not its corrections."""
    if roles_for_user(user).staff is None:
        return False
    if classroom_id is not None:
        return classrooms_for_user(user).filter(pk=classroom_id).exists()
    if student_id is not None:
        return students_for_user(user).filter(pk=student_id).exists()
    return False


@rules.predicate
def can_write_register(user: Any, classroom: Classroom | None) -> bool:
    return classroom is not None and teaches_in(user, classroom)


@rules.predicate
def can_justify(user: Any, student: Student | None) -> bool:
    return student is not None and may_justify(user, student)


rules.add_rule("register.write", can_write_register)
rules.add_rule("register.justify", can_justify)


def record_for_history(user: Any, kind: str, pk: int) -> Model | None:
    """The record of `kind` (a slug of audit.reading.KINDS) whose own history `user` reads:
    None when there is no such record or the login does not see it (the page and the API)."""
    model = kind_models().get(kind)
    record = model._default_manager.filter(pk=pk).first() if model is not None else None
    if record is None:
        return None
    refs = about(record)
    if not may_read_record_history(user, refs["classroom_ref"], refs["student_ref"]):
        return None
    return record
