"""The history of legal records, as the office reads it: the institute's, filtered and paged,
and one record's own (a grade, an absence), linked from where the record is shown.

Grades are reached as a kind of record (audit.reading.KINDS), not imported: the register and
grades are sibling apps (DESIGN §2).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from campanella.audit.models import ChangeAction
from campanella.audit.reading import kind_choices, readable_changes
from campanella.audit.selectors import HistoryFilter, institute_history, record_history
from campanella.people.models import Enrollment, Staff, Student
from campanella.register.forms import HistoryFilterForm
from campanella.register.rules import history_institute_id, record_for_history
from campanella.school.models import Classroom

PAGE_SIZE = 50


def classroom_choices(institute_id: int) -> list[tuple[int, str]]:
    classrooms = (
        Classroom.objects.filter(school__institute_id=institute_id)
        .select_related("school", "school_year")
        .order_by("-school_year__start_date", "school__name", "year", "section", "track")
    )
    return [(c.pk, f"{c.name} – {c.school.name} ({c.school_year.name})") for c in classrooms]


def student_choices(
    institute_id: int, classroom_id: int | None, student_id: int | None
) -> list[tuple[int, str]]:
    """The chosen classroom's students (ever enrolled), and the chosen student in any case:
    the whole institute would make a list of a thousand names."""
    students = Student.objects.filter(institute_id=institute_id)
    chosen = Q(pk=student_id) if student_id is not None else Q(pk__in=[])
    if classroom_id is not None:
        enrolled = Enrollment.objects.filter(classroom_id=classroom_id).values("student_id")
        chosen |= Q(pk__in=enrolled)
    students = students.filter(chosen)
    return [(s.pk, s.full_name) for s in students.order_by("surname", "name", "pk")]


def author_choices(institute_id: int) -> dict[int, tuple[str, int]]:
    """Staff of the institute with a login: {staff id: (name, user id)}."""
    staff = Staff.objects.filter(institute_id=institute_id, user__isnull=False).order_by(
        "surname", "name", "pk"
    )
    return {s.pk: (s.full_name, s.user_id) for s in staff if s.user_id is not None}


def chosen_int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdecimal() and len(value) < 19 else None


def filter_form(request: HttpRequest, institute_id: int) -> tuple[HistoryFilterForm, HistoryFilter]:
    classrooms = classroom_choices(institute_id)
    authors = author_choices(institute_id)
    classroom_id = chosen_int(request, "classe")
    form = HistoryFilterForm(
        request.GET or None,
        classrooms=classrooms,
        students=student_choices(
            institute_id,
            classroom_id if classroom_id in dict(classrooms) else None,
            chosen_int(request, "alunno"),
        ),
        authors=[(pk, name) for pk, (name, _user) in authors.items()],
        kinds=kind_choices(),
        actions=[(value, str(label)) for value, label in ChangeAction.choices],
    )
    if not form.is_bound or not form.is_valid():
        return form, HistoryFilter()
    data = form.cleaned_data
    classroom_id = data.get("classe")
    author = authors.get(data["autore"]) if data.get("autore") else None
    wanted = HistoryFilter(
        since=data.get("dal"),
        until=data.get("al"),
        kind=data.get("tipo") or None,
        action=data.get("azione") or None,
        student_id=data.get("alunno"),
        classroom_id=classroom_id,
        classroom_students=(
            Enrollment.objects.filter(classroom_id=classroom_id).values("student_id")
            if classroom_id is not None
            else None
        ),
        actor_id=author[1] if author else None,
    )
    return form, wanted


def page_query(request: HttpRequest) -> str:
    """The filters of this page, for the links to the other pages."""
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """Every insertion, correction and cancellation of the institute's legal records."""
    institute_id = history_institute_id(request.user)
    if institute_id is None:
        raise Http404
    form, wanted = filter_form(request, institute_id)
    page = Paginator(institute_history(institute_id, wanted), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "entries": readable_changes(page),
        "query": page_query(request),
    }
    return render(request, "register/history.html", context)


@login_required
def record_history_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One record's story, oldest first: for staff who see the record itself."""
    record = record_for_history(request.user, kind, pk)
    if record is None:
        raise Http404
    entries = readable_changes(record_history(record))
    context = {
        "entries": entries,
        "kind": record._meta.verbose_name,
        "about": entries[0].about if entries else "",
        "record": record,
    }
    return render(request, "register/record_history.html", context)
