"""Pages of grades: the teacher's grade book (keyboard and whole-class entry), the family view
with averages and a trend chart, and the XLSX export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from campanella.audit.services import history_of
from campanella.grades import selectors
from campanella.grades.models import Grade, GradeKind
from campanella.grades.selectors import shown
from campanella.grades.services import (
    GradeInputError,
    NotAllowed,
    grade_add,
    grade_cancel,
    grade_change,
    may_grade,
)
from campanella.lib.grades import format_average
from campanella.people.models import Student, User
from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    classrooms_for_user,
    current_enrollment,
    enrolled_students,
    students_for_user,
)
from campanella.school.models import Classroom, Subject, Term


def book_scope(
    request: HttpRequest, classroom_id: int, subject_id: int
) -> tuple[Classroom, Subject]:
    classroom = get_object_or_404(
        classrooms_for_user(request.user).select_related("school__institute", "school_year"),
        pk=classroom_id,
    )
    subject = get_object_or_404(Subject, pk=subject_id, classrooms__classroom=classroom)
    return classroom, subject


def chosen_term(request: HttpRequest, terms: list[Term]) -> Term | None:
    return selectors.pick_term(terms, request.GET.get("periodo", ""))


KIND_LABELS = dict(GradeKind.choices)


def grade_line(grade: Grade) -> dict[str, Any]:
    """What a page shows of a grade, formatted once here (templates only print)."""
    return {
        "text": shown(grade),
        "day": f"{grade.date:%d/%m/%Y}",
        "day_month": f"{grade.date:%d/%m}",
        "kind": KIND_LABELS.get(grade.kind, grade.kind),
        "counts": grade.counts_in_average,
        "description": grade.description,
        "comment": grade.comment,
    }


def book_lines(rows: list[selectors.BookRow]) -> list[dict[str, Any]]:
    # Reversed once for the page, not once per grade: "/voti/voto/0/" → prefix + id + "/".
    prefix = reverse("grades:detail", args=[0]).removesuffix("0/")
    suffix = "/"
    lines = []
    for row in rows:
        lines.append(
            {
                "student": row.student,
                "grades": [{**grade_line(g), "url": f"{prefix}{g.pk}{suffix}"} for g in row.grades],
                "average": format_average(row.average) if row.average is not None else "—",
                "counts": "/".join(str(row.count(kind)) for kind in GradeKind.values),
            }
        )
    return lines


@login_required
def grade_book(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    classroom, subject = book_scope(request, classroom_id, subject_id)
    terms = selectors.terms_of(classroom)
    term = chosen_term(request, terms)
    rows = selectors.grade_book(classroom, subject, term)
    can_write = bool(rows) and may_grade(request.user, classroom, subject, rows[0].student)
    typed = request.session.pop("grade-typed", {})
    lines = book_lines(rows)
    for line in lines:
        line["typed"] = typed.get(str(line["student"].pk), "")
    context = {
        "classroom": classroom,
        "subject": subject,
        "term": term,
        "terms": terms,
        "rows": lines,
        "can_write": can_write,
        "kinds": GradeKind.choices,
        "today": timezone.localdate(),
        "errors": request.session.pop("grade-errors", []),
    }
    return render(request, "grades/book.html", context)


@login_required
def grade_book_save(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    """Whole-class (or single) entry: every filled cell becomes a grade, all or nothing."""
    if request.method != "POST":
        return HttpResponse(status=405)
    classroom, subject = book_scope(request, classroom_id, subject_id)
    back = reverse("grades:book", args=[classroom.pk, subject.pk])
    try:
        day = datetime.date.fromisoformat(request.POST.get("date", ""))
        weight = Decimal(request.POST.get("weight", "1").replace(",", "."))
    except (ValueError, ArithmeticError):
        messages.error(request, _("Data o peso non validi."))
        return redirect(back)
    students = {s.pk: s for s in enrolled_students(classroom)}
    typed: dict[int, str] = {}
    for key in request.POST:
        number = key.removeprefix("voto-")
        value = request.POST.get(key, "").strip()
        if key.startswith("voto-") and number.isdigit() and value:
            typed[int(number)] = value
    if set(typed) - set(students):
        raise Http404
    errors = save_grades(request, classroom, subject, students, typed, day, weight)
    if errors:
        request.session["grade-errors"] = errors
        request.session["grade-typed"] = {str(k): v for k, v in typed.items()}
    else:
        messages.success(request, _("%(count)s voti registrati.") % {"count": len(typed)})
    return redirect(back)


def save_grades(
    request: HttpRequest,
    classroom: Classroom,
    subject: Subject,
    students: dict[int, Student],
    typed: dict[int, str],
    day: datetime.date,
    weight: Decimal,
) -> list[str]:
    errors: list[str] = []
    user = request.user
    assert isinstance(user, User)
    try:
        with transaction.atomic():
            for student_id, text in typed.items():
                try:
                    grade_add(
                        user=user, classroom=classroom, subject=subject,
                        student=students[student_id], day=day,
                        kind=request.POST.get("kind", ""), text=text, weight=weight,
                        counts_in_average=request.POST.get("counts") != "0",
                        description=request.POST.get("description", ""),
                        comment="",
                    )  # fmt: skip
                except GradeInputError as error:
                    errors.append(f"{students[student_id].full_name}: {' '.join(error.messages)}")
            if errors:
                raise GradeInputError(errors)
    except GradeInputError:
        return errors
    except NotAllowed:
        raise Http404 from None
    return errors


@login_required
def grade_book_export(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    classroom, subject = book_scope(request, classroom_id, subject_id)
    term = chosen_term(request, selectors.terms_of(classroom))
    rows = selectors.grade_book(classroom, subject, term)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Voti"
    sheet.append(["Classe", classroom.name, "Materia", subject.name, "Periodo", str(term or "")])
    sheet.append([])
    width = max((len(row.grades) for row in rows), default=0)
    sheet.append(
        ["Alunno", *[f"Voto {n + 1}" for n in range(width)], "Media", "Scritti", "Orali", "Pratici"]
    )
    for row in rows:
        cells = [f"{g.date:%d/%m} {shown(g)} ({KIND_LABELS[g.kind]})" for g in row.grades]
        cells += [""] * (width - len(cells))
        sheet.append(
            [
                row.student.full_name,
                *cells,
                format_average(row.average) if row.average is not None else "—",
                *[row.count(kind) for kind in GradeKind.values],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="voti-{classroom.pk}-{subject.pk}.xlsx"'
    )
    return response


@login_required
def student_grades(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(students_for_user(request.user), pk=student_id)
    enrollment = current_enrollment(student)
    if enrollment is None:
        raise Http404
    roles = roles_for_user(request.user)
    family = roles.staff is None  # staff see everything; families see what is visible today
    classroom = enrollment.classroom
    terms = selectors.terms_of(classroom)
    term = chosen_term(request, terms)
    summaries = selectors.student_summary(student, classroom, term, family=family)
    subjects = [
        {
            "id": s.subject_id,
            "name": s.subject,
            "grades": [grade_line(g) for g in s.grades],
            "average": format_average(s.average) if s.average is not None else "—",
            "chart": trend_points(s.grades),
        }
        for s in summaries
    ]
    overall = selectors.overall_average(summaries)
    context = {
        "student": student,
        "classroom": classroom,
        "term": term,
        "terms": terms,
        "subjects": subjects,
        "overall": format_average(overall) if overall is not None else "—",
    }
    return render(request, "grades/student.html", context)


def trend_points(grades: list[Grade]) -> str:
    """SVG polyline points (oldest to newest) on a 200×60 box; empty for fewer than 2 grades."""
    numeric = [g.value for g in reversed(grades) if g.value is not None]
    if len(numeric) < 2:
        return ""
    step = 200 / (len(numeric) - 1)
    return " ".join(
        f"{index * step:.1f},{60 - (float(value) - 1) / 9 * 60:.1f}"
        for index, value in enumerate(numeric)
    )


@login_required
def grade_detail(request: HttpRequest, grade_id: int) -> HttpResponse:
    """Correct or cancel one grade (with a reason); its history is shown below."""
    grade = get_object_or_404(
        Grade.objects.filter(classroom__in=classrooms_for_user(request.user)).select_related(
            "student", "subject", "classroom__school__institute", "teacher"
        ),
        pk=grade_id,
    )
    user = request.user
    assert isinstance(user, User)
    can_write = not grade.is_cancelled and may_grade(
        user, grade.classroom, grade.subject, grade.student
    )
    back = reverse("grades:book", args=[grade.classroom_id, grade.subject_id])
    if request.method == "POST":
        if not can_write:
            raise Http404
        reason = request.POST.get("reason", "")
        try:
            if request.POST.get("action") == "cancel":
                grade_cancel(user=user, grade=grade, reason=reason)
                messages.success(request, _("Voto annullato."))
            else:
                grade_change(
                    user=user, grade=grade, text=request.POST.get("grade", ""), reason=reason
                )
                messages.success(request, _("Voto corretto."))
        except GradeInputError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("grades:detail", grade_id=grade.pk)
        return redirect(back)
    context = {
        "grade": grade,
        "text": shown(grade),
        "can_write": can_write,
        "back": back,
        "history": history_of(grade),
    }
    return render(request, "grades/detail.html", context)
