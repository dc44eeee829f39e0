"""Pages about classrooms and students. Thin: scope with a selector, render."""

from __future__ import annotations

import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    classroom_overview,
    classroom_teachers,
    classrooms_for_user,
    classrooms_with_teachers_for_user,
    current_enrollment,
    enrolled_students,
    students_for_user,
)
from campanella.school.models import Weekday
from campanella.school.selectors import current_school_year, timetable_of_classroom


@login_required
def classroom_list(request: HttpRequest) -> HttpResponse:
    roles = roles_for_user(request.user)
    if roles.staff is None:
        raise Http404
    year = current_school_year(roles.staff.institute_id)
    classrooms = classroom_overview(roles.staff.institute_id, year.pk) if year else None
    visible = (
        classrooms.filter(pk__in=classrooms_for_user(request.user).values("pk"))
        if classrooms is not None
        else []
    )
    return render(request, "people/classroom_list.html", {"classrooms": visible, "year": year})


@login_required
def classroom_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = classrooms_for_user(request.user).select_related(
        "school", "school_year", "coordinator"
    )
    classroom = get_object_or_404(visible, pk=pk)
    entries = list(timetable_of_classroom(classroom.pk))
    weekdays = [
        (value, label) for value, label in Weekday.choices if value in classroom.school.weekdays
    ]
    slots = sorted({entry.slot for entry in entries}, key=lambda slot: slot.number)
    grid = {(entry.slot_id, entry.weekday): entry.subject for entry in entries}
    rows = [
        {"slot": slot, "cells": [grid.get((slot.pk, day)) for day, _label in weekdays]}
        for slot in slots
    ]
    context = {
        "classroom": classroom,
        "students": list(enrolled_students(classroom)),
        "teachers": classroom_teachers(classroom),
        "weekdays": weekdays,
        "rows": rows,
    }
    return render(request, "people/classroom_detail.html", context)


@login_required
def classroom_teacher_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The classroom's "elenco docenti", for its families, its students and its staff."""
    visible = classrooms_with_teachers_for_user(request.user).select_related(
        "school", "school_year", "coordinator"
    )
    classroom = get_object_or_404(visible, pk=pk)
    context = {"classroom": classroom, "teachers": classroom_teachers(classroom)}
    return render(request, "people/classroom_teachers.html", context)


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(students_for_user(request.user).select_related("institute"), pk=pk)
    guardianships = []
    if rules.test_rule("people.view_student_guardians", request.user, student):
        guardianships = list(student.guardianships.select_related("guardian").order_by("relation"))
    context = {
        "student": student,
        "enrollment": current_enrollment(student),
        "guardianships": guardianships,
        "manages": roles_for_user(request.user).manages_institute_id == student.institute_id,
    }
    return render(request, "people/student_detail.html", context)
