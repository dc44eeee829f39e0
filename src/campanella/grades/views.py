"""Pages of grades: the teacher's grade book (keyboard and whole-class entry), the family view
with averages and a trend chart, and the XLSX export."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from openpyxl import Workbook

from campanella.audit.concurrency import AlreadyChanged
from campanella.audit.reading import readable_changes
from campanella.audit.selectors import record_history
from campanella.grades import charts, selectors
from campanella.grades.markup import marked
from campanella.grades.models import COMMENT_LENGTH, Grade, GradeKind
from campanella.grades.selectors import ListedGrade, shown
from campanella.grades.services import (
    GradeInputError,
    NotAllowed,
    gradable_students,
    grade_add,
    grade_cancel,
    grade_change,
    grade_details_change,
    may_grade,
    teaches_subject,
)
from campanella.lib.grades import format_average, format_grade
from campanella.lib.html_text import escape
from campanella.lib.spreadsheets import append_row
from campanella.people.models import Student, User
from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    Scoped,
    classrooms_for_user,
    enrolled_students,
    visible_enrollment,
)
from campanella.school.guard import DayClosed
from campanella.school.models import Classroom, ClassroomSubject, Subject, Term

WITH_SCHOOL = ("school__institute", "school_year")


def scoped_classroom(request: HttpRequest, classroom_id: int) -> Classroom:
    """A classroom this login sees, with its school, institute and year (404 otherwise)."""
    scoped = classrooms_for_user(request.user).select_related(*WITH_SCHOOL)
    return get_object_or_404(scoped, pk=classroom_id)


@dataclass(frozen=True)
class BookScope:
    classroom: Classroom
    subject: Subject
    stamp: int  # the classroom's grades stamp, read with the scope: before any grade
    teaches: bool  # the login teaches the subject here (grades.services.teaches_subject)


def _book_link(related: tuple[str, ...]) -> Scoped[QuerySet[ClassroomSubject]]:
    def build(user: Any, classroom_id: int, subject_id: int) -> QuerySet[ClassroomSubject]:
        return (
            ClassroomSubject.objects.filter(classroom__in=classrooms_for_user(user))
            .select_related("subject", "classroom", *(f"classroom__{name}" for name in related))
            .annotate(
                stamp=selectors.stamp_of(OuterRef("classroom_id")),
                teaches=teaches_subject(user, OuterRef("classroom_id"), OuterRef("subject_id")),
            )
            .filter(classroom_id=classroom_id, subject_id=subject_id)
        )

    return Scoped(build, int, int)


# The book's scope is read on every view of a grade book: compiled once per kind of login.
_BOOK_LINKS: dict[tuple[str, ...], Scoped[QuerySet[ClassroomSubject]]] = {
    related: _book_link(related) for related in (WITH_SCHOOL, ())
}


def book_scope(
    request: HttpRequest, classroom_id: int, subject_id: int, related: tuple[str, ...] = WITH_SCHOOL
) -> BookScope:
    """A subject of a classroom this login sees (404 otherwise), in one query."""
    found = _BOOK_LINKS.get(related) or _book_link(related)
    link: Any = next(iter(found(request.user, classroom_id, subject_id)), None)
    if link is None:
        raise Http404
    return BookScope(
        classroom=link.classroom, subject=link.subject, stamp=link.stamp or 0,
        teaches=bool(link.teaches),
    )  # fmt: skip


def chosen_term(request: HttpRequest, terms: list[Term]) -> Term | None:
    return selectors.pick_term(terms, request.GET.get("periodo", ""))


KIND_LABELS = dict(GradeKind.choices)
T = TypeVar("T")

# Pages that list a hundred grades render each one here, with the same escaping as a template:
# the template engine spent more time on these lists than the database did (docs/benchmarks.md).


def kind_labels() -> dict[str, str]:
    """The kinds in the active language, translated once per page rather than once a grade."""
    return {kind: str(label) for kind, label in KIND_LABELS.items()}


def marked_average(value: Decimal | None, language: str | None = None) -> SafeString:
    below = selectors.average_below_sufficiency(value)
    return mark_safe(marked(shown_average(value), below, language))  # noqa: S308 - escaped


def family_grade_items(
    grades: list[ListedGrade], labels: dict[str, str], language: str | None
) -> SafeString:
    """The `<li>` of each grade on the family page: notation, date, kind, test, comment
    (`language`: the active one)."""
    not_counting = f" ({escape(_('non fa media'))})"
    items = []
    for grade in grades:
        kind = escape(labels.get(grade.kind, grade.kind))
        extra = "" if grade.counts_in_average else not_counting
        extra += f" · {escape(grade.teacher_name)}"  # who gave it (issue 11: item 2)
        if grade.description:
            extra += f" · {escape(grade.description)}"
        if grade.comment:
            extra += f'<span class="d-block small">{escape(grade.comment)}</span>'
        value = marked(shown(grade), selectors.below_sufficiency(grade), language)
        items.append(
            f'<li class="mb-1"><strong>{value}</strong> · '
            f"{grade.date:%d/%m/%Y} · {kind}{extra}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every text above is escaped


def book_grade_links(
    grades: list[ListedGrade], labels: dict[str, str], prefix: str, language: str | None
) -> SafeString:
    """The grade book cell of a student: each grade links to its page (correct or cancel).
    Between the entry cells, grade-book.js takes the links out of the Tab order (← reaches
    them from an empty cell)."""
    if not grades:
        return mark_safe("—")
    links = []
    for grade in grades:
        when = escape(f"{grade.date:%d/%m} {labels.get(grade.kind, grade.kind)}")
        title = f"{when} – {escape(grade.description)}" if grade.description else when
        value = marked(shown(grade), selectors.below_sufficiency(grade), language)
        links.append(
            f'<a class="badge bg-light text-dark me-1 cmp-chip" href="{prefix}{grade.pk}/" '
            f'title="{title}">{value}<span class="visually-hidden"> – {when}</span></a>'
        )
    return mark_safe("".join(links))  # noqa: S308 - every text above is escaped


@dataclass(frozen=True)
class BookLine:
    """A student's row of the grade book up to the entry cell: the same for every teacher."""

    student_id: int
    name: str  # not escaped: for messages in the page's template
    input_label: str  # escaped: "Nuovo voto di …", for the entry cell
    comment_label: str  # escaped: "Commento per la famiglia di …", beside it
    html: SafeString  # <tr>, name, grades, average, counts


def book_table(
    classroom: Classroom, subject: Subject, term: Term | None, day: datetime.date
) -> list[BookLine]:
    # Reversed once for the page, not once per grade: "/voti/voto/0/" → prefix + id + "/".
    prefix = escape(reverse("grades:detail", args=[0]).removesuffix("0/"))
    labels = kind_labels()
    language = get_language()  # asked once, not for each grade
    # Translated once for the book, not for each student.
    new_grade, comment_for = _("Nuovo voto di %(n)s"), _("Commento per la famiglia di %(n)s")
    lines = []
    for row in selectors.grade_book(classroom, subject, term, day):
        student = row.student
        counts = "/".join(str(row.count(kind)) for kind in GradeKind.values)
        html = (
            f'<tr data-student="{student.pk}">'
            f'<th scope="row">{escape(student.surname)} {escape(student.name)}</th>'
            f'<td data-col="voti">{book_grade_links(row.grades, labels, prefix, language)}</td>'
            f'<td data-col="media" data-testid="average-{student.pk}">'
            f"{marked_average(row.average, language)}</td>"
            f'<td data-col="prove">{counts}</td>'
        )
        name = {"n": student.full_name}
        lines.append(
            BookLine(
                student_id=student.pk, name=student.full_name,
                input_label=escape(new_grade % name),
                comment_label=escape(comment_for % name),
                html=mark_safe(html),  # noqa: S308 - escaped
            )
        )  # fmt: skip
    return lines


# What the grade pages compute from the grades is kept in the cache under the classroom's
# grades stamp (read first; grade writes and what grades.services.FOLLOWED lists replace
# it) and what else it depends on: the term, the language, the day (families see what is
# visible today, the book lists who is enrolled today) and the code that computes it.


def code_digest(*names: str) -> str:
    """A short digest of these files of the package: a release that changes how kept pages
    are computed or look does not show what an older one kept (a shared Redis outlives it)."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in names:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:12]


KEPT_CODE = code_digest(
    "grades/views.py", "grades/selectors.py", "lib/grades.py", "grades/charts.py",
    "grades/markup.py", "grades/api.py",
    "lib/api_lists.py",
)  # fmt: skip


def kept(key: str | None, compute: Callable[[], T]) -> T:
    """What `compute` gives, kept under `key`; computed every time without a key or when
    nothing is to be kept (GRADE_PAGES_SECONDS=0)."""
    if key is None or settings.GRADE_PAGES_SECONDS == 0:
        return compute()
    return cast(T, cache.get_or_set(key, compute, settings.GRADE_PAGES_SECONDS))


def page_key(
    name: str, stamp: int, classroom: Classroom, term: Term | None, *parts: object
) -> str | None:
    """None before the classroom's first stamp: a database made anew starts from 0 again, and
    a shared cache may still hold pages of the old one."""
    if stamp == 0:
        return None
    period = f"{term.pk}.{term.start_date}.{term.end_date}" if term is not None else "-"
    shared = (KEPT_CODE, stamp, classroom.pk, period, get_language())
    return ":".join(str(part) for part in ("campanella:grades", name, *shared, *parts))


@dataclass(frozen=True)
class BookEntry:
    """What the teacher may type in the book: which students, what was typed before a refusal,
    why a value was refused or what was saved (said next to its cell) and the cell to type in
    next. Keys are student ids as text (they travel in the session)."""

    writable: set[int]
    typed: dict[str, str]
    focus: str
    comments: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    said: dict[str, str] = field(default_factory=dict)

    def cell(self, line: BookLine) -> str:
        """The grade cell (with its status, a live region next to it) and the comment cell."""
        pk = line.student_id
        if pk not in self.writable:
            return "<td>—</td><td></td>"
        key = str(pk)
        status = f"voto-{pk}-stato"
        focus = " autofocus" if key == self.focus else ""
        invalid = f' aria-invalid="true" aria-describedby="{status}"' if key in self.refused else ""
        state = "cmp-status-error" if key in self.refused else "cmp-status-saved"
        message = self.refused.get(key) or self.said.get(key, "")
        return (
            f'<td class="cmp-entry"><label class="visually-hidden" for="voto-{pk}">'
            f"{line.input_label}</label>"
            f'<input type="text" id="voto-{pk}" name="voto-{pk}" size="4" inputmode="text" '
            f'autocomplete="off" data-entry="voto" value="{escape(self.typed.get(key, ""))}"'
            f"{invalid}{focus}>"
            f'<span id="{status}" class="cmp-cell-status {state}" role="status">'
            f"{escape(message)}</span></td>"
            f'<td class="cmp-entry"><label class="visually-hidden" for="commento-{pk}">'
            f"{line.comment_label}</label>"
            f'<input type="text" id="commento-{pk}" name="commento-{pk}" size="16" '
            f'maxlength="{COMMENT_LENGTH}" autocomplete="off" data-entry="commento" '
            f'value="{escape(self.comments.get(key, ""))}"></td>'
        )


def book_rows(lines: list[BookLine], entry: BookEntry | None) -> SafeString:
    """The book's rows and, for who may write, the cells to type in."""
    cells = (entry.cell(line) if entry else "" for line in lines)
    rows = [f"{line.html}{cell}</tr>" for line, cell in zip(lines, cells, strict=True)]
    return mark_safe("".join(rows))  # noqa: S308 - the lines and cells are escaped


def shown_average(value: Decimal | None) -> str:
    return format_average(value) if value is not None else "—"


def book_lines(
    scope: BookScope, term: Term | None, day: datetime.date, stamp: int
) -> list[BookLine]:
    """The book's rows up to the entry cells, kept under the classroom's grades `stamp`."""
    classroom, subject = scope.classroom, scope.subject
    key = page_key("book", stamp, classroom, term, subject.pk, day)
    return kept(key, lambda: book_table(classroom, subject, term, day))


def session_cells(request: HttpRequest, name: str) -> dict[str, str]:
    """What a save left for the next view of the book (student id → text), taken once."""
    found = request.session.pop(name, {})
    return found if isinstance(found, dict) else {}


@login_required
def grade_book(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    # The school and institute are fetched only when the grades are computed anew.
    scope = book_scope(request, classroom_id, subject_id, related=())
    classroom, subject = scope.classroom, scope.subject
    terms = selectors.terms_of(classroom)
    term = chosen_term(request, terms)
    # The students are those enrolled today: the day is part of what the book was computed for.
    today = timezone.localdate()
    lines = book_lines(scope, term, today, scope.stamp)
    writable = gradable_students(
        request.user, classroom, subject, [x.student_id for x in lines], teaches=scope.teaches
    )
    entry = BookEntry(
        writable=writable,
        typed=session_cells(request, "grade-typed"),
        comments=session_cells(request, "grade-comments"),
        refused=session_cells(request, "grade-errors"),
        said=session_cells(request, "grade-said"),
        focus=request.GET.get("prossimo", ""),
    )
    names = {str(line.student_id): line.name for line in lines}
    kind = request.GET.get("tipo", "")
    test = {
        "date": request.GET.get("data", "") or f"{today:%Y-%m-%d}",
        "kind": kind if kind in GradeKind.values else GradeKind.WRITTEN,
        "weight": request.GET.get("peso", "") or "1",
        "description": request.GET.get("descrizione", ""),
        "not_counting": request.GET.get("nonfamedia", "") == "1",
        "visible_from": request.GET.get("visibile", ""),
    }
    context = {
        "classroom": classroom,
        "subject": subject,
        "term": term,
        "terms": terms,
        "rows": book_rows(lines, entry if writable else None),
        "can_write": bool(writable),
        "kinds": GradeKind.choices,
        "test": test,
        "pass_mark": format_grade(selectors.PASS_MARK),
        "errors": [
            {"cell": f"voto-{pk}", "name": names.get(pk, ""), "message": why}
            for pk, why in entry.refused.items()
        ],
    }
    return render(request, "grades/book.html", context)


# Enter in a cell of the book sends the form with this header (grade-book.js): the answer is
# the book's rows, saved or not (a refusal is an everyday answer, not an HTTP error: the
# browser and the server logs would report each typo), and the page stays where it is.
FRAGMENT_HEADER = "Campanella-Fragment"


def posted_cells(request: HttpRequest, prefix: str) -> dict[int, str]:
    """The filled cells named `<prefix><student id>`, in the page's order."""
    cells: dict[int, str] = {}
    for key in request.POST:
        number = key.removeprefix(prefix)
        value = request.POST.get(key, "").strip()
        if key.startswith(prefix) and number.isdigit() and value:
            cells[int(number)] = value
    return cells


def text_keys(cells: dict[int, str]) -> dict[str, str]:
    return {str(pk): text for pk, text in cells.items()}


@login_required
def grade_book_save(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    """Whole-class (or single) entry: every filled cell becomes a grade, all or nothing."""
    if request.method != "POST":
        return HttpResponse(status=405)
    scope = book_scope(request, classroom_id, subject_id)
    classroom, subject = scope.classroom, scope.subject
    students = {s.pk: s for s in enrolled_students(classroom)}
    typed = posted_cells(request, "voto-")
    comments = posted_cells(request, "commento-")
    if (set(typed) | set(comments)) - set(students):
        raise Http404
    try:
        test = posted_test(request)
    except GradeInputError as error:
        problem = " ".join(error.messages)
        why = _("Non salvato: %(why)s") % {"why": problem}
        result = BookSave(saved=False, refused={}, said=dict.fromkeys(typed, why), problem=problem)
    else:
        result = save_grades(request, classroom, subject, students, typed, comments, test)
    if request.headers.get(FRAGMENT_HEADER) == "righe":
        return book_fragment(request, scope, result, typed, comments)
    if result.saved:
        saved = len(typed)
        messages.success(
            request,
            ngettext("%(count)d voto registrato.", "%(count)d voti registrati.", saved)
            % {"count": saved},
        )
    elif result.problem:
        messages.error(request, result.problem)
    if not result.saved:
        request.session["grade-errors"] = text_keys(result.refused)
        request.session["grade-typed"] = text_keys(typed)
        request.session["grade-comments"] = text_keys(comments)
    request.session["grade-said"] = text_keys(result.said)
    back = reverse("grades:book", args=[classroom.pk, subject.pk])
    kept_on = carried_on(request, list(students), typed, result)
    return redirect(f"{back}?{urlencode(kept_on)}")


def book_fragment(
    request: HttpRequest,
    scope: BookScope,
    result: BookSave,
    typed: dict[int, str],
    comments: dict[int, str],
) -> HttpResponse:
    """The book's rows after a save, for grade-book.js: new grades and averages, each typed
    row's status and, after a refusal, what was typed with the refused cells marked."""
    classroom, subject = scope.classroom, scope.subject
    term = selectors.pick_term(selectors.terms_of(classroom), request.POST.get("periodo", ""))
    today = timezone.localdate()
    lines = book_lines(scope, term, today, selectors.grades_stamp(classroom.pk))
    ids = [line.student_id for line in lines]
    writable = gradable_students(request.user, classroom, subject, ids, teaches=scope.teaches)
    entry = BookEntry(
        writable=writable,
        typed={} if result.saved else text_keys(typed),
        comments={} if result.saved else text_keys(comments),
        refused=text_keys(result.refused),
        said=text_keys(result.said),
        focus="",
    )
    saved = "si" if result.saved else "no"
    return HttpResponse(
        f'<table data-salvato="{saved}"><tbody>{book_rows(lines, entry)}</tbody></table>'
    )


def carried_on(
    request: HttpRequest, order: list[int], typed: dict[int, str], result: BookSave
) -> dict[str, str]:
    """What the book keeps after a save: the term, the test's date, kind, weight and
    description, and the cell to type in next: the first refused one, or, after one grade
    typed and saved with Enter, the next student's."""
    kept = {
        "periodo": request.POST.get("periodo", ""),
        "data": request.POST.get("date", ""),
        "tipo": request.POST.get("kind", ""),
        "peso": request.POST.get("weight", ""),
        "descrizione": request.POST.get("description", ""),
        "nonfamedia": request.POST.get("not_counting", ""),
        "visibile": request.POST.get("visible_from", ""),
    }
    if result.refused:
        kept["prossimo"] = str(next(pk for pk in order if pk in result.refused))
    elif len(typed) == 1 and result.saved:
        (done,) = typed
        position = order.index(done)
        if position + 1 < len(order):
            kept["prossimo"] = str(order[position + 1])
    return {key: value for key, value in kept.items() if value}


@dataclass(frozen=True)
class BookTest:
    """What the grades typed together share: the test."""

    day: datetime.date
    kind: str
    weight: Decimal
    counts_in_average: bool
    description: str
    visible_from: datetime.date | None


def posted_test(request: HttpRequest) -> BookTest:
    day = posted_date(request, "date")
    if day is None:
        raise GradeInputError(_("Data non valida."))
    return BookTest(
        day=day, kind=request.POST.get("kind", ""), weight=posted_weight(request),
        counts_in_average=request.POST.get("not_counting") != "1",
        description=request.POST.get("description", ""),
        visible_from=posted_date(request, "visible_from"),
    )  # fmt: skip


@dataclass(frozen=True)
class BookSave:
    """How a save of the book went: all saved, or nothing with the reason of each refused
    value; `said` is the status shown and announced next to each typed cell."""

    saved: bool
    refused: dict[int, str]
    said: dict[int, str]
    problem: str = ""  # what is wrong with the test (its date or weight), for the whole page


def save_grades(
    request: HttpRequest,
    classroom: Classroom,
    subject: Subject,
    students: dict[int, Student],
    typed: dict[int, str],
    comments: dict[int, str],
    test: BookTest,
) -> BookSave:
    user = request.user
    assert isinstance(user, User)
    alone = _("Scrivi anche il voto: il commento per la famiglia accompagna un voto.")
    refused = {pk: alone for pk in comments if pk not in typed}
    said: dict[int, str] = {}
    try:
        with transaction.atomic():
            for student_id, text in typed.items():
                try:
                    grade = grade_add(
                        user=user, classroom=classroom, subject=subject,
                        student=students[student_id], day=test.day, kind=test.kind, text=text,
                        weight=test.weight, counts_in_average=test.counts_in_average,
                        description=test.description, comment=comments.get(student_id, ""),
                        visible_from=test.visible_from,
                    )  # fmt: skip
                except GradeInputError as error:
                    refused[student_id] = " ".join(error.messages)
                else:
                    said[student_id] = saved_status(grade)
            if refused:
                raise GradeInputError(list(refused.values()))
    except GradeInputError:
        held = _("Non salvato: prima correggi i voti segnati.")
        return BookSave(saved=False, refused=refused, said=dict.fromkeys(typed, held))
    except DayClosed as closed:
        # The test's day, not one cell: said for the whole page, nothing saved.
        why = _("Non salvato: %(why)s") % {"why": closed.message}
        return BookSave(
            saved=False, refused={}, said=dict.fromkeys(typed, why), problem=closed.message
        )
    except NotAllowed:
        raise Http404 from None
    return BookSave(saved=True, refused={}, said=said)


def saved_status(grade: Grade) -> str:
    if grade.comment:
        return _("Salvato: %(grade)s, con il commento") % {"grade": shown(grade)}
    return _("Salvato: %(grade)s") % {"grade": shown(grade)}


@login_required
def grade_book_export(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    scope = book_scope(request, classroom_id, subject_id)
    classroom, subject = scope.classroom, scope.subject
    term = chosen_term(request, selectors.terms_of(classroom))
    rows = selectors.grade_book(classroom, subject, term)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Voti"
    append_row(
        sheet, ["Classe", classroom.name, "Materia", subject.name, "Periodo", str(term or "")]
    )
    append_row(sheet, [])
    width = max((len(row.grades) for row in rows), default=0)
    append_row(
        sheet,
        [
            "Alunno",
            *[f"Voto {n + 1}" for n in range(width)],
            "Media",
            "Scritti",
            "Orali",
            "Pratici",
        ],
    )
    for row in rows:
        cells = [f"{g.date:%d/%m} {shown(g)} ({KIND_LABELS[g.kind]})" for g in row.grades]
        cells += [""] * (width - len(cells))
        append_row(
            sheet,
            [
                row.student.full_name,
                *cells,
                shown_average(row.average),
                *[row.count(kind) for kind in GradeKind.values],
            ],
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
def class_overview(request: HttpRequest, classroom_id: int) -> HttpResponse:
    """Every student's average in every subject and the class average per subject: what the
    coordinator watches during the term (staff who see the classroom may open it)."""
    if roles_for_user(request.user).staff is None:
        raise Http404
    classroom = scoped_classroom(request, classroom_id)
    terms = selectors.terms_of(classroom)
    term = chosen_term(request, terms)
    overview = selectors.class_overview(classroom, term)
    context = {
        "classroom": classroom,
        "term": term,
        "terms": terms,
        "subjects": [
            {
                "name": subject.name,
                "short": subject.short_name or subject.name,
                "url": reverse("grades:book", args=[classroom.pk, subject.pk]),
                "average": marked_average(mean),
            }
            for subject, mean in zip(overview.subjects, overview.class_averages, strict=True)
        ],
        "rows": [
            {
                "student": row.student,
                "averages": [marked_average(mean) for mean in row.averages],
                "overall": marked_average(row.overall),
            }
            for row in overview.rows
        ],
        "class_overall": marked_average(overview.class_overall),
        "pass_mark": format_grade(selectors.PASS_MARK),
    }
    return render(request, "grades/classroom.html", context)


def sees_as_family(user: Any, classroom: Classroom) -> bool:
    """Staff who reach the classroom as staff see every grade; everyone else (a teacher who is
    also this child's parent included) sees what families see today."""
    if roles_for_user(user).staff is None:
        return True
    return not any(_staff_classroom(user, classroom.pk))


_staff_classroom = Scoped(
    lambda user, pk: classrooms_for_user(user).filter(pk=pk).values("pk")[:1], int
)


@login_required
def student_grades(request: HttpRequest, student_id: int) -> HttpResponse:
    enrollment = visible_enrollment(request.user, student_id)
    if enrollment is None:
        raise Http404
    student = enrollment.student
    classroom = enrollment.classroom
    family = sees_as_family(request.user, classroom)
    terms = selectors.terms_of(classroom)
    term = chosen_term(request, terms)
    # Families see what is visible today: the day is part of what their page was computed for.
    seen_on = timezone.localdate() if family else None
    stamp = selectors.grades_stamp(classroom.pk)
    key = page_key("student", stamp, classroom, term, student.pk, seen_on or "staff")
    context = {
        "student": student,
        "classroom": classroom,
        "term": term,
        "terms": terms,
        "section": kept(key, lambda: student_section(student, classroom, term, seen_on)),
    }
    return render(request, "grades/student.html", context)


def student_section(
    student: Student, classroom: Classroom, term: Term | None, seen_on: datetime.date | None
) -> str:
    """The family page's grades: overall average and its trend, then each subject's average,
    trend and grades (newest first); what families see on `seen_on`, everything for staff
    (None). Every chart of the page shares its dates: the term's start to the latest grade."""
    summaries = selectors.student_summary(
        student, classroom, term, family=seen_on is not None, today=seen_on
    )
    labels = kind_labels()
    language = get_language()  # asked once, not for each grade
    trends = [charts.running_points(s.grades, weighted=s.weighted) for s in summaries]
    days = [point.day for points in trends for point in points]
    frame = None
    if days:
        frame = charts.Frame.around(term.start_date if term else min(days), max(days))
    subjects = [
        {
            "id": s.subject_id,
            "name": s.subject,
            "grades": family_grade_items(s.grades, labels, language),
            "average": marked_average(s.average, language),
            "chart": charts.subject_chart(s.subject, f"andamento-{s.subject_id}", points, frame)
            if frame
            else "",
        }
        for s, points in zip(summaries, trends, strict=True)
    ]
    overall = selectors.overall_average(summaries)
    in_overall = [points for s, points in zip(summaries, trends, strict=True) if s.in_overall]
    overall_trend = charts.overall_points(in_overall)
    overall_chart = charts.overall_chart(overall_trend, frame) if frame else ""
    return section_html(subjects, marked_average(overall, language), overall_chart)


def section_html(subjects: list[dict[str, Any]], overall: str, overall_chart: str) -> SafeString:
    """The family page's grades section, as its template wrote it (built in Python: a dozen
    subjects' cards cost the template engine more than the rest of the page's frame;
    tests/grades/test_student_section.py compares it with that template). Literal texts are
    not escaped, as `{% translate "…" %}` writes them; the other values are HTML already or
    escaped here."""
    legend = _(
        '<span class="cmp-below"><span class="cmp-below-mark" aria-hidden="true">▼</span>'
        "in rosso</span>: voto o media sotto la sufficienza (%(pass_mark)s)."
    ) % {"pass_mark": escape(format_grade(selectors.PASS_MARK))}
    parts = [
        f'<p>{_("Media generale:")} <strong data-testid="overall-average">{overall}</strong></p>\n'
        f'<p class="small">{legend}</p>\n'
    ]
    if overall_chart:
        parts.append(
            '<section class="card card-bg mb-3" aria-labelledby="andamento-generale-h">'
            '<div class="card-body">\n  <h2 class="h5" id="andamento-generale-h">'
            f"{_('Andamento della media generale')}</h2>\n  {overall_chart}\n</div></section>"
        )
    parts.append("\n")
    mean = _("media")
    for item in subjects:
        subject_id = item["id"]
        parts.append(
            f'\n<section class="card card-bg mb-3" aria-labelledby="subject-{subject_id}">'
            f'<div class="card-body">\n  <h2 class="h5" id="subject-{subject_id}">'
            f'{escape(item["name"])} · {mean} <span data-testid="average">{item["average"]}'
            f"</span></h2>\n  {item['chart']}\n"
            '  <ul class="list-unstyled mb-0" data-testid="grades">\n'
            f"    {item['grades']}\n  </ul>\n</div></section>\n"
        )
    if not subjects:
        parts.append(f"<p>{_('Nessun voto in questo periodo.')}</p>")
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is HTML or escaped


def posted_date(request: HttpRequest, name: str) -> datetime.date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise GradeInputError(_("Data non valida.")) from None


def posted_weight(request: HttpRequest) -> Decimal:
    try:
        weight = Decimal(request.POST.get("weight", "1").strip().replace(",", ".") or "1")
    except ArithmeticError:
        raise GradeInputError(_("Peso non valido.")) from None
    if not weight.is_finite():
        raise GradeInputError(_("Peso non valido."))
    return weight


def details_save(request: HttpRequest, user: User, grade: Grade) -> None:
    grade_details_change(
        user=user, grade=grade, description=request.POST.get("description", ""),
        comment=request.POST.get("comment", ""), weight=posted_weight(request),
        counts_in_average=request.POST.get("not_counting") != "1",
        visible_from=posted_date(request, "visible_from"),
        reason=request.POST.get("details_reason", ""),
    )  # fmt: skip


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
            elif request.POST.get("action") == "details":
                details_save(request, user, grade)
                messages.success(request, _("Dettagli del voto aggiornati."))
            else:
                grade_change(
                    user=user, grade=grade, text=request.POST.get("grade", ""), reason=reason
                )
                messages.success(request, _("Voto corretto."))
        except GradeInputError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("grades:detail", grade_id=grade.pk)
        except (AlreadyChanged, DayClosed) as error:
            messages.error(request, error.message)
            return redirect("grades:detail", grade_id=grade.pk)
        return redirect(back)
    context = {
        "grade": grade,
        "text": shown(grade),
        "can_write": can_write,
        "back": back,
        "history": readable_changes(record_history(grade)),
        "weight": f"{grade.weight.normalize():f}".replace(".", ","),
    }
    return render(request, "grades/detail.html", context)
