"""Who may do what with people and the school structure (django-rules predicates).

Object rules defer to the scoped selectors, so "may see" has one definition only.
"""

from __future__ import annotations

from typing import Any

import rules

from campanella.people.models import Student
from campanella.people.roles import roles_for_user
from campanella.people.selectors import classrooms_for_user, students_for_user
from campanella.school.models import Classroom


@rules.predicate
def is_office(user: Any) -> bool:
    return roles_for_user(user).is_office


@rules.predicate
def is_principal(user: Any) -> bool:
    return roles_for_user(user).is_principal


@rules.predicate
def is_teacher(user: Any) -> bool:
    return roles_for_user(user).is_teacher


@rules.predicate
def is_guardian(user: Any) -> bool:
    return roles_for_user(user).is_guardian


@rules.predicate
def is_student(user: Any) -> bool:
    return roles_for_user(user).is_student


@rules.predicate
def is_staff_member(user: Any) -> bool:
    return roles_for_user(user).staff is not None


@rules.predicate
def can_see_student(user: Any, student: Student | None) -> bool:
    if student is None:
        return False
    return students_for_user(user).filter(pk=student.pk).exists()


@rules.predicate
def can_see_classroom(user: Any, classroom: Classroom | None) -> bool:
    if classroom is None:
        return False
    return classrooms_for_user(user).filter(pk=classroom.pk).exists()


# Guardians' contacts are for school staff who already see the student, not for other families.
rules.add_rule("people.view_student", can_see_student)
rules.add_rule("people.view_student_guardians", is_staff_member & can_see_student)
rules.add_rule("people.view_classroom", can_see_classroom)
rules.add_rule("people.manage_structure", is_office)
