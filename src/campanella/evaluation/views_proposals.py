"""Pages of the proposals (domain §3.1):

* `/scrutini/<id>/proposte/`: a teacher sees and edits the proposals of their subjects for
  every student (average, number of grades, hours absent, proposal, gaps, recovery mode), by
  keyboard like the grade book (static/campanella/proposals.js); the coordinator, the
  principal and the office see the whole grid and who is missing, and read the proposals from
  the register (again, with an overwrite that warns);
* `/scrutini/proposte/lettura/`: the office and the principal read the proposals of a period
  for all or some classrooms at once (synchronously: the whole institute is read in seconds,
  docs/benchmarks.md).

Views are thin: authorization in evaluation.rules, reads in evaluation.proposal_selectors,
writes in evaluation.proposals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campanella.evaluation import rules, steps
from campanella.evaluation.models import (
    EvaluationSession,
    RecoveryMode,
    SessionKind,
    Step,
    SubjectMark,
)
from campanella.evaluation.proposal_selectors import (
    JUDGEMENT,
    NUMERIC,
    Grid,
    GridSubject,
    failing,
    missing,
    session_grid,
)
from campanella.evaluation.proposals import (
    NotAllowed,
    ProposalError,
    ReadOutcome,
    last_reading,
    proposal_change,
    proposals_read,
    shown_proposal,
)
from campanella.grades.markup import marked
from campanella.lib.grades import format_average
from campanella.people.models import Student, User
from campanella.people.roles import roles_for_user
from campanella.school.models import Classroom, Term

FRAGMENT_HEADER = "Campanella-Fragment"  # as the grade book: Enter saves without leaving
steps.STEP_PAGES[Step.PROPOSALS] = "evaluation:proposals"  # the session's overview links here


def scoped_session(request: HttpRequest, session_id: int) -> EvaluationSession:
    """A session this login sees (rules.sessions_for_user), with what the grid needs."""
    sessions = rules.sessions_for_user(request.user).select_related(
        "classroom__school__institute", "term__school_year"
    )
    return get_object_or_404(sessions, pk=session_id)


def the_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- the teacher's grid --------------------------------------------------------------------------


@dataclass
class Entry:
    """What the teacher's grid shows in its cells after a save: what was typed, why a row was
    refused, what was saved (keys: student ids)."""

    typed: dict[int, dict[str, str]] = field(default_factory=dict)
    refused: dict[int, str] = field(default_factory=dict)
    wrong: dict[int, str] = field(default_factory=dict)  # the refused field: proposta, carenze…
    said: dict[int, str] = field(default_factory=dict)
    focus: str = ""


def shown_average(value: Any) -> str:
    return format_average(value) if value is not None else "—"


def recovery_options(chosen: str) -> str:
    options = [f'<option value=""{" selected" if not chosen else ""}>—</option>']
    for value, label in RecoveryMode.choices:
        selected = " selected" if value == chosen else ""
        options.append(f'<option value="{value}"{selected}>{escape(label)}</option>')
    return "".join(options)


def teacher_rows(grid: Grid, column: GridSubject, entry: Entry, writable: bool) -> SafeString:
    """The rows of one subject: the register's figures and, for its teacher while the session
    is at the proposals step, the cells to type in (proposal, gaps, recovery mode) with a
    status next to them (a live region)."""
    rows = []
    subject_id = column.subject.pk
    for student in grid.students:
        if not grid.due(student.pk, subject_id):
            continue  # an integrativo: only the subjects of the student's debts
        mark = grid.mark(student.pk, subject_id)
        pk = student.pk
        name = escape(f"{student.surname} {student.name}")
        proposal = shown_proposal(mark)
        below = mark is not None and mark.proposed and failing(mark) and column.scale != JUDGEMENT
        average = mark.register_average if mark else None
        cells = (
            f'<tr data-student="{pk}"><th scope="row">{name}</th>'
            f'<td data-col="media" data-testid="average-{pk}">'
            f"{marked(shown_average(average), average is not None and average < 6)}</td>"
            f'<td data-col="voti">{mark.grades_count if mark else 0}</td>'
            f'<td data-col="assenze">{mark.hours_absent if mark else 0}</td>'
        )
        if not writable:
            gaps = escape(mark.gaps) if mark else ""
            mode = escape(mark.get_recovery_mode_display()) if mark and mark.recovery_mode else ""
            rows.append(
                f'{cells}<td data-col="proposta">{marked(proposal or "—", below)}</td>'
                f'<td data-col="carenze">{gaps}</td><td data-col="recupero">{mode}</td></tr>'
            )
            continue
        typed = entry.typed.get(pk, {})
        value = typed.get("proposta", proposal)
        gaps = typed.get("carenze", mark.gaps if mark else "")
        mode = typed.get("recupero", mark.recovery_mode if mark else "")
        status = f"stato-{pk}"
        wrong = entry.wrong.get(pk, "proposta") if pk in entry.refused else ""
        flagged = f' aria-invalid="true" aria-describedby="{status}"'
        invalid, invalid_gaps, invalid_mode = (
            flagged if wrong == name else "" for name in ("proposta", "carenze", "recupero")
        )
        state = "cmp-status-error" if pk in entry.refused else "cmp-status-saved"
        message = entry.refused.get(pk) or entry.said.get(pk, "")
        focus = " autofocus" if str(pk) == entry.focus else ""
        hand = (
            f' <span class="badge bg-light text-dark">{escape(_("modificata"))}</span>'
            if mark is not None and mark.changed_by_hand
            else ""
        )
        labels = {
            "proposta": _("Proposta per %(n)s") % {"n": student.full_name},
            "carenze": _("Carenze di %(n)s") % {"n": student.full_name},
            "recupero": _("Modalità di recupero per %(n)s") % {"n": student.full_name},
        }
        rows.append(
            f'{cells}<td class="cmp-entry" data-col-entry="proposta">'
            f'<label class="visually-hidden" for="proposta-{pk}">{escape(labels["proposta"])}'
            f'</label><input type="text" id="proposta-{pk}" name="proposta-{pk}" size="5" '
            f'autocomplete="off" data-entry="proposta" value="{escape(value)}"{invalid}{focus}>'
            f'{hand}<span id="{status}" class="cmp-cell-status {state}" role="status">'
            f"{escape(message)}</span></td>"
            f'<td class="cmp-entry"><label class="visually-hidden" for="carenze-{pk}">'
            f'{escape(labels["carenze"])}</label><input type="text" id="carenze-{pk}" '
            f'name="carenze-{pk}" size="24" maxlength="2000" autocomplete="off" '
            f'data-entry="carenze" value="{escape(gaps)}"{invalid_gaps}></td>'
            f'<td class="cmp-entry"><label class="visually-hidden" for="recupero-{pk}">'
            f'{escape(labels["recupero"])}</label><select id="recupero-{pk}" '
            f'name="recupero-{pk}" data-entry="recupero"{invalid_mode}>{recovery_options(mode)}'
            f"</select></td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text above is escaped


# --- the whole grid and who is missing -----------------------------------------------------------


def whole_grid(grid: Grid) -> SafeString:
    """Students × subjects: each proposal (▼ when failing), the average and hours absent."""
    rows = []
    hours_label = escape(_("ore di assenza"))
    for student in grid.students:
        cells = [f'<th scope="row">{escape(student.surname)} {escape(student.name)}</th>']
        for column in grid.subjects:
            if not grid.due(student.pk, column.subject.pk):
                cells.append("<td></td>")
                continue
            mark = grid.mark(student.pk, column.subject.pk)
            if mark is None or not mark.proposed:
                cells.append(
                    f'<td><span aria-hidden="true">—</span><span class="visually-hidden">'
                    f"{escape(_('manca'))}</span></td>"
                )
                continue
            below = failing(mark) and column.scale != JUDGEMENT
            average = "" if mark.register_average is None else format_average(mark.register_average)
            details = " · ".join(
                part
                for part in (average, f'{mark.hours_absent}<abbr title="{hours_label}">h</abbr>')
                if part
            )
            cells.append(
                f"<td><strong>{marked(shown_proposal(mark), below)}</strong>"
                f'<span class="d-block small">{details}</span></td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("".join(rows))  # noqa: S308 - escaped


def outcome_messages(outcome: ReadOutcome) -> list[str]:
    done = [
        ngettext(
            "Proposte lette dal registro per %(n)d classe",
            "Proposte lette dal registro per %(n)d classi",
            len(outcome.sessions),
        )
        % {"n": len(outcome.sessions)}
        + ": "
        + _(
            "%(created)d nuove, %(updated)d aggiornate, %(kept)d modificate dai docenti e "
            "mantenute."
        )
        % {"created": outcome.created, "updated": outcome.updated, "kept": outcome.kept}
    ]
    for classroom, why in outcome.skipped:
        done.append(_("%(c)s non letta: %(why)s") % {"c": classroom.name, "why": why})
    return done


# --- the session's page --------------------------------------------------------------------------


def page_context(
    request: HttpRequest, session: EvaluationSession, entry: Entry, chosen_subject: str
) -> dict[str, Any]:
    user = the_user(request)
    sees_all = rules.sees_all_proposals(user, session)
    own_ids = set(rules.proposal_subjects(user, session).values_list("pk", flat=True))
    grid = session_grid(session) if sees_all else session_grid(session, own_ids)
    own = [c for c in grid.subjects if c.subject.pk in own_ids]
    column = next((c for c in own if str(c.subject.pk) == chosen_subject), own[0] if own else None)
    at_proposals = session.step == Step.PROPOSALS
    # Reading from the register is for a classroom's own session of the period.
    readable = session.kind in (SessionKind.INTERMEDIATE, SessionKind.FINAL)
    may_read = (
        at_proposals
        and readable
        and (
            rules.may_lead(user, session)
            or rules.may_manage(user, session.classroom.school.institute_id)
        )
    )
    reading = last_reading(session)
    return {
        "session": session,
        "classroom": session.classroom,
        "grid": grid,
        "own": own,
        "column": column,
        "writable": column is not None and at_proposals,
        "at_proposals": at_proposals,
        "rows": teacher_rows(grid, column, entry, at_proposals) if column else "",
        "sees_all": sees_all,
        "missing": missing(grid) if sees_all else [],
        "whole": whole_grid(grid) if sees_all else "",
        "may_read": may_read,
        "reading": reading,
        "errors": [
            {"cell": f"proposta-{pk}", "name": student.full_name, "message": entry.refused[pk]}
            for student in grid.students
            if (pk := student.pk) in entry.refused
        ],
        "numeric": column is not None and column.scale == NUMERIC,
    }


@login_required
def proposals_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = scoped_session(request, session_id)
    entry = Entry(focus=request.GET.get("prossimo", ""))
    context = page_context(request, session, entry, request.GET.get("materia", ""))
    return render(request, "evaluation/proposals_session.html", context)


def posted_rows(request: HttpRequest, students: list[Student]) -> dict[int, dict[str, str]]:
    """What the form sent for each student of the grid (rows not sent are left alone); a
    student not in the grid is someone this page cannot name (404)."""
    known = {student.pk for student in students}
    rows = {}
    for key in request.POST:
        name, _dash, number = key.rpartition("-")
        if name not in ("proposta", "carenze", "recupero"):
            continue
        if not number.isdigit() or int(number) not in known:
            raise Http404
        pk = int(number)
        rows[pk] = {
            "proposta": request.POST.get(f"proposta-{pk}", "").strip(),
            "carenze": request.POST.get(f"carenze-{pk}", "").strip(),
            "recupero": request.POST.get(f"recupero-{pk}", ""),
        }
    return rows


def unchanged(row: dict[str, str], mark: SubjectMark | None) -> bool:
    if mark is None:
        return not (row["proposta"] or row["carenze"] or row["recupero"])
    return (
        row["proposta"] == shown_proposal(mark)
        and row["carenze"] == mark.gaps
        and row["recupero"] == mark.recovery_mode
    )


def save_rows(
    user: User, grid: Grid, column: GridSubject, rows: dict[int, dict[str, str]]
) -> tuple[bool, Entry]:
    """Every changed row through proposal_change, all or nothing."""
    students = {s.pk: s for s in grid.students}
    entry = Entry()
    with transaction.atomic():
        for pk, row in rows.items():
            if unchanged(row, grid.mark(pk, column.subject.pk)):
                continue
            try:
                proposal_change(
                    user=user, session=grid.session, student=students[pk],
                    subject=column.subject, mark=row["proposta"], gaps=row["carenze"],
                    recovery_mode=row["recupero"],
                )  # fmt: skip
            except ProposalError as error:
                entry.refused[pk] = error.message
                entry.wrong[pk] = wrong_field(error.code, row)
            else:
                entry.said[pk] = _("Salvato.")
        if entry.refused:
            transaction.set_rollback(True)
    if entry.refused:
        entry.typed = rows
        problem = _("Non salvato: correggi le righe segnalate.")
        entry.said = dict.fromkeys(entry.said, problem)
    return not entry.refused, entry


def wrong_field(code: str, row: dict[str, str]) -> str:
    """Which cell a refusal is about: the cursor goes there."""
    if code == "gaps_missing":
        return "carenze" if not row["carenze"] else "recupero"
    if code == "gaps_too_long":
        return "carenze"
    if code == "recovery_mode_invalid":
        return "recupero"
    return "proposta"


@login_required
def proposals_save(request: HttpRequest, session_id: int) -> HttpResponse:
    """The teacher's rows of one subject (POST only): saved all together or not at all."""
    if request.method != "POST":
        return HttpResponse(status=405)
    session = scoped_session(request, session_id)
    user = the_user(request)
    subject_id = request.POST.get("materia", "")
    own_ids = set(rules.proposal_subjects(user, session).values_list("pk", flat=True))
    if not subject_id.isdigit() or int(subject_id) not in own_ids:
        raise Http404
    grid = session_grid(session, [int(subject_id)])
    if not grid.subjects:
        raise Http404
    column = grid.subjects[0]
    rows = posted_rows(request, grid.students)
    try:
        saved, entry = save_rows(user, grid, column, rows)
    except NotAllowed:
        raise Http404 from None
    if request.headers.get(FRAGMENT_HEADER) == "righe":
        fresh = session_grid(session, [column.subject.pk])
        body = teacher_rows(fresh, fresh.subjects[0], entry, session.step == Step.PROPOSALS)
        state = "si" if saved else "no"
        return HttpResponse(f'<table data-salvato="{state}"><tbody>{body}</tbody></table>')
    if not saved:
        context = page_context(request, session, entry, subject_id)
        return render(request, "evaluation/proposals_session.html", context)
    count = len(entry.said)
    if count:
        messages.success(
            request,
            ngettext("%(n)d proposta salvata.", "%(n)d proposte salvate.", count) % {"n": count},
        )
    back = reverse("evaluation:proposals", args=[session.pk])
    return redirect(f"{back}?materia={column.subject.pk}")


@login_required
def proposals_session_read(request: HttpRequest, session_id: int) -> HttpResponse:
    """Read (again) the session's proposals from the register (POST only)."""
    if request.method != "POST":
        return HttpResponse(status=405)
    session = scoped_session(request, session_id)
    overwrite = request.POST.get("sovrascrivi") == "1"
    if session.kind not in (SessionKind.INTERMEDIATE, SessionKind.FINAL):
        raise Http404  # read from the classroom's own session of the period
    try:
        outcome = proposals_read(
            user=the_user(request), classrooms=[session.classroom], term=session.term,
            overwrite=overwrite,
        )  # fmt: skip
    except NotAllowed:
        raise Http404 from None
    except ProposalError as error:
        messages.error(request, error.message)
    else:
        for text in outcome_messages(outcome):
            messages.success(request, text)
    return redirect("evaluation:proposals", session.pk)


# --- reading for many classrooms -----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A period of the institute: the terms of that number in a school year, one per school."""

    key: str  # "<school year id>-<number>"
    label: str
    term: Term


def periods_of(institute_id: int) -> list[Period]:
    found: dict[str, Period] = {}
    for term in (
        Term.objects.filter(school_year__institute_id=institute_id)
        .select_related("school_year")
        .order_by("-school_year__start_date", "number", "school_id")
    ):
        key = f"{term.school_year_id}-{term.number}"
        found.setdefault(key, Period(key=key, label=str(term), term=term))
    return list(found.values())


def managed_institute(request: HttpRequest) -> int:
    roles = roles_for_user(request.user)
    institute_id = roles.manages_institute_id
    if institute_id is None or not rules.may_manage(request.user, institute_id):
        raise Http404
    return institute_id


@login_required
def proposals_bulk_read(request: HttpRequest) -> HttpResponse:
    """The office and the principal read a period's proposals for all or some classrooms."""
    institute_id = managed_institute(request)
    periods = periods_of(institute_id)
    chosen = request.POST.get("periodo", "") if request.method == "POST" else ""
    period = next((p for p in periods if p.key == chosen), periods[0] if periods else None)
    classrooms = list(
        Classroom.objects.filter(school__institute_id=institute_id)
        .select_related("school")
        .order_by("school__name", "year", "section", "track")
    )
    if period is not None:
        classrooms = [c for c in classrooms if c.school_year_id == period.term.school_year_id]
    problem = ""
    picked: set[str] = set()
    if request.method == "POST":
        picked = set(request.POST.getlist("classi"))
        every = request.POST.get("quali") != "scelte"
        targets = [c for c in classrooms if every or str(c.pk) in picked]
        if period is None or chosen != period.key:
            problem = _("Scegli un periodo.")
        elif not targets:
            problem = _("Scegli almeno una classe, oppure «tutte le classi».")
        else:
            try:
                outcome = proposals_read(
                    user=the_user(request), classrooms=targets, term=period.term,
                    overwrite=request.POST.get("sovrascrivi") == "1",
                )  # fmt: skip
            except NotAllowed:
                raise Http404 from None
            except ProposalError as error:
                problem = error.message
            else:
                request.session["proposals-read"] = outcome_messages(outcome)
                return redirect("evaluation:proposals_bulk")
    opened: dict[int, int] = {}  # classroom id → its session of the period, to open it
    if period is not None:
        opened = dict(
            EvaluationSession.objects.filter(
                classroom__in=classrooms, student__isnull=True,
                term__school_year_id=period.term.school_year_id, term__number=period.term.number,
            ).values_list("classroom_id", "pk")
        )  # fmt: skip
    by_school: dict[str, list[tuple[Classroom, int | None]]] = defaultdict(list)
    for classroom in classrooms:
        by_school[classroom.school.name].append((classroom, opened.get(classroom.pk)))
    return render(
        request,
        "evaluation/proposals_bulk.html",
        {
            "periods": periods,
            "period": period,
            "schools": dict(by_school),
            "picked": picked,
            "every": request.POST.get("quali", "tutte") != "scelte",
            "overwrite": request.POST.get("sovrascrivi") == "1",
            "problem": problem,
            "done": request.session.pop("proposals-read", []),
        },
    )
