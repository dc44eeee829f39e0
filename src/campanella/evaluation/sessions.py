"""Writes of the scrutinio's life: creating sessions, moving through the steps, the lock and
the principal's reopening. Each one atomic, on the session's row locked and read again inside
the transaction, with one history entry (audit) per transition; refusals raise SessionError
(a ValidationError with a stable `code` and Italian messages) and write nothing.

The lock is decided here and held below register and grades: locking calls
`school.guard.period_close` for the period's days of the classroom (holder
"evaluation.session:<id>"), reopening calls `period_reopen` for the same holder. Documents
produced before a reopening are kept: a reopened session has a new `version`, and the
documents made from then on carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.concurrency import AlreadyChanged
from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, changes_record_created, snapshot
from campanella.evaluation import rules, selectors, steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.people.models import Student
from campanella.school.guard import period_close, period_reopen
from campanella.school.models import Classroom, SchoolKind, Term

REASON_LENGTH = 300


class SessionError(ValidationError):
    """A refused write of a session: nothing was written. `code` is stable (the API's error
    code), `message` Italian; `problems` lists what blocks a step (code "step_blocked")."""

    code: str
    message: str

    def __init__(self, code: str, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message, code=code)


class NotAllowed(SessionError):
    """The login sees the session but may not do this (not the coordinator, not the
    principal): pages show the message, the API answers 403."""

    def __init__(self, message: str) -> None:
        super().__init__("not_allowed", message)


@dataclass
class SessionsCreated:
    created: list[EvaluationSession] = field(default_factory=list)
    existing: list[EvaluationSession] = field(default_factory=list)
    skipped: list[tuple[Classroom, str]] = field(default_factory=list)  # with the reason


def holder_of(session: EvaluationSession) -> str:
    """The name under which the session's lock holds its closed period (school.guard)."""
    return f"evaluation.session:{session.pk}"


def closed_reason(session: EvaluationSession) -> str:
    """What the guard tells whoever tries to change a closed day: "scrutinio finale del
    2° quadrimestre 2026/2027" (for one student: "… di Rossi Maria")."""
    text = _("%(kind)s del %(term)s") % {"kind": session.get_kind_display(), "term": session.term}
    if session.student_id is not None and session.student is not None:
        text += " " + _("di %(name)s") % {"name": session.student.full_name}
    return text[:200]


# --- reading the row under lock ------------------------------------------------------------


def _locked(session: EvaluationSession, from_step: str | None) -> EvaluationSession:
    """Lock the session's row, read it again (shaped) and refuse with AlreadyChanged when its
    step is no longer the one the caller saw (`from_step`, else the caller's copy)."""
    list(EvaluationSession.objects.select_for_update().filter(pk=session.pk).values_list("pk"))
    current = selectors.with_shape(EvaluationSession.objects.filter(pk=session.pk)).first()
    if current is None:
        raise AlreadyChanged
    expected = from_step if from_step else session.step
    if current.step != expected:
        raise AlreadyChanged(
            _(
                "Nel frattempo lo scrutinio è passato alla fase «%(step)s»: ricaricare la "
                "pagina e controllare."
            )
            % {"step": steps.step_label(current.step)}
        )
    return current


def _synced(caller: EvaluationSession, current: EvaluationSession) -> EvaluationSession:
    """Give the caller's object the values written (it may keep using it)."""
    for name in ("step", "locked_at", "locked_by_id", "version", "updated_at"):
        setattr(caller, name, getattr(current, name))
    return current


def _lead_or_refuse(user: Any, session: EvaluationSession) -> None:
    if not rules.may_lead(user, session):
        raise NotAllowed(
            _("Solo il coordinatore della classe o il dirigente scolastico guidano lo scrutinio.")
        )


def _refuse_if_locked(session: EvaluationSession) -> None:
    if session.is_locked:
        raise SessionError(
            "session_locked",
            _("Lo scrutinio è chiuso: solo il dirigente scolastico può riaprirlo."),
        )


def _record(session: EvaluationSession, user: Any, before: dict[str, Any], reason: str) -> None:
    change_record(
        instance=session,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        after=snapshot(session),
        reason=reason,
        institute_id=session.classroom.school.institute_id,
    )


def _move(session: EvaluationSession, to: Step, user: Any) -> None:
    before = snapshot(session)
    session.step = to
    session.save(update_fields=["step", "updated_at"])
    _record(session, user, before, "")


# --- the steps ------------------------------------------------------------------------------


@transaction.atomic
def step_advance(
    *, session: EvaluationSession, user: Any, from_step: str | None = None
) -> EvaluationSession:
    """Move the session to its next step: the coordinator or the principal, once the checks
    of the step it leaves find nothing missing (else SessionError "step_blocked" with them).
    The lock is not a step one advances into: see session_lock."""
    current = _locked(session, from_step)
    _lead_or_refuse(user, current)
    _refuse_if_locked(current)
    following = steps.next_step(current)
    if following is None:
        raise SessionError(
            "step_order",
            _("La fase «%(step)s» non è prevista per questo scrutinio.")
            % {"step": steps.step_label(current.step)},
        )
    if following == Step.LOCKED:
        raise SessionError(
            "step_order",
            _("Lo scrutinio è all'ultima fase: per chiuderlo usare «Chiudi lo scrutinio»."),
        )
    problems = steps.step_problems(current)
    if problems:
        raise SessionError(
            "step_blocked",
            _("Non si può passare alla fase «%(next)s»: %(problems)s")
            % {"next": steps.step_label(following), "problems": " ".join(problems)},
            problems,
        )
    _move(current, following, user)
    return _synced(session, current)


@transaction.atomic
def step_undo(
    *, session: EvaluationSession, user: Any, from_step: str | None = None
) -> EvaluationSession:
    """Move the session back one step, keeping everything recorded (until the lock)."""
    current = _locked(session, from_step)
    _lead_or_refuse(user, current)
    _refuse_if_locked(current)
    earlier = steps.previous_step(current)
    if earlier is None:
        raise SessionError("step_order", _("Lo scrutinio è già alla prima fase."))
    _move(current, earlier, user)
    return _synced(session, current)


# --- the lock -------------------------------------------------------------------------------


@transaction.atomic
def session_lock(
    *, session: EvaluationSession, user: Any, from_step: str | None = None
) -> EvaluationSession:
    """Close the session (domain §3.11): from its last step, with every step's checks passed
    (proposals, marks, outcomes, documents…). From then on the period's days of the
    classroom are closed to every write (school.guard)."""
    current = _locked(session, from_step)
    _lead_or_refuse(user, current)
    if current.is_locked:
        raise SessionError("session_locked", _("Lo scrutinio è già chiuso."))
    if current.kind == SessionKind.DEFERRED:
        main = selectors.main_session(current)
        if main is not None and not main.is_locked:
            raise SessionError(
                "step_order",
                _("Uno scrutinio rinviato si chiude dopo lo scrutinio della classe (%(main)s).")
                % {"main": main.get_kind_display()},
            )
    problems = steps.lock_problems(current)
    if problems:
        raise SessionError(
            "step_blocked",
            _("Lo scrutinio non si può chiudere: %(problems)s") % {"problems": " ".join(problems)},
            problems,
        )
    before = snapshot(current)
    current.step = Step.LOCKED
    current.locked_at = timezone.now()
    current.locked_by = user
    current.save(update_fields=["step", "locked_at", "locked_by", "updated_at"])
    period_close(
        classroom=current.classroom,
        start=current.term.start_date,
        end=current.term.end_date,
        reason=closed_reason(current),
        holder=holder_of(current),
        user=user,
    )
    _record(current, user, before, "")
    return _synced(session, current)


@transaction.atomic
def session_reopen(*, session: EvaluationSession, user: Any, reason: str) -> EvaluationSession:
    """The principal reopens a locked session, with a reason: it goes back to the minutes
    step with a new version (the documents made so far stay as earlier versions) and the
    period's days open again to the writes."""
    current = _locked(session, None)
    if not rules.may_reopen(user, current):
        raise NotAllowed(_("Solo il dirigente scolastico può riaprire uno scrutinio chiuso."))
    reason = (reason or "").strip()
    if not reason:
        raise SessionError("reason_required", _("Indicare il motivo della riapertura."))
    if len(reason) > REASON_LENGTH:
        raise SessionError(
            "reason_too_long",
            _("Il motivo può avere al massimo %(n)d caratteri.") % {"n": REASON_LENGTH},
        )
    if not current.is_locked:
        raise SessionError("not_locked", _("Lo scrutinio non è chiuso: non c'è da riaprirlo."))
    before = snapshot(current)
    period_reopen(holder=holder_of(current), user=user, reason=reason)
    current.step = Step.MINUTES
    current.locked_at = None
    current.locked_by = None
    current.version += 1
    current.save(update_fields=["step", "locked_at", "locked_by", "version", "updated_at"])
    _record(current, user, before, reason)
    return _synced(session, current)


# --- creating sessions ------------------------------------------------------------------------


def _kind_refusal(term: Term, kind: str, last: bool) -> str | None:
    school_kind = term.school.kind
    if school_kind not in steps.EVALUATED:
        return _("La %(school)s non ha scrutini.") % {"school": term.school.get_kind_display()}
    if kind == SessionKind.DEFERRED:
        return _(
            "Uno scrutinio rinviato si apre per un alunno dalla pagina dello scrutinio "
            "della classe."
        )
    if kind not in SessionKind.values:
        return _("Tipo di scrutinio non valido.")
    if kind == SessionKind.INTERMEDIATE and last:
        return _("Il %(term)s è l'ultimo periodo dell'anno: il suo è lo scrutinio finale.") % {
            "term": term
        }
    if kind in (SessionKind.FINAL, SessionKind.SUPPLEMENTARY) and not last:
        return _(
            "Lo scrutinio finale e l'integrativo si tengono sull'ultimo periodo dell'anno, "
            "non sul %(term)s."
        ) % {"term": term}
    if kind == SessionKind.SUPPLEMENTARY and school_kind != SchoolKind.UPPER_SECONDARY:
        return _("Lo scrutinio integrativo c'è solo nella scuola secondaria di secondo grado.")
    return None


def _supplementary_skip(classroom: Classroom, term: Term) -> str | None:
    """Why a classroom gets no integrativo (no suspended judgement to decide), or None."""
    if classroom.year == 5:
        return _("in quinta non c'è sospensione del giudizio")
    final = EvaluationSession.objects.filter(
        classroom=classroom, term=term, kind=SessionKind.FINAL, student=None
    ).first()
    if final is None or not final.is_locked:
        return _("lo scrutinio finale della classe non è ancora chiuso")
    if not selectors.suspended_students(classroom.pk, term.pk).exists():
        return _("nessun alunno con giudizio sospeso")
    return None


@transaction.atomic
def sessions_create(
    *, classrooms: Iterable[Classroom], term: Term, kind: str, user: Any
) -> SessionsCreated:
    """Open the sessions of `kind` for these classrooms and period (office or principal of
    the institute). Idempotent: a classroom that has its session already keeps it. The
    classrooms must be of the period's school and year; an integrativo skips (with the reason)
    the classrooms with no suspended judgement to decide."""
    term = Term.objects.select_related("school", "school_year").get(pk=term.pk)
    if not rules.may_manage(user, term.school.institute_id):
        raise NotAllowed(_("Solo la segreteria e il dirigente scolastico aprono gli scrutini."))
    refusal = _kind_refusal(term, kind, steps.is_last_term(term))
    if refusal is not None:
        raise SessionError("invalid_session", refusal)
    ids = sorted({classroom.pk for classroom in classrooms})
    if not ids:
        raise SessionError("invalid_session", _("Scegliere almeno una classe."))
    # Locked in id order: two clicks at once create each session once.
    chosen = list(
        Classroom.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("school")
        .order_by("pk")
    )
    foreign = [
        c
        for c in chosen
        if c.school_id != term.school_id or c.school_year_id != term.school_year_id
    ]
    if foreign or len(chosen) != len(ids):
        # Named only when of the same institute: another institute's classroom is "not found".
        institute_id = term.school.institute_id
        named = [c.name for c in foreign if c.school.institute_id == institute_id]
        unnamed = len(ids) - len(chosen) + len(foreign) - len(named)
        names = ", ".join(named + ([_("classi non trovate")] if unnamed else []))
        raise SessionError(
            "invalid_session",
            _("Le classi devono essere della scuola e dell'anno del periodo scelto: %(names)s.")
            % {"names": names},
        )
    existing = {
        s.classroom_id: s
        for s in EvaluationSession.objects.filter(
            classroom_id__in=ids, term=term, kind=kind, student=None
        )
    }
    result = SessionsCreated()
    new: list[EvaluationSession] = []
    for classroom in chosen:
        if classroom.pk in existing:
            result.existing.append(existing[classroom.pk])
            continue
        if kind == SessionKind.SUPPLEMENTARY:
            skip = _supplementary_skip(classroom, term)
            if skip is not None:
                result.skipped.append((classroom, skip))
                continue
        new.append(EvaluationSession(classroom=classroom, term=term, kind=kind))
    created = EvaluationSession.objects.bulk_create(new)
    changes_record_created(instances=created, actor=user, institute_id=term.school.institute_id)
    result.created = created
    return result


@transaction.atomic
def session_defer(*, session: EvaluationSession, student: Student, user: Any) -> EvaluationSession:
    """Postpone the evaluation of one student of the session to a session of their own
    (rinviato), kept out of the classroom's one. Idempotent."""
    current = _locked(session, None)
    if not (
        rules.may_lead(user, current)
        or rules.may_manage(user, current.classroom.school.institute_id)
    ):
        raise NotAllowed(
            _("Solo il coordinatore, la segreteria o il dirigente rinviano lo scrutinio.")
        )
    if current.kind not in (SessionKind.INTERMEDIATE, SessionKind.FINAL):
        raise SessionError(
            "invalid_session",
            _("Si rinvia lo scrutinio intermedio o finale di una classe, non questo."),
        )
    existing = EvaluationSession.objects.filter(
        classroom_id=current.classroom_id,
        term_id=current.term_id,
        kind=SessionKind.DEFERRED,
        student=student,
    ).first()
    if existing is not None:
        return existing
    _refuse_if_locked(current)
    if not selectors.session_students(current).filter(pk=student.pk).exists():
        raise SessionError(
            "invalid_session",
            _("%(name)s non è tra gli alunni di questo scrutinio.") % {"name": student.full_name},
        )
    deferred = EvaluationSession(
        classroom=current.classroom, term=current.term, kind=SessionKind.DEFERRED, student=student
    )
    deferred.full_clean()
    deferred.save()
    change_record(
        instance=deferred,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=current.classroom.school.institute_id,
    )
    return deferred
