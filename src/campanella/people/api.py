"""API: classrooms and students, scoped by the same selectors as the pages."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from campanella.lib.api_errors import ErrorOut
from campanella.lib.api_lists import PAGED, Paging, page_of
from campanella.lib.ids import Id
from campanella.people.models import Student
from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    classroom_teachers,
    classrooms_for_user,
    classrooms_with_teachers_for_user,
    current_enrollment,
    enrolled_students,
    students_for_user,
)
from campanella.school.models import Classroom
from campanella.school.selectors import current_school_year

router = Router(tags=["classi e alunni"])


class ClassroomOut(Schema):
    id: int
    name: str
    year: int
    section: str
    track: str
    school: str
    school_year: str


class StudentOut(Schema):
    id: int
    surname: str
    name: str
    birth_date: datetime.date
    is_adult: bool


class StudentDetailOut(StudentOut):
    classroom: ClassroomOut | None


class ClassroomDetailOut(ClassroomOut):
    students: list[StudentOut]


class TeacherOut(Schema):
    name: str  # "Cognome Nome": no login, e-mail or phone
    subjects: list[str]
    is_support: bool  # sostegno, never with the student followed
    is_coordinator: bool


def classroom_out(classroom: Classroom) -> ClassroomOut:
    return ClassroomOut(
        id=classroom.pk,
        name=classroom.name,
        year=classroom.year,
        section=classroom.section,
        track=classroom.track,
        school=classroom.school.name,
        school_year=classroom.school_year.name,
    )


def student_out(student: Student) -> StudentOut:
    return StudentOut(
        id=student.pk,
        surname=student.surname,
        name=student.name,
        birth_date=student.birth_date,
        is_adult=student.is_adult,
    )


@router.get(
    "/classrooms",
    response={200: list[ClassroomOut], 401: ErrorOut, 422: ErrorOut},
    summary="Le classi dell'anno in corso visibili a chi chiama",
    openapi_extra=PAGED,
)
def classroom_list(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging]
) -> list[ClassroomOut]:
    classrooms = classrooms_for_user(request.user).select_related("school", "school_year")
    institute_id = roles_for_user(request.user).institute_id
    year = current_school_year(institute_id) if institute_id else None
    if year is not None:
        classrooms = classrooms.filter(school_year=year)
    ordered = classrooms.order_by("school__name", "year", "section", "pk")
    return [classroom_out(c) for c in page_of(ordered, request, paging, response)]


@router.get(
    "/classrooms/{classroom_id}",
    response={200: ClassroomDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Una classe con i suoi alunni iscritti oggi",
)
def classroom_detail(request: HttpRequest, classroom_id: Id) -> ClassroomDetailOut:
    visible = classrooms_for_user(request.user).select_related("school", "school_year")
    classroom = get_object_or_404(visible, pk=classroom_id)
    students = [student_out(s) for s in enrolled_students(classroom)]
    return ClassroomDetailOut(**classroom_out(classroom).dict(), students=students)


@router.get(
    "/classrooms/{classroom_id}/teachers",
    response={200: list[TeacherOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="I docenti di una classe con le materie (per le famiglie, gli alunni e il personale)",
    openapi_extra=PAGED,
)
def classroom_teacher_list(
    request: HttpRequest, response: HttpResponse, classroom_id: Id, paging: Query[Paging]
) -> list[TeacherOut]:
    visible = classrooms_with_teachers_for_user(request.user).select_related("coordinator")
    classroom = get_object_or_404(visible, pk=classroom_id)
    return [
        TeacherOut(
            name=line.name,
            subjects=line.subjects,
            is_support=line.is_support,
            is_coordinator=line.is_coordinator,
        )
        for line in page_of(classroom_teachers(classroom), request, paging, response)
    ]


@router.get(
    "/students/{student_id}",
    response={200: StudentDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Un alunno visibile a chi chiama, con la classe attuale",
)
def student_detail(request: HttpRequest, student_id: Id) -> StudentDetailOut:
    student = get_object_or_404(students_for_user(request.user), pk=student_id)
    enrollment = current_enrollment(student)
    classroom = classroom_out(enrollment.classroom) if enrollment is not None else None
    return StudentDetailOut(**student_out(student).dict(), classroom=classroom)
