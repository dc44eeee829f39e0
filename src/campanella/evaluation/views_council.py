"""Pages of the class council: one per step, /scrutini/<id>/consiglio/<step>/.

Whoever sees the session (`rules.sessions_for_user`: the classroom's teachers, coordinator,
office, principal) reads each page; only its leader (`rules.may_lead`) writes, and only at that
step: the forms are shown then, and every POST goes through one service of `council`, which
refuses anyone else as missing (404). Bad input re-shows the page with the Italian messages
and what was typed; nothing is written.

The marks grid (students × subjects) is rendered in Python: a classroom of 28 students and 12
subjects is 336 cells, and a template loop per cell would cost more than the whole budget.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campanella.evaluation import council, documents, steps
from campanella.evaluation import council_selectors as cs
from campanella.evaluation.council import CouncilError, NotAllowed
from campanella.evaluation.models import (
    Deliberation,
    DeliberationTopic,
    EvaluationSession,
    Outcome,
    RecoveryMode,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.evaluation.proposal_selectors import JUDGEMENT, NUMERIC
from campanella.evaluation.rules import may_lead, sessions_for_user
from campanella.lib import evaluation_rules as rules_lib
from campanella.lib.grades import JUDGEMENTS, SYNTHETIC_JUDGEMENTS
from campanella.lib.ids import parse_id
from campanella.people.models import Staff, Student, User
from campanella.school.models import SchoolKind

# The page of each step's content (the session's overview links them, steps.STEP_PAGES).
STEP_URLS: dict[str, str] = {
    Step.OPENING: "evaluation:council_opening",
    Step.ATTENDANCE: "evaluation:council_attendance",
    Step.MARKS: "evaluation:council_marks",
    Step.BEHAVIOUR: "evaluation:council_behaviour",
    Step.CIVICS: "evaluation:council_civics",
    Step.OUTCOMES: "evaluation:council_outcomes",
    Step.CREDITS: "evaluation:council_credits",
    Step.MINUTES: "evaluation:council_minutes",
}
steps.STEP_PAGES.update(STEP_URLS)

TOPIC_OF_STEP = {
    Step.ATTENDANCE: DeliberationTopic.ATTENDANCE,
    Step.MARKS: DeliberationTopic.MARK,
    Step.BEHAVIOUR: DeliberationTopic.BEHAVIOUR,
    Step.OUTCOMES: DeliberationTopic.OUTCOME,
    Step.CREDITS: DeliberationTopic.CREDIT,
}


# --- common -------------------------------------------------------------------------------


def acting(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def visible_session(request: HttpRequest, session_id: int) -> EvaluationSession:
    """The session if this login may read it, with what every council page shows."""
    found = cs.session_with_context(sessions_for_user(request.user)).filter(pk=session_id)
    session = found.first()
    if session is None:
        raise Http404
    return session


def step_nav(session: EvaluationSession, current: Step) -> list[dict[str, Any]]:
    """The session's steps with the council's pages, for the navigation between them."""
    items = []
    for step in steps.applicable_steps(session):
        name = steps.STEP_PAGES.get(step)
        items.append(
            {
                "label": steps.step_label(step),
                "url": reverse(name, args=[session.pk]) if name else "",
                "here": step == current,
                "now": step == session.step,
            }
        )
    return items


def page(
    request: HttpRequest,
    session: EvaluationSession,
    step: Step,
    template: str,
    context: dict[str, Any],
    *,
    errors: CouncilError | None = None,
    problems: list[str] | None = None,
) -> HttpResponse:
    """Render a step's page with what all of them show."""
    leads = may_lead(request.user, session)
    editable = leads and session.step == step
    shown_problems = problems if problems is not None else []
    if editable and problems is None:
        shown_problems = steps.step_problems(session, step)
    base = {
        "session": session,
        "classroom": session.classroom,
        "step": step,
        "step_label": steps.step_label(step),
        "current_label": steps.step_label(session.step),
        "nav": step_nav(session, step),
        "leads": leads,
        "editable": editable,
        "locked": session.is_locked,
        "errors": errors.messages if errors else [],
        "problems": shown_problems if editable else [],
        "next_label": next_label(session) if editable else "",
    }
    return render(request, template, {**base, **context})


def next_label(session: EvaluationSession) -> str:
    """The step after the session's, "" when the next is the lock (closing is its own page)."""
    following = steps.next_step(session)
    return steps.step_label(following) if following and following != Step.LOCKED else ""


def saved(
    request: HttpRequest, session: EvaluationSession, call: Callable[[], object], done: str
) -> HttpResponse | CouncilError:
    """Run a service for a POST: the redirect after success, the error to show otherwise."""
    try:
        call()
    except NotAllowed:
        raise Http404 from None
    except CouncilError as error:
        return error
    messages.success(request, done)
    return redirect(request.path)


def posted_ids(request: HttpRequest, prefix: str) -> dict[int, str]:
    """`<prefix><id>` fields (whole id) → their trimmed value."""
    found: dict[int, str] = {}
    for key in request.POST:
        rest = key.removeprefix(prefix)
        number = parse_id(rest) if key.startswith(prefix) else None
        if number is not None:
            found[number] = request.POST.get(key, "").strip()
    return found


def posted_pairs(request: HttpRequest, prefix: str) -> dict[tuple[int, int], str]:
    """`<prefix><id>-<id>` fields → their trimmed value."""
    found: dict[tuple[int, int], str] = {}
    for key in request.POST:
        if not key.startswith(prefix):
            continue
        first, _sep, second = key.removeprefix(prefix).partition("-")
        ids = parse_id(first), parse_id(second)
        if ids[0] is not None and ids[1] is not None:
            found[(ids[0], ids[1])] = request.POST.get(key, "").strip()
    return found


def posted_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def posted_time(text: str) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(text) if text else None
    except ValueError:
        return None


def posted_int(text: str) -> int | None:
    """A small number typed in a field (a mark, a credit); ids go through `parse_id`."""
    text = text.strip()
    if text.isdigit() and len(text) <= 4:
        return int(text)
    return None


def results_of(session: EvaluationSession, students: Iterable[Student]) -> dict[int, StudentResult]:
    return cs.results_by_student(session, [s.pk for s in students])


def voters(session: EvaluationSession) -> list[Staff]:
    return list(
        Staff.objects.filter(pk__in=cs.voting_staff_ids(session)).order_by("surname", "name")
    )


def votes_context(session: EvaluationSession, step: Step, editable: bool) -> dict[str, Any]:
    """The deliberations of this step (the latest per student and subject) and who may be
    named against, for the votes' panel."""
    topic = TOPIC_OF_STEP.get(step)
    if topic is None:
        return {"votes": []}
    rows = [d for d in cs.mark_deliberations(session) if d.topic == topic]
    latest = list(cs.latest_deliberations(rows, topic).values())
    council_voters = voters(session) if editable and latest else []
    votes = []
    for deliberation in sorted(latest, key=vote_order):
        against = {s.pk for s in deliberation.against.all()}
        votes.append(
            {
                "deliberation": deliberation,
                "about": vote_about(deliberation),
                "against_names": [s.full_name for s in deliberation.against.all()],
                "voters": [(s, s.pk in against) for s in council_voters],
            }
        )
    return {"votes": votes}


def vote_order(deliberation: Deliberation) -> tuple[str, str]:
    student = deliberation.student.full_name if deliberation.student else ""
    subject = deliberation.subject.name if deliberation.subject else ""
    return (student.casefold(), subject.casefold())


def vote_about(deliberation: Deliberation) -> str:
    parts = [p for p in (deliberation.student, deliberation.subject) if p is not None]
    return " – ".join(str(p) for p in parts)


@login_required
def council_vote(request: HttpRequest, session_id: int) -> HttpResponse:
    """How the council voted on one deliberation (unanimity, or who voted against)."""
    if request.method != "POST":
        return HttpResponse(status=405)
    session = visible_session(request, session_id)
    deliberation_id = parse_id(request.POST.get("delibera", "").strip()) or 0
    against = [i for i in map(parse_id, request.POST.getlist("contrari")) if i is not None]
    topic = (
        Deliberation.objects.filter(pk=deliberation_id, session=session)
        .values_list("topic", flat=True)
        .first()
    )
    back = STEP_URLS.get(council.TOPIC_STEP[DeliberationTopic(topic)]) if topic else None
    answer = saved(
        request,
        session,
        lambda: council.deliberation_vote(
            user=acting(request),
            session=session,
            deliberation_id=deliberation_id,
            against=against,
        ),
        _("Voto del consiglio registrato."),
    )
    if isinstance(answer, CouncilError):
        messages.error(request, answer.message)
    return redirect(
        reverse(back, args=[session.pk])
        if back
        else reverse("evaluation:session", args=[session.pk])
    )


# --- 1. opening ---------------------------------------------------------------------------


@login_required
def opening(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    typed: dict[str, str] = {}
    if request.method == "POST":
        answer = saved(
            request,
            session,
            lambda: save_opening(request, session),
            _("Apertura della seduta registrata."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors, typed = answer, request.POST.dict()
    teachers = cs.classroom_teachers(session)
    members = {m.teacher_id: m for m in cs.council_members(session)}
    taught = cs.taught_subjects_by_teacher(session)
    institute_id = session.classroom.school.institute_id
    staff = list(
        Staff.objects.filter(institute_id=institute_id, active=True, is_teacher=True)
        .order_by("surname", "name")
        .only("pk", "surname", "name")
    )
    principals = list(
        Staff.objects.filter(institute_id=institute_id, active=True, is_principal=True)
        .order_by("surname", "name")
        .only("pk", "surname", "name")
    )
    in_council = {t.pk for t in teachers}
    rows = []
    for teacher in teachers:
        member = members.get(teacher.pk)
        key = str(teacher.pk)
        present = member.present if member else True
        if typed:
            present = typed.get(f"presente-{key}") == "1"
        rows.append(
            {
                "teacher": teacher,
                "subjects": ", ".join(taught.get(teacher.pk, [])),
                "present": present,
                "substitute": typed.get(f"sostituto-{key}")
                if typed
                else str(member.substitute_id or "")
                if member
                else "",
                "protocol": typed.get(f"protocollo-{key}")
                if typed
                else member.substitution_protocol
                if member
                else "",
                "protocol_date": typed.get(f"data-{key}")
                if typed
                else (
                    member.substitution_date.isoformat()
                    if member and member.substitution_date
                    else ""
                ),
            }
        )
    form = {
        "held_on": typed.get("data", "")
        or (session.held_on.isoformat() if session.held_on else ""),
        "starts_at": typed.get("inizio", "")
        or (f"{session.starts_at:%H:%M}" if session.starts_at else ""),
        "place": typed.get("luogo", session.place),
        "minutes_number": typed.get("verbale", session.minutes_number),
        "chair": typed.get("presidente", "")
        or str(session.chair_id or (principals[0].pk if principals else "")),
        "secretary": typed.get("segretario", "") or str(session.secretary_id or ""),
    }
    context = {
        "form": form,
        "rows": rows,
        "chairs": principals + [s for s in staff if s.pk not in {p.pk for p in principals}],
        "secretaries": staff,
        "substitutes": [s for s in staff if s.pk not in in_council],
        "members": [(t, members.get(t.pk)) for t in teachers],
    }
    return page(
        request, session, Step.OPENING, "evaluation/council_opening.html", context, errors=errors
    )


def save_opening(request: HttpRequest, session: EvaluationSession) -> None:
    post = request.POST
    held_on = posted_date(post.get("data", ""))
    starts_at = posted_time(post.get("inizio", ""))
    chair = parse_id(post.get("presidente", "").strip())
    secretary = parse_id(post.get("segretario", "").strip())
    missing = [
        label
        for label, value in (
            (_("la data"), held_on),
            (_("l'ora di inizio"), starts_at),
            (_("il presidente"), chair),
            (_("il segretario"), secretary),
        )
        if value is None
    ]
    if missing:
        raise CouncilError(
            _("Indicare %(what)s della seduta.") % {"what": ", ".join(missing)}, "missing"
        )
    assert held_on is not None
    assert starts_at is not None
    assert chair is not None
    assert secretary is not None
    members = []
    for teacher_id in posted_ids(request, "membro-"):
        key = str(teacher_id)
        present = post.get(f"presente-{key}") == "1"
        members.append(
            council.MemberInput(
                teacher_id=teacher_id,
                present=present,
                substitute_id=None
                if present
                else parse_id(post.get(f"sostituto-{key}", "").strip()),
                protocol="" if present else post.get(f"protocollo-{key}", ""),
                protocol_date=None if present else posted_date(post.get(f"data-{key}", "")),
            )
        )
    council.opening_save(
        user=acting(request),
        session=session,
        held_on=held_on,
        starts_at=starts_at,
        place=post.get("luogo", ""),
        chair_id=chair,
        secretary_id=secretary,
        minutes_number=post.get("verbale", ""),
        members=members,
    )


# --- 2. attendance ------------------------------------------------------------------------

NOT_ASSESSED = "non_valutabile"
WAIVER = "deroga:"


@login_required
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    typed: dict[int, str] = {}
    if request.method == "POST":
        typed = posted_ids(request, "decisione-")
        decisions = []
        for student_id, choice in typed.items():
            if choice == NOT_ASSESSED:
                decisions.append(council.AttendanceDecision(student_id, assessed=False))
            elif choice.startswith(WAIVER):
                decisions.append(
                    council.AttendanceDecision(
                        student_id, waiver_reason=choice.removeprefix(WAIVER)
                    )
                )
        answer = saved(
            request,
            session,
            lambda: council.attendance_save(
                user=acting(request), session=session, decisions=decisions
            ),
            _("Ore di assenza lette dal registro e decisioni registrate."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    students = cs.session_students(session)
    results = results_of(session, students)
    reasons = cs.settings_of(session.classroom.school.institute_id).waiver_reason_list()
    rows = []
    for student in students:
        result = results.get(student.pk)
        read = result is not None and result.hours_absent is not None
        over = bool(read and result and cs.over_limit(session, result))
        chosen = typed.get(student.pk, "")
        if not chosen and result is not None and over:
            chosen = (
                f"{WAIVER}{result.waiver_reason}"
                if result.waiver_reason
                else (NOT_ASSESSED if not result.assessed else "")
            )
        rows.append(
            {
                "student": student,
                "result": result,
                "read": read,
                "over": over,
                "share": share_text(result) if read and result else "",
                "limit": (result.annual_hours or 0) // 4 if result else 0,
                "chosen": chosen,
            }
        )
    context = {
        "rows": rows,
        "reasons": [(f"{WAIVER}{r}", r) for r in reasons],
        "not_assessed": NOT_ASSESSED,
        **votes_context(
            session,
            Step.ATTENDANCE,
            may_lead(request.user, session) and session.step == Step.ATTENDANCE,
        ),
    }
    return page(
        request,
        session,
        Step.ATTENDANCE,
        "evaluation/council_attendance.html",
        context,
        errors=errors,
    )


def share_text(result: StudentResult) -> str:
    if not result.annual_hours or result.hours_absent is None:
        return ""
    counted = max(0, result.hours_absent - result.waived_hours)
    share = Decimal(100 * counted) / Decimal(result.annual_hours)
    return f"{share.quantize(Decimal('0.1'))}".replace(".", ",") + " %"


# --- 3. final marks -----------------------------------------------------------------------

MARK_PREFIX = "m-"


def judgement_options(scale: str) -> tuple[tuple[str, str], ...]:
    if scale == JUDGEMENT:
        return (*tuple(reversed(JUDGEMENTS)), (rules_lib.NC, rules_lib.NC))
    return tuple(reversed(SYNTHETIC_JUDGEMENTS))


def options_html(options: Iterable[tuple[str, str]]) -> str:
    """The `<option>`s of a judgement select, none chosen (one string per scale)."""
    return '<option value=""></option>' + "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in options
    )


def chosen_in(options: str, value: str) -> str:
    if not value:
        return options
    marker = f'value="{escape(value)}">'
    return options.replace(marker, f'value="{escape(value)}" selected>', 1)


def grid_html(
    session: EvaluationSession,
    grid: cs.Grid[Any],
    *,
    editable: bool,
    typed: dict[tuple[int, int], str],
    wrong: set[tuple[int, int]],
    criteria: rules_lib.SchoolCriteria,
) -> SafeString:
    """The rows of the council's grid: one per student, a cell per subject (an input when the
    page is editable), the proposal beside a final mark that differs from it. Every text is
    escaped; f-strings, not format_html: 336 cells must cost well under a millisecond each."""
    columns = [(s.pk, cs.scale_of(session, s)) for s in grid.subjects]
    options = {
        pk: options_html(judgement_options(scale)) for pk, scale in columns if scale != NUMERIC
    }
    not_assessed = f"<td>{escape(_('non valutabile'))}</td>"
    to_decide = f'<span class="cmp-proposal">{escape(_("da deliberare"))}</span>'
    proposal_text = _("proposta: %(p)s")
    invalid = ' aria-invalid="true"'
    marks, final_text, proposed_text = grid.marks, cs.final_text, cs.proposed_text
    rows: list[str] = []
    for student in grid.students:
        student_id = student.pk
        result = grid.results.get(student_id)
        cells = [] if cs.attendance_ok(result) else [not_assessed] * len(columns)
        for subject_id, _scale in columns if not cells else ():
            key = (student_id, subject_id)
            mark = marks.get(key)
            final = final_text(mark)
            proposed = proposed_text(mark)
            value = typed.get(key, final or proposed) if typed else (final or proposed)
            name = f"{MARK_PREFIX}{student_id}-{subject_id}"
            below = mark is not None and mark.debt
            note = ""
            if final and proposed and final != proposed:
                shown_proposal = escape(proposal_text % {"p": cs.shown_mark(proposed)})
                note = f'<span class="cmp-proposal">{shown_proposal}</span>'
            elif proposed and not final:
                note = to_decide
            wrong_attr = invalid if key in wrong else ""
            if not editable:
                shown = escape(cs.shown_mark(final)) if final else "–"
                css = ' class="cmp-below"' if below else ""
                cells.append(f"<td{css}>{shown}{note}</td>")
            elif subject_id in options:
                cells.append(
                    f'<td><select name="{name}" id="{name}" aria-labelledby="st-{student_id} '
                    f'sub-{subject_id}"{wrong_attr}>{chosen_in(options[subject_id], value)}'
                    f"</select>{note}</td>"
                )
            else:
                css = "cmp-mark cmp-below" if below else "cmp-mark"
                cells.append(
                    f'<td><input type="text" name="{name}" id="{name}" value="{escape(value)}" '
                    f'aria-labelledby="st-{student_id} sub-{subject_id}" inputmode="numeric" '
                    f'size="3" maxlength="4" class="{css}"{wrong_attr}>{note}</td>'
                )
        average = cs.average_of(session, grid, student_id, criteria) if result else None
        shown_average = cs.number_text(average) if average is not None else "–"
        rows.append(
            f'<tr><th scope="row" id="st-{student_id}">{escape(student.full_name)}</th>'
            f"{''.join(cells)}<td>{shown_average}</td></tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text above is escaped


@login_required
def marks(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    typed: dict[tuple[int, int], str] = {}
    wrong: set[tuple[int, int]] = set()
    if request.method == "POST":
        if request.POST.get("azione") == "proposte":
            answer = saved(
                request,
                session,
                lambda: council.marks_from_proposals(user=acting(request), session=session),
                _("Le proposte sono diventate voti finali dove mancavano."),
            )
        else:
            typed = posted_pairs(request, MARK_PREFIX)
            cells = [
                council.MarkInput(student_id=a, subject_id=b, mark=v) for (a, b), v in typed.items()
            ]
            answer = saved(
                request,
                session,
                lambda: council.final_marks_save(
                    user=acting(request), session=session, marks=cells
                ),
                _("Voti finali registrati."),
            )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
        wrong = {(d["student_id"], d["subject_id"]) for d in answer.details if "subject_id" in d}
    grid = cs.cells_grid(session)
    editable = may_lead(request.user, session) and session.step == Step.MARKS
    criteria = cs.criteria_of(cs.settings_of(session.classroom.school.institute_id))
    context = {
        "grid": grid,
        "rows": grid_html(
            session, grid, editable=editable, typed=typed, wrong=wrong, criteria=criteria
        ),
        **votes_context(session, Step.MARKS, editable),
    }
    problems = cs.marks_problems(session, grid) if editable else []
    return page(
        request,
        session,
        Step.MARKS,
        "evaluation/council_marks.html",
        context,
        errors=errors,
        problems=problems,
    )


# --- 4. behaviour and civic education -----------------------------------------------------


@login_required
def behaviour(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    typed_marks: dict[int, str] = {}
    typed_reasons: dict[int, str] = {}
    if request.method == "POST":
        typed_marks = posted_ids(request, "voto-")
        typed_reasons = posted_ids(request, "motivo-")
        entries = [
            council.BehaviourInput(
                student_id=pk, mark=typed_marks.get(pk, ""), reason=typed_reasons.get(pk, "")
            )
            for pk in sorted(set(typed_marks) | set(typed_reasons))
        ]
        answer = saved(
            request,
            session,
            lambda: council.behaviour_save(user=acting(request), session=session, entries=entries),
            _("Comportamento registrato."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    students = cs.session_students(session)
    results = results_of(session, students)
    primary = cs.is_primary(session)
    rows = []
    for student in students:
        result = results.get(student.pk)
        stored = ""
        if result is not None:
            stored = (
                result.behaviour_judgement if primary else cs.number_text(result.behaviour_mark)
            )
        rows.append(
            {
                "student": student,
                "assessed": cs.attendance_ok(result),
                "mark": typed_marks.get(student.pk, stored) if errors else stored,
                "shown": cs.shown_mark(stored),
                "reason": typed_reasons.get(student.pk, result.behaviour_reason if result else "")
                if errors
                else (result.behaviour_reason if result else ""),
            }
        )
    context = {
        "rows": rows,
        "primary": primary,
        "options": tuple(reversed(SYNTHETIC_JUDGEMENTS)),
        **votes_context(
            session,
            Step.BEHAVIOUR,
            may_lead(request.user, session) and session.step == Step.BEHAVIOUR,
        ),
    }
    return page(
        request,
        session,
        Step.BEHAVIOUR,
        "evaluation/council_behaviour.html",
        context,
        errors=errors,
    )


@login_required
def civics(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    typed: dict[int, str] = {}
    if request.method == "POST":
        typed = posted_ids(request, "voto-")
        entries = [council.CivicsInput(student_id=pk, mark=v) for pk, v in sorted(typed.items())]
        answer = saved(
            request,
            session,
            lambda: council.civics_save(user=acting(request), session=session, entries=entries),
            _("Educazione civica registrata."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    students = cs.session_students(session)
    results = results_of(session, students)
    subject = cs.civics_subject(session)
    proposals: dict[int, str] = {}
    if subject is not None:
        proposals = {
            m.student_id: cs.proposed_text(m)
            for m in SubjectMark.objects.filter(session=session, subject=subject)
        }
    primary = cs.is_primary(session)
    rows = []
    for student in students:
        result = results.get(student.pk)
        stored = ""
        if result is not None:
            stored = (
                result.civics_judgement
                if result.civics_mark is None
                else cs.number_text(result.civics_mark)
            )
        proposal = proposals.get(student.pk, "")
        rows.append(
            {
                "student": student,
                "assessed": cs.attendance_ok(result),
                "mark": typed.get(student.pk, stored) if errors else (stored or proposal),
                "shown": cs.shown_mark(stored),
                "proposal": cs.shown_mark(proposal),
            }
        )
    context = {
        "rows": rows,
        "primary": primary,
        "options": tuple(reversed(SYNTHETIC_JUDGEMENTS)),
        "subject": subject,
    }
    return page(
        request, session, Step.CIVICS, "evaluation/council_civics.html", context, errors=errors
    )


# --- 5. outcomes --------------------------------------------------------------------------


def outcome_choices(session: EvaluationSession) -> list[tuple[str, str]]:
    """The outcomes this session may deliberate, as the council reads them."""
    level = cs.level_of(session)
    year = session.classroom.year
    choices: list[tuple[str, str]] = []
    if cs.is_last_year(session):
        choices += [
            (Outcome.EXAM_ADMITTED, str(Outcome.EXAM_ADMITTED.label)),
            (Outcome.EXAM_NOT_ADMITTED, str(Outcome.EXAM_NOT_ADMITTED.label)),
        ]
    else:
        choices += [
            (Outcome.ADMITTED, str(Outcome.ADMITTED.label)),
            (Outcome.NOT_ADMITTED, str(Outcome.NOT_ADMITTED.label)),
        ]
    if (
        level == SchoolKind.UPPER_SECONDARY
        and year <= 4
        and cs.rules_session(session) == rules_lib.SESSION_FINAL
    ):
        choices.append((Outcome.SUSPENDED, str(Outcome.SUSPENDED.label)))
    if level != SchoolKind.PRIMARY:
        choices.append((Outcome.NOT_ASSESSED, str(Outcome.NOT_ASSESSED.label)))
    choices.append((Outcome.WITHDRAWN, str(Outcome.WITHDRAWN.label)))
    if level == SchoolKind.UPPER_SECONDARY:
        choices.append((Outcome.ABROAD, str(Outcome.ABROAD.label)))
    return [(value, label[:1].upper() + label[1:]) for value, label in choices]


def suggested(
    session: EvaluationSession,
    grid: cs.Grid[Any],
    student: Student,
    criteria: rules_lib.SchoolCriteria,
) -> str:
    result = grid.results.get(student.pk)
    try:
        suggestion = rules_lib.suggest_outcome(
            cs.level_of(session),
            session.classroom.year,
            cs.rules_session(session),
            cs.marks_by_subject_name(grid, student.pk),
            cs.behaviour_of(session, result),
            attendance_ok=cs.attendance_ok(result),
            criteria=criteria,
        )
    except rules_lib.EvaluationRuleError:
        return ""
    if suggestion is None:
        return ""
    stored = cs.STORED_OUTCOME.get(suggestion.outcome, "")
    if cs.is_last_year(session) and stored == Outcome.ADMITTED:
        return Outcome.EXAM_ADMITTED
    if cs.is_last_year(session) and stored == Outcome.NOT_ADMITTED:
        return Outcome.EXAM_NOT_ADMITTED
    return str(stored)


@login_required
def outcomes(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    post = request.POST
    if request.method == "POST":
        entries = outcome_inputs(request)
        answer = saved(
            request,
            session,
            lambda: council.outcomes_save(user=acting(request), session=session, entries=entries),
            _("Esiti registrati."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    grid = cs.marks_grid(session)
    criteria = cs.criteria_of(cs.settings_of(session.classroom.school.institute_id))
    level = cs.level_of(session)
    last = cs.is_last_year(session)
    cards = []
    for student in grid.students:
        result = grid.results.get(student.pk)
        key = str(student.pk)
        stored = result.outcome if result else ""
        failing = [
            (s, m)
            for s in grid.subjects
            if (m := grid.mark(student.pk, s.pk)) is not None and m.debt
        ]
        behaviour_value = cs.behaviour_of(session, result)
        cards.append(
            {
                "student": student,
                "result": result,
                "outcome": post.get(f"esito-{key}", "")
                if errors
                else (stored or suggested(session, grid, student, criteria)),
                "stored": stored,
                "stored_label": Outcome(stored).label if stored else "",
                "reason": post.get(f"motivo-{key}", "")
                if errors
                else (result.outcome_reason if result else ""),
                "admission": post.get(f"ammissione-{key}", "")
                if errors
                else (str(result.admission_mark or "") if result else ""),
                "assignment": post.get(f"elaborato-{key}", "")
                if errors
                else (result.citizenship_assignment if result else ""),
                "invalsi": (post.get(f"invalsi-{key}") == "1")
                if errors
                else (result.invalsi_taken if result else True),
                "pcto": (post.get(f"pcto-{key}") == "1")
                if errors
                else (result.pcto_completed if result else True),
                "behaviour": cs.shown_mark(str(behaviour_value))
                if isinstance(behaviour_value, str)
                else cs.number_text(behaviour_value),
                "behaviour_six": behaviour_value == 6,
                "assessed": cs.attendance_ok(result),
                "debts": [
                    {
                        "subject": subject,
                        "mark": cs.shown_mark(cs.final_text(mark)),
                        "mode": post.get(f"recupero-{key}-{subject.pk}", "")
                        if errors
                        else mark.recovery_mode,
                        "gaps": post.get(f"carenze-{key}-{subject.pk}", "")
                        if errors
                        else mark.gaps,
                    }
                    for subject, mark in failing
                ],
            }
        )
    editable = may_lead(request.user, session) and session.step == Step.OUTCOMES
    context = {
        "cards": cards,
        "choices": outcome_choices(session),
        "modes": RecoveryMode.choices,
        "lower_third": level == SchoolKind.LOWER_SECONDARY and last,
        "upper": level == SchoolKind.UPPER_SECONDARY,
        "last": last,
        "decides": cs.decides_outcomes(session),
        **votes_context(session, Step.OUTCOMES, editable),
    }
    return page(
        request, session, Step.OUTCOMES, "evaluation/council_outcomes.html", context, errors=errors
    )


def outcome_inputs(request: HttpRequest) -> list[council.OutcomeInput]:
    post = request.POST
    entries = []
    recovery = posted_pairs(request, "recupero-")
    gaps = posted_pairs(request, "carenze-")
    for student_id, outcome in sorted(posted_ids(request, "esito-").items()):
        if not outcome:
            continue
        key = str(student_id)
        entries.append(
            council.OutcomeInput(
                student_id=student_id,
                outcome=outcome,
                reason=post.get(f"motivo-{key}", ""),
                admission_mark=posted_int(post.get(f"ammissione-{key}", "")),
                citizenship_assignment=post.get(f"elaborato-{key}", ""),
                invalsi_taken=post.get(f"invalsi-{key}", "1") == "1",
                pcto_completed=post.get(f"pcto-{key}", "1") == "1",
                recovery={b: v for (a, b), v in recovery.items() if a == student_id},
                gaps={b: v for (a, b), v in gaps.items() if a == student_id},
            )
        )
    return entries


# --- 6. credits ---------------------------------------------------------------------------


@login_required
def credits(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    post = request.POST
    if request.method == "POST":
        entries = []
        earlier = posted_ids(request, "precedenti-")
        for student_id, text in sorted(posted_ids(request, "credito-").items()):
            credit = posted_int(text)
            if credit is None:
                continue
            entries.append(
                council.CreditInput(
                    student_id=student_id,
                    credit=credit,
                    earlier_credits=posted_int(earlier.get(student_id, "")),
                    criteria_met=post.get(f"criteri-{student_id}") == "1",
                )
            )
        answer = saved(
            request,
            session,
            lambda: council.credits_save(user=acting(request), session=session, entries=entries),
            _("Crediti registrati."),
        )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    grid = cs.marks_grid(session)
    settings = cs.settings_of(session.classroom.school.institute_id)
    criteria = cs.criteria_of(settings)
    due = cs.credit_students(grid, session)
    carried = cs.earlier_credits(session, [s.pk for s in due])
    rows = []
    for student in due:
        result = grid.results[student.pk]
        average = cs.average_of(session, grid, student.pk, criteria)
        band = None
        if average is not None:
            try:
                band = rules_lib.credit_band(session.classroom.year, average)
            except rules_lib.EvaluationRuleError:
                band = None
        key = str(student.pk)
        default_credit = (
            str(result.credit) if result.credit is not None else (str(band.low) if band else "")
        )
        default_earlier = (
            result.earlier_credits
            if result.earlier_credits is not None
            else carried.get(student.pk, 0)
        )
        rows.append(
            {
                "student": student,
                "average": cs.number_text(average) if average is not None else "–",
                "behaviour": cs.number_text(result.behaviour_mark),
                "band": f"{band.low}–{band.high}" if band else "–",
                "credit": post.get(f"credito-{key}", "") if errors else default_credit,
                "earlier": post.get(f"precedenti-{key}", "") if errors else str(default_earlier),
                "criteria": (post.get(f"criteri-{key}") == "1")
                if errors
                else result.credit_criteria_met,
                "total": (result.credit or 0) + (result.earlier_credits or 0)
                if result.credit is not None
                else "",
            }
        )
    editable = may_lead(request.user, session) and session.step == Step.CREDITS
    context = {
        "rows": rows,
        "needs_criteria": settings.credit_top_needs_criteria,
        "gives": cs.gives_credits(session),
        **votes_context(session, Step.CREDITS, editable),
    }
    return page(
        request, session, Step.CREDITS, "evaluation/council_credits.html", context, errors=errors
    )


# --- 8. minutes and documents -------------------------------------------------------------


@login_required
def minutes(request: HttpRequest, session_id: int) -> HttpResponse:
    session = visible_session(request, session_id)
    errors = None
    post = request.POST
    if request.method == "POST":
        if post.get("azione") == "documenti":
            answer = saved(
                request,
                session,
                lambda: documents.documents_generate(user=acting(request), session=session),
                _("Documenti generati: verbale, tabellone, foglio firme e lettere."),
            )
        else:
            ends_at = posted_time(post.get("fine", ""))
            if ends_at is None:
                answer = CouncilError(_("Indicare l'ora di chiusura della seduta."), "missing")
            else:
                answer = saved(
                    request,
                    session,
                    lambda: council.minutes_close(
                        user=acting(request),
                        session=session,
                        ends_at=ends_at,
                        minutes_number=post.get("verbale", ""),
                    ),
                    _("Chiusura della seduta registrata."),
                )
        if not isinstance(answer, CouncilError):
            return answer
        errors = answer
    listed = documents.documents_for_user(request.user, session)
    context = {
        "form": {
            "ends_at": post.get("fine", "")
            if errors
            else (f"{session.ends_at:%H:%M}" if session.ends_at else ""),
            "minutes_number": post.get("verbale", "") if errors else session.minutes_number,
        },
        "documents": listed,
    }
    return page(
        request, session, Step.MINUTES, "evaluation/council_minutes.html", context, errors=errors
    )


@login_required
def document_list(request: HttpRequest, session_id: int) -> HttpResponse:
    """Every version of every document of the session this login may read."""
    session = visible_session(request, session_id)
    listed = documents.documents_for_user(request.user, session)
    if not listed and not documents.may_read_documents(request.user, session):
        raise Http404
    return render(
        request,
        "evaluation/council_documents.html",
        {"session": session, "classroom": session.classroom, "documents": listed},
    )


@login_required
def document_download(request: HttpRequest, session_id: int, document_id: int) -> FileResponse:
    session = visible_session(request, session_id)
    found = documents.document_for_user(request.user, session, document_id)
    if found is None:
        raise Http404
    return documents.pdf_response(found)
