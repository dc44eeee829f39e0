"""API of grades: subjects and terms of a classroom, the grade book, entering a grade, and a
student's grades with averages (families see only what is visible today)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from campanella.grades import selectors
from campanella.grades.selectors import AnyGrade, shown
from campanella.grades.services import grade_add
from campanella.grades.views import (
    BookScope,
    book_scope,
    chosen_term,
    kept,
    page_key,
    scoped_classroom,
    sees_as_family,
)
from campanella.lib.api_errors import CONFLICT, ErrorOut
from campanella.lib.api_lists import PAGED, Paging, json_body, json_reply, page_of, paging_headers
from campanella.lib.api_types import Day, Flag, Text
from campanella.lib.ids import Id
from campanella.people.models import Student, User
from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    enrolled_students,
    visible_enrollment,
)
from campanella.school.models import Classroom, Term

router = Router(tags=["voti"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SubjectOut(Schema):
    id: int
    name: str
    weekly_hours: int


class TermOut(Schema):
    id: int
    number: int
    kind: str
    start_date: datetime.date
    end_date: datetime.date


class GradeOut(Schema):
    id: int
    student_id: int
    subject: str
    date: datetime.date
    kind: str
    display: str
    value: Decimal | None
    weight: Decimal
    counts_in_average: bool
    description: str
    comment: str
    lesson_id: int | None = None  # the register's lesson of that subject that day, if any


class AverageOut(Schema):
    """A subject of one student: its average and grades."""

    subject_id: int
    subject: str
    average: Decimal | None
    grades: list[GradeOut]


class BookRowOut(Schema):
    """A student of the grade book: the grades and average in the book's subject."""

    student_id: int
    student: str
    average: Decimal | None
    grades: list[GradeOut]


def grade_out(grade: AnyGrade, subject_name: str) -> GradeOut:
    return GradeOut(**grade_row(grade, subject_name))


def grade_row(grade: AnyGrade, subject_name: str) -> dict[str, Any]:
    """A grade as GradeOut describes it, in plain values (lists build no schema object)."""
    return {
        "id": grade.pk, "student_id": grade.student_id, "subject": subject_name,
        "date": grade.date, "kind": grade.kind, "display": shown(grade), "value": grade.value,
        "weight": grade.weight, "counts_in_average": grade.counts_in_average,
        "description": grade.description, "comment": grade.comment, "lesson_id": grade.lesson_id,
    }  # fmt: skip


@router.get(
    "/classrooms/{classroom_id}/subjects",
    response={200: list[SubjectOut], **ERRORS},
    summary="Materie della classe",
    openapi_extra=PAGED,
)
def subjects(
    request: HttpRequest, response: HttpResponse, classroom_id: Id, paging: Query[Paging]
) -> list[SubjectOut]:
    classroom = scoped_classroom(request, classroom_id)
    rows = classroom.subjects.select_related("subject").order_by("subject__name", "pk")
    return [
        SubjectOut(id=r.subject_id, name=r.subject.name, weekly_hours=r.weekly_hours)
        for r in page_of(rows, request, paging, response)
    ]


@router.get(
    "/classrooms/{classroom_id}/terms",
    response={200: list[TermOut], **ERRORS},
    summary="Periodi dell'anno della classe",
    openapi_extra=PAGED,
)
def terms(
    request: HttpRequest, response: HttpResponse, classroom_id: Id, paging: Query[Paging]
) -> list[TermOut]:
    classroom = scoped_classroom(request, classroom_id)
    return [
        TermOut(id=t.pk, number=t.number, kind=t.kind, start_date=t.start_date, end_date=t.end_date)
        for t in page_of(selectors.terms_of(classroom), request, paging, response)
    ]


def book_rows_json(scope: BookScope, term: Term | None, day: datetime.date) -> list[str]:
    """Each row of the grade book as JSON text (BookRowOut), for the students enrolled on
    `day`: kept like the book's page, under the classroom's grades stamp."""
    classroom, subject = scope.classroom, scope.subject

    def compute() -> list[str]:
        return [
            json_body(
                {
                    "student_id": row.student.pk,
                    "student": row.student.full_name,
                    "average": row.average,
                    "grades": [grade_row(grade, subject.name) for grade in row.grades],
                }
            ).decode()
            for row in selectors.grade_book(classroom, subject, term, day)
        ]

    return kept(page_key("api-book", scope.stamp, classroom, term, subject.pk, day), compute)


@router.get(
    "/classrooms/{classroom_id}/subjects/{subject_id}/grades",
    response={200: list[BookRowOut], **ERRORS},
    summary="Registro dei voti di una materia (per alunno, con media)",
    openapi_extra=PAGED,
)
def grade_book(
    request: HttpRequest, classroom_id: Id, subject_id: Id, paging: Query[Paging]
) -> HttpResponse:
    # As the book's page: the school is fetched only when the rows are computed anew.
    scope = book_scope(request, classroom_id, subject_id, related=())
    term = chosen_term(request, selectors.terms_of(scope.classroom))
    rows = book_rows_json(scope, term, timezone.localdate())
    page = rows[paging.offset : paging.offset + paging.limit]
    body = ("[" + ",".join(page) + "]").encode()
    return json_reply(body, paging_headers(request, paging, len(rows)))


class SubjectAverageOut(Schema):
    subject_id: int
    subject: str
    average: Decimal | None


class StudentAveragesOut(Schema):
    student_id: int
    student: str
    averages: list[SubjectAverageOut]
    overall_average: Decimal | None


class ClassAveragesOut(Schema):
    term_id: int | None
    students: list[StudentAveragesOut]
    class_averages: list[SubjectAverageOut]
    class_overall_average: Decimal | None


@router.get(
    "/classrooms/{classroom_id}/averages",
    response={200: ClassAveragesOut, **ERRORS},
    summary="Medie della classe: per alunno e materia, della classe per materia (?periodo=)",
)
def class_averages(request: HttpRequest, classroom_id: Id) -> ClassAveragesOut:
    if roles_for_user(request.user).staff is None:
        raise Http404
    classroom = scoped_classroom(request, classroom_id)
    term = chosen_term(request, selectors.terms_of(classroom))
    overview = selectors.class_overview(classroom, term)

    def per_subject(means: list[Decimal | None]) -> list[SubjectAverageOut]:
        return [
            SubjectAverageOut(subject_id=subject.pk, subject=subject.name, average=mean)
            for subject, mean in zip(overview.subjects, means, strict=True)
        ]

    return ClassAveragesOut(
        term_id=term.pk if term else None,
        students=[
            StudentAveragesOut(
                student_id=row.student.pk,
                student=row.student.full_name,
                averages=per_subject(row.averages),
                overall_average=row.overall,
            )
            for row in overview.rows
        ],
        class_averages=per_subject(overview.class_averages),
        class_overall_average=overview.class_overall,
    )


class GradeIn(Schema):
    student_id: Id
    date: Day
    kind: Text = Field(description="scritto, orale o pratico")
    grade: Text = Field(description="notazione italiana: 7, 7+, 6½, 6,5, 6/7…")
    weight: Decimal = Decimal("1")
    counts_in_average: Flag = True
    description: Text = ""
    comment: Text = ""
    visible_from: Day | None = None


@router.post(
    "/classrooms/{classroom_id}/subjects/{subject_id}/grades",
    response={200: GradeOut, **ERRORS, **CONFLICT},
    summary="Inserisci un voto (notazione italiana: 7+, 6½, 6/7…)",
)
def grade_create(
    request: HttpRequest, classroom_id: Id, subject_id: Id, payload: GradeIn
) -> GradeOut:
    scope = book_scope(request, classroom_id, subject_id)
    classroom, subject = scope.classroom, scope.subject
    student = get_object_or_404(enrolled_students(classroom, payload.date), pk=payload.student_id)
    user = request.user
    assert isinstance(user, User)
    grade = grade_add(
        user=user, classroom=classroom, subject=subject, student=student, day=payload.date,
        kind=payload.kind, text=payload.grade, weight=payload.weight,
        counts_in_average=payload.counts_in_average, description=payload.description,
        comment=payload.comment, visible_from=payload.visible_from,
    )  # fmt: skip
    return grade_out(grade, subject.name)


class StudentGradesOut(Schema):
    overall_average: Decimal | None
    subjects: list[AverageOut]


@router.get(
    "/students/{student_id}/grades",
    response={200: StudentGradesOut, **ERRORS},
    summary="Voti e medie di un alunno (periodo in corso o ?periodo=)",
)
def student_grades(request: HttpRequest, student_id: Id) -> HttpResponse:
    enrollment = visible_enrollment(request.user, student_id)
    if enrollment is None:
        raise Http404
    student, classroom = enrollment.student, enrollment.classroom
    family = sees_as_family(request.user, classroom)
    term = chosen_term(request, selectors.terms_of(classroom))
    # As the family grades page: what families see today, kept under the grades stamp.
    seen_on = timezone.localdate() if family else None
    stamp = selectors.grades_stamp(classroom.pk)
    key = page_key("api-student", stamp, classroom, term, student.pk, seen_on or "staff")
    return json_reply(kept(key, lambda: student_grades_json(student, classroom, term, seen_on)))


def student_grades_json(
    student: Student, classroom: Classroom, term: Term | None, seen_on: datetime.date | None
) -> bytes:
    """StudentGradesOut as JSON: what families see on `seen_on`, everything for staff (None)."""
    summaries = selectors.student_summary(
        student, classroom, term, family=seen_on is not None, today=seen_on
    )
    return json_body(
        {
            "overall_average": selectors.overall_average(summaries),
            "subjects": [
                {
                    "subject_id": s.subject_id,
                    "subject": s.subject,
                    "average": s.average,
                    "grades": [grade_row(g, s.subject) for g in s.grades],
                }
                for s in summaries
            ],
        }
    )
