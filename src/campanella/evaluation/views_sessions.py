"""Pages of the scrutini's sessions: the list (and the office opening them), a session's
overview with its stepper, moving between steps, the lock with its confirmation, the
principal's reopening, and postponing one student's evaluation.

Every page reads the session through `selectors.session_for_user` (404 for whoever may not
see it); writes go through `evaluation.sessions`, whose refusals are shown as messages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from campanella.audit.concurrency import AlreadyChanged
from campanella.audit.reading import person_name, readable_changes
from campanella.audit.selectors import record_history
from campanella.evaluation import rules, selectors, steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.evaluation.sessions import (
    SessionError,
    session_defer,
    session_lock,
    session_reopen,
    sessions_create,
    step_advance,
    step_undo,
)
from campanella.lib.italian import italian_date
from campanella.people.roles import roles_for_user
from campanella.school.models import Classroom, Term
from campanella.school.selectors import current_school_year


def session_or_404(request: HttpRequest, session_id: int) -> EvaluationSession:
    session = selectors.session_for_user(request.user, session_id)
    if session is None:
        raise Http404
    return session


def refusal_shown(request: HttpRequest, error: SessionError | AlreadyChanged) -> None:
    messages.error(request, error.message)
    for problem in getattr(error, "problems", []):
        messages.warning(request, problem)


def moment(value: Any) -> str:
    local = timezone.localtime(value)
    return _("%(day)s alle %(time)s") % {
        "day": italian_date(local.date()),
        "time": f"{local:%H:%M}",
    }


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    session: EvaluationSession
    step_label: str
    position: int  # 1-based among the applicable steps
    total: int
    locked: bool


@dataclass(frozen=True)
class PeriodGroup:
    label: str
    rows: list[SessionRow]


def session_row(session: EvaluationSession) -> SessionRow:
    applicable = steps.applicable_steps(session)
    position = applicable.index(Step(session.step)) + 1 if session.step in applicable else 0
    return SessionRow(
        session=session,
        step_label=steps.step_label(session.step),
        position=position,
        total=len(applicable),
        locked=session.is_locked,
    )


def period_groups(sessions: list[EvaluationSession], schools: int) -> list[PeriodGroup]:
    """Sessions by period (newest year first), the school named when the institute has many."""
    groups: dict[int, list[SessionRow]] = defaultdict(list)
    labels: dict[int, str] = {}
    for session in sessions:
        term = session.term
        label = str(term)
        if schools > 1:
            label = f"{label} · {session.classroom.school.name}"
        labels[term.pk] = label
        groups[term.pk].append(session_row(session))
    return [PeriodGroup(label=labels[pk], rows=rows) for pk, rows in groups.items()]


def creation_choices(institute_id: int) -> tuple[list[Term], list[Classroom]]:
    """The periods and classrooms of the institute's current year (for opening sessions)."""
    year = current_school_year(institute_id)
    if year is None:
        return [], []
    terms = list(
        Term.objects.filter(school_year=year, school__institute_id=institute_id)
        .select_related("school", "school_year")
        .order_by("school__name", "start_date")
    )
    classrooms = list(
        Classroom.objects.filter(school_year=year, school__institute_id=institute_id)
        .select_related("school")
        .order_by("school__name", "year", "section", "track")
    )
    return terms, classrooms


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """The sessions this login may see, by period, with their step and lock."""
    roles = roles_for_user(request.user)
    if roles.staff is None:
        raise Http404
    sessions = list(selectors.sessions_visible(request.user))
    manages = rules.may_manage(request.user, roles.staff.institute_id)
    terms, classrooms = creation_choices(roles.staff.institute_id) if manages else ([], [])
    schools = {c.school_id for c in classrooms} | {s.classroom.school_id for s in sessions}
    context = {
        "groups": period_groups(sessions, len(schools)),
        "manages": manages,
        "terms": [(t.pk, f"{t} · {t.school.name}" if len(schools) > 1 else str(t)) for t in terms],
        "classrooms": classrooms,
        "several_schools": len(schools) > 1,
        "kinds": [(k, label) for k, label in SessionKind.choices if k != SessionKind.DEFERRED],
    }
    return render(request, "evaluation/session_list.html", context)


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdecimal() and len(v) < 19]


@login_required
@require_POST
def session_create(request: HttpRequest) -> HttpResponse:
    """The office (or the principal) opens the sessions of a period: for all the classrooms
    of the period's school, or for those chosen."""
    roles = roles_for_user(request.user)
    institute_id = roles.staff.institute_id if roles.staff is not None else None
    if institute_id is None or not rules.may_manage(request.user, institute_id):
        raise Http404
    term_id = request.POST.get("periodo", "")
    if not term_id:
        messages.error(request, _("Scegliere il periodo."))
        return redirect("evaluation:index")
    term = (
        Term.objects.filter(pk=int(term_id), school__institute_id=institute_id).first()
        if term_id.isdecimal() and len(term_id) < 19
        else None
    )
    if term is None:  # another institute's, or none at all
        raise Http404
    in_school = Classroom.objects.filter(
        school_id=term.school_id, school_year_id=term.school_year_id
    )
    if request.POST.get("classi") == "tutte":
        classrooms = list(in_school)
    else:
        chosen = posted_ids(request, "classe")
        classrooms = list(
            Classroom.objects.filter(pk__in=chosen, school__institute_id=institute_id)
        )
    try:
        made = sessions_create(
            classrooms=classrooms, term=term, kind=request.POST.get("tipo", ""), user=request.user
        )
    except SessionError as error:
        refusal_shown(request, error)
        return redirect("evaluation:index")
    if made.created:
        messages.success(
            request,
            ngettext("Aperto %(n)d scrutinio.", "Aperti %(n)d scrutini.", len(made.created))
            % {"n": len(made.created)},
        )
    if made.existing:
        messages.info(
            request,
            ngettext(
                "%(n)d scrutinio era già aperto.", "%(n)d scrutini erano già aperti.",
                len(made.existing),
            )
            % {"n": len(made.existing)},
        )  # fmt: skip
    for classroom, reason in made.skipped:
        messages.warning(
            request,
            _("%(classroom)s: nessuno scrutinio integrativo (%(reason)s).")
            % {"classroom": classroom.name, "reason": reason},
        )
    return redirect("evaluation:index")


# --- one session --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepItem:
    step: str
    label: str
    help: str
    code: str  # "done", "current", "todo" (for the page's style)
    state: str  # in words: "fatto", "in corso", "da fare"
    url: str


def step_url(step: str, session: EvaluationSession) -> str:
    name = steps.STEP_PAGES.get(step)
    if not name:
        return ""
    try:
        return reverse(name, kwargs={"session_id": session.pk})
    except NoReverseMatch:
        return ""


def stepper(session: EvaluationSession) -> list[StepItem]:
    applicable = steps.applicable_steps(session)
    current = applicable.index(Step(session.step)) if session.step in applicable else -1
    items = []
    for index, step in enumerate(applicable):
        if index < current or (step == Step.LOCKED and session.is_locked):
            code, state = "done", _("fatto")
        elif index == current:
            code, state = "current", _("in corso")
        else:
            code, state = "todo", _("da fare")
        items.append(
            StepItem(
                step=step.value,
                label=steps.step_label(step),
                help=str(steps.HELP.get(step, "")),
                code=code,
                state=state,
                url=step_url(step, session),
            )
        )
    return items


def session_title(session: EvaluationSession) -> str:
    title = _("%(kind)s della %(classroom)s") % {
        "kind": session.get_kind_display().capitalize(),
        "classroom": session.classroom.name,
    }
    if session.student is not None:
        title += " – " + session.student.full_name
    return title


def frozen_items(session: EvaluationSession) -> list[str]:
    """What the lock freezes, in the words of the confirmation."""
    term = session.term
    days = _("dal %(start)s al %(end)s") % {
        "start": italian_date(term.start_date),
        "end": italian_date(term.end_date),
    }
    classroom = session.classroom.name
    return [
        _(
            "I voti, le lezioni e le firme, le assenze, i ritardi, le uscite, le giustificazioni, "
            "le deroghe e le note della classe %(classroom)s %(days)s."
        )
        % {"classroom": classroom, "days": days},
        _("Le iscrizioni che spostano un alunno della classe in quei giorni."),
        _("Le date del %(term)s.") % {"term": term},
        _("Le proposte, i voti finali, gli esiti e le delibere di questo scrutinio."),
        _("I documenti prodotti (verbale, tabellone, lettere): restano come versione %(v)d.")
        % {"v": session.version},
    ]


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's overview: every step, where it stands, what blocks the next one, and the
    leader's buttons (advance, undo, lock) or the principal's reopening."""
    session = session_or_404(request, session_id)
    user = request.user
    leads = rules.may_lead(user, session)
    following = steps.next_step(session)
    earlier = steps.previous_step(session)
    locked = session.is_locked
    problems = [] if locked or following is None else steps.step_problems(session)
    manages = rules.may_manage(user, session.classroom.school.institute_id)
    may_defer = (leads or manages) and not locked and session.kind in (
        SessionKind.INTERMEDIATE, SessionKind.FINAL,
    )  # fmt: skip
    deferred = list(
        EvaluationSession.objects.filter(
            classroom_id=session.classroom_id, term_id=session.term_id, kind=SessionKind.DEFERRED
        )
        .select_related("student")
        .order_by("student__surname", "student__name")
    )
    context = {
        "session": session,
        "title": session_title(session),
        "stepper": stepper(session),
        "current_label": steps.step_label(session.step),
        "problems": problems,
        "leads": leads,
        "may_reopen": locked and rules.may_reopen(user, session),
        "locked": locked,
        "locked_when": moment(session.locked_at) if session.locked_at else "",
        "locked_by_name": person_name(session.locked_by) if session.locked_by else "—",
        "next_label": steps.step_label(following) if following else "",
        "may_advance": leads and not locked and following not in (None, Step.LOCKED),
        "may_undo": leads and not locked and earlier is not None,
        "may_lock": leads and session.step == Step.MINUTES,
        "previous_label": steps.step_label(earlier) if earlier else "",
        "students": list(selectors.session_students(session)) if may_defer else [],
        "may_defer": may_defer,
        "deferred": [] if session.kind == SessionKind.DEFERRED else deferred,
        "history": readable_changes(record_history(session).order_by("-at", "-pk")),
    }
    return render(request, "evaluation/session_detail.html", context)


def back_to(session: EvaluationSession) -> HttpResponse:
    return redirect("evaluation:session", session_id=session.pk)


@login_required
@require_POST
def session_advance(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    try:
        step_advance(session=session, user=request.user, from_step=request.POST.get("fase"))
        messages.success(
            request,
            _("Lo scrutinio è passato alla fase «%(step)s».")
            % {"step": steps.step_label(session.step)},
        )
    except (SessionError, AlreadyChanged) as error:
        refusal_shown(request, error)
    return back_to(session)


@login_required
@require_POST
def session_undo(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    try:
        step_undo(session=session, user=request.user, from_step=request.POST.get("fase"))
        messages.success(
            request,
            _("Lo scrutinio è tornato alla fase «%(step)s»: quanto registrato resta.")
            % {"step": steps.step_label(session.step)},
        )
    except (SessionError, AlreadyChanged) as error:
        refusal_shown(request, error)
    return back_to(session)


@login_required
def session_lock_confirm(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: what the lock will freeze, and what still blocks it; POST: the lock."""
    session = session_or_404(request, session_id)
    if request.method == "POST":
        try:
            session_lock(session=session, user=request.user, from_step=request.POST.get("fase"))
            messages.success(request, _("Scrutinio chiuso."))
        except (SessionError, AlreadyChanged) as error:
            refusal_shown(request, error)
            return redirect("evaluation:lock", session_id=session.pk)
        return back_to(session)
    leads = rules.may_lead(request.user, session)
    problems = [] if session.is_locked else steps.lock_problems(session)
    context = {
        "session": session,
        "title": session_title(session),
        "frozen": frozen_items(session),
        "problems": problems,
        "may_lock": leads and not session.is_locked and not problems,
        "leads": leads,
    }
    return render(request, "evaluation/session_lock.html", context)


@login_required
@require_POST
def session_reopen_view(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    try:
        session_reopen(session=session, user=request.user, reason=request.POST.get("motivo", ""))
        messages.success(
            request,
            _("Scrutinio riaperto (versione %(v)d): è alla fase «%(step)s».")
            % {"v": session.version, "step": steps.step_label(session.step)},
        )
    except (SessionError, AlreadyChanged) as error:
        refusal_shown(request, error)
    return back_to(session)


@login_required
@require_POST
def session_defer_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """Postpone one student's evaluation to a session of their own."""
    session = session_or_404(request, session_id)
    chosen = posted_ids(request, "alunno")
    student = selectors.session_students(session).filter(pk=chosen[0]).first() if chosen else None
    if student is None:
        messages.error(request, _("Scegliere un alunno di questo scrutinio."))
        return back_to(session)
    try:
        deferred = session_defer(session=session, student=student, user=request.user)
    except (SessionError, AlreadyChanged) as error:
        refusal_shown(request, error)
        return back_to(session)
    messages.success(
        request,
        _("Lo scrutinio di %(name)s è rinviato a una seduta propria.")
        % {"name": student.full_name},
    )
    return redirect("evaluation:session", session_id=deferred.pk)
