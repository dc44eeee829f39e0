"""Writes of the class council (scrutinio), one service per step's content.

Each service is keyword-only and atomic: it locks the session's row and reads it again, refuses
(404 as `NotAllowed`) anyone but the session's leader (`rules.may_lead`: the classroom's
coordinator or the principal), refuses (409 as `StepRefused`) a session that is locked or at
another step, validates everything against the rules of `lib.evaluation_rules` and the school's
criteria, and writes all or nothing (422 as `CouncilError`, Italian messages with stable codes).
Every change keeps its history in `audit`; every decision that changes a proposal, or that the
law asks to be voted, is a `Deliberation` (unanimity, or the members who voted against).

The steps themselves (advance, undo, lock, reopen) are `evaluation.sessions`'; what blocks
leaving a step is `council_selectors.step_problems`, registered with `evaluation.steps`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import (
    change_record,
    changes_record_created,
    changes_record_updated,
    snapshot,
)
from campanella.evaluation import council_selectors as cs
from campanella.evaluation import steps
from campanella.evaluation.models import (
    CouncilMember,
    Deliberation,
    DeliberationTopic,
    EvaluationSession,
    Outcome,
    RecoveryMode,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.evaluation.proposal_selectors import JUDGEMENT, SYNTHETIC
from campanella.evaluation.rules import may_lead
from campanella.lib import evaluation_rules as rules_lib
from campanella.lib.grades import GradeError, parse_judgement, parse_synthetic_judgement
from campanella.people.models import Staff, User
from campanella.register.selectors import attendance_summaries
from campanella.school.models import SchoolKind, Subject

PLACE_LENGTH = 200
MINUTES_NUMBER_LENGTH = 20
PROTOCOL_LENGTH = 40
REASON_LENGTH = 2000


class NotAllowed(Exception):
    """Not the session's leader (or not a session this login may see): answered as 404."""


class CouncilError(Exception):
    """Bad input: nothing was written. `messages` in Italian, `code` stable (the first
    problem's), `details` per student/subject for the API."""

    status = 422

    def __init__(
        self,
        messages: str | Sequence[str],
        code: str = "invalid",
        details: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.code = code
        self.details = list(details)
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)


class StepRefused(CouncilError):
    """The session is locked, or at another step: answered as 409."""

    status = 409


# --- common ---------------------------------------------------------------------------------


def lead(user: User, session: EvaluationSession, step: Step) -> EvaluationSession:
    """The session's row, locked and read again, if `user` leads it and it is at `step`."""
    current = (
        cs.session_with_context(EvaluationSession.objects.select_for_update(of=("self",)))
        .filter(pk=session.pk)
        .first()
    )
    if current is None or not may_lead(user, current):
        raise NotAllowed
    if current.is_locked:
        raise StepRefused(
            _("Lo scrutinio è chiuso: non si può modificare. Solo il dirigente può riaprirlo."),
            "session_locked",
        )
    if current.step != step:
        raise StepRefused(
            _(
                "Lo scrutinio è nella fase «%(current)s»: «%(step)s» si modifica solo in "
                "quella fase."
            )
            % {"current": Step(current.step).label, "step": step.label},
            "wrong_step",
        )
    return current


def institute_of(session: EvaluationSession) -> int:
    return session.classroom.school.institute_id


def student_names(grid: cs.Grid) -> dict[int, str]:
    return {s.pk: s.full_name for s in grid.students}


def known_student(names: Mapping[int, str], student_id: int) -> str:
    if student_id not in names:
        raise CouncilError(
            _("L'alunno %(id)s non è valutato in questo scrutinio.") % {"id": student_id},
            "student_unknown",
        )
    return names[student_id]


def not_evaluated(where: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    return (_("Un alunno non è valutato in questo scrutinio."), "student_unknown", where)


def check_text(text: str, limit: int, label: str) -> str:
    text = text.strip()
    if "\x00" in text:
        raise CouncilError(_("%(label)s contiene un carattere non valido.") % {"label": label})
    if len(text) > limit:
        raise CouncilError(
            _("%(label)s: al massimo %(n)s caratteri.") % {"label": label, "n": limit},
            "too_long",
        )
    return text


def check_voters(session: EvaluationSession, against: Sequence[int]) -> list[int]:
    """Who voted against must sit in the council (present, or substituting an absent one)."""
    ids = sorted(set(against))
    if not ids:
        return []
    voters = cs.voting_staff_ids(session)
    strangers = [pk for pk in ids if pk not in voters]
    if strangers:
        raise CouncilError(
            _("Tra i contrari c'è chi non vota in questo consiglio."), "against_not_member"
        )
    return ids


def deliberate(
    *,
    session: EvaluationSession,
    user: User,
    topic: str,
    student_id: int | None,
    subject_id: int | None = None,
    against: Sequence[int] = (),
    reason: str = "",
) -> Deliberation:
    """A vote of the council, with its history (who voted against, in the record's after)."""
    ids = check_voters(session, against)
    deliberation = Deliberation.objects.create(
        session=session,
        student_id=student_id,
        subject_id=subject_id,
        topic=topic,
        unanimous=not ids,
        reason=check_text(reason, REASON_LENGTH, _("La motivazione")),
    )
    if ids:
        deliberation.against.set(ids)
    change_record(
        instance=deliberation,
        action=ChangeAction.CREATE,
        actor=user,
        after={**snapshot(deliberation), "against": ids},
        institute_id=institute_of(session),
    )
    return deliberation


def raise_problems(problems: list[tuple[str, str, dict[str, Any]]]) -> None:
    """All problems at once (a page lists them all); the code is the first one's."""
    if problems:
        raise CouncilError(
            [message for message, _code, _where in problems],
            problems[0][1],
            [{"code": code, "message": message, **where} for message, code, where in problems],
        )


# --- 1. opening -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    """A teacher of the council: present, or absent and replaced (surroga) by `substitute_id`
    appointed by the principal with protocol number and date."""

    teacher_id: int
    present: bool = True
    substitute_id: int | None = None
    protocol: str = ""
    protocol_date: datetime.date | None = None


@transaction.atomic
def opening_save(
    *,
    user: User,
    session: EvaluationSession,
    held_on: datetime.date,
    starts_at: datetime.time,
    place: str,
    chair_id: int,
    secretary_id: int,
    minutes_number: str = "",
    members: Sequence[MemberInput] = (),
) -> EvaluationSession:
    """Date, start time, place, chair, secretary and the members present or replaced. Teachers
    of the classroom not listed keep what they had (present when new)."""
    session = lead(user, session, Step.OPENING)
    institute_id = institute_of(session)
    place = check_text(place, PLACE_LENGTH, _("Il luogo"))
    minutes_number = check_text(minutes_number, MINUTES_NUMBER_LENGTH, _("Il numero del verbale"))
    earliest = session.term.start_date
    latest = session.classroom.school_year.end_date + datetime.timedelta(days=60)
    if not earliest <= held_on <= latest:
        raise CouncilError(
            _("La data della seduta deve essere tra il %(from)s e il %(to)s.")
            % {"from": f"{earliest:%d/%m/%Y}", "to": f"{latest:%d/%m/%Y}"},
            "date_out_of_range",
        )
    teachers = {t.pk: t for t in cs.classroom_teachers(session)}
    listed = [m.teacher_id for m in members]
    if len(set(listed)) != len(listed):
        raise CouncilError(_("Un docente è indicato due volte."), "member_twice")
    strangers = [pk for pk in listed if pk not in teachers]
    if strangers:
        raise CouncilError(
            _("Nel consiglio siedono i docenti della classe: uno di quelli indicati non lo è."),
            "member_unknown",
        )
    staff = {
        s.pk: s
        for s in Staff.objects.filter(
            institute_id=institute_id,
            active=True,
            pk__in={chair_id, secretary_id} | {m.substitute_id for m in members if m.substitute_id},
        )
    }
    problems: list[tuple[str, str, dict[str, Any]]] = []
    substitutes: dict[int, int] = {}
    for member in members:
        if member.present or member.substitute_id is None:
            continue
        name = teachers[member.teacher_id].full_name
        substitute = staff.get(member.substitute_id)
        if substitute is None or not substitute.is_teacher:
            problems.append(
                (
                    _("Il sostituto di %(name)s non è un docente dell'istituto.") % {"name": name},
                    "substitute_unknown",
                    {"teacher_id": member.teacher_id},
                )
            )
        elif substitute.pk in teachers:
            problems.append(
                (
                    _("Il sostituto di %(name)s siede già nel consiglio come docente della classe.")
                    % {"name": name},
                    "substitute_member",
                    {"teacher_id": member.teacher_id},
                )
            )
        elif substitute.pk in substitutes.values():
            problems.append(
                (
                    _("%(sub)s sostituisce già un altro docente.") % {"sub": substitute.full_name},
                    "substitute_twice",
                    {"teacher_id": member.teacher_id},
                )
            )
        else:
            substitutes[member.teacher_id] = substitute.pk
        check_text(member.protocol, PROTOCOL_LENGTH, _("Il protocollo della nomina"))
    chair = staff.get(chair_id)
    if chair is None or not (chair.is_principal or chair.is_teacher):
        problems.append(
            (
                _("Il presidente è il dirigente o un docente dell'istituto da lui delegato."),
                "chair_unknown",
                {},
            )
        )
    present = {m.teacher_id for m in members if m.present}
    existing = {m.teacher_id: m for m in CouncilMember.objects.filter(session=session)}
    for pk, row in existing.items():
        if pk not in listed and row.present:
            present.add(pk)
    for pk in teachers:
        if pk not in listed and pk not in existing:
            present.add(pk)
    voters = present | set(substitutes.values())
    if secretary_id not in voters:
        problems.append(
            (_("Il segretario è un componente presente del consiglio."), "secretary_unknown", {})
        )
    elif secretary_id == chair_id:
        problems.append(
            (_("Presidente e segretario devono essere persone diverse."), "secretary_is_chair", {})
        )
    raise_problems(problems)

    before = snapshot(session)
    session.held_on = held_on
    session.starts_at = starts_at
    session.place = place
    session.chair_id = chair_id
    session.secretary_id = secretary_id
    session.minutes_number = minutes_number
    session.save()
    change_record(
        instance=session,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        reason=str(_("Apertura della seduta")),
        institute_id=institute_id,
    )
    created: list[CouncilMember] = []
    updated: list[tuple[CouncilMember, dict[str, Any]]] = []
    by_teacher = {m.teacher_id: m for m in members}
    for pk in teachers:
        given = by_teacher.get(pk)
        kept = existing.get(pk)
        if kept is None:
            new = CouncilMember(session=session, teacher_id=pk)
            if given is not None:
                apply_member(new, given, substitutes.get(pk))
            created.append(new)
        elif given is not None:
            seen = snapshot(kept)
            apply_member(kept, given, substitutes.get(pk))
            if snapshot(kept) != seen:
                updated.append((kept, seen))
    CouncilMember.objects.bulk_create(created)
    for changed, _seen in updated:
        changed.save()
    changes_record_created(instances=created, actor=user, institute_id=institute_id)
    changes_record_updated(changed=updated, actor=user, institute_id=institute_id)
    return session


def apply_member(row: CouncilMember, given: MemberInput, substitute_id: int | None) -> None:
    row.present = given.present
    if given.present:
        row.substitute_id = None
        row.substitution_protocol = ""
        row.substitution_date = None
        return
    row.substitute_id = substitute_id
    row.substitution_protocol = given.protocol.strip() if substitute_id else ""
    row.substitution_date = given.protocol_date if substitute_id else None


# --- 2. attendance --------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceDecision:
    """For a student over the 25 % limit: a waiver with a reason from the school's list
    (`assessed` stays True), or not assessed (`assessed` False)."""

    student_id: int
    waiver_reason: str = ""
    assessed: bool = True
    against: tuple[int, ...] = ()


@transaction.atomic
def attendance_save(
    *,
    user: User,
    session: EvaluationSession,
    decisions: Sequence[AttendanceDecision] = (),
) -> list[StudentResult]:
    """Read every student's hours from the register's monitor (absences, late entries and
    early exits against the annual timetable, the principal's waived hours deducted) and record
    the council's decisions for those over the limit."""
    session = lead(user, session, Step.ATTENDANCE)
    level = cs.level_of(session)
    if level == SchoolKind.PRIMARY:
        raise CouncilError(
            _("Nella scuola primaria non c'è un limite di assenze."), "no_attendance_limit"
        )
    students = cs.session_students(session)
    names = {s.pk: s.full_name for s in students}
    summaries = {
        s.student.pk: s
        for s in attendance_summaries(session.classroom, until=cs.evaluation_day(session))
        if s.student.pk in names
    }
    reasons = cs.settings_of(institute_of(session)).waiver_reason_list()
    results = cs.results_by_student(session, names)
    by_student = {d.student_id: d for d in decisions}
    problems: list[tuple[str, str, dict[str, Any]]] = []
    rows: list[tuple[StudentResult, dict[str, Any] | None, AttendanceDecision | None]] = []
    for student_id, name in names.items():
        summary = summaries.get(student_id)
        result = results.get(student_id) or StudentResult(session=session, student_id=student_id)
        seen = snapshot(result) if result.pk else None
        result.hours_absent = summary.absent_hours if summary else 0
        result.annual_hours = summary.annual_hours if summary else 0
        result.waived_hours = summary.waived_hours if summary else 0
        decision = by_student.get(student_id)
        over = cs.over_limit(session, result)
        if decision is not None:
            if not over and not decision.assessed:
                problems.append(
                    (
                        _("%(name)s: le assenze sono entro il limite, l'alunno si valuta.")
                        % {"name": name},
                        "attendance_ok",
                        {"student_id": student_id},
                    )
                )
            elif decision.assessed and over and decision.waiver_reason not in reasons:
                problems.append(
                    (
                        _("%(name)s: scegliere il motivo della deroga dall'elenco della scuola.")
                        % {"name": name},
                        "waiver_reason_invalid",
                        {"student_id": student_id},
                    )
                )
            elif not over and decision.waiver_reason:
                problems.append(
                    (
                        _("%(name)s: la deroga serve solo oltre il limite di assenze.")
                        % {"name": name},
                        "waiver_not_needed",
                        {"student_id": student_id},
                    )
                )
        if not over:
            result.assessed, result.waiver_reason = True, ""
        elif decision is not None:
            result.assessed = decision.assessed
            result.waiver_reason = decision.waiver_reason if decision.assessed else ""
        rows.append((result, seen, decision))
    unknown = set(by_student) - set(names)
    if unknown:
        problems.append(
            (
                _("Una decisione riguarda un alunno che questo scrutinio non valuta."),
                "student_unknown",
                {},
            )
        )
    raise_problems(problems)
    institute_id = institute_of(session)
    created = [r for r, seen, _d in rows if seen is None]
    StudentResult.objects.bulk_create(created)
    changes_record_created(instances=created, actor=user, institute_id=institute_id)
    updated = [(r, seen) for r, seen, _d in rows if seen is not None and snapshot(r) != seen]
    if updated:
        StudentResult.objects.bulk_update(
            [r for r, _s in updated],
            ["hours_absent", "annual_hours", "waived_hours", "assessed", "waiver_reason"],
        )
        changes_record_updated(changed=updated, actor=user, institute_id=institute_id)
    for result, seen, decision in rows:
        decided = (seen or {}).get("assessed"), (seen or {}).get("waiver_reason")
        if decision is not None and cs.over_limit(session, result):
            if seen is None or decided != (result.assessed, result.waiver_reason):
                deliberate(
                    session=session,
                    user=user,
                    topic=DeliberationTopic.ATTENDANCE,
                    student_id=result.student_id,
                    against=decision.against,
                    reason=result.waiver_reason or str(_("Non valutabile per le assenze")),
                )
    return [r for r, _s, _d in rows]


# --- 3. final marks -------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkInput:
    """A cell of the council's grid: "7", "NC", a judgement ("buono") or "" to clear it."""

    student_id: int
    subject_id: int
    mark: str
    against: tuple[int, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ParsedMark:
    mark: Decimal | None = None
    judgement: str = ""

    @property
    def empty(self) -> bool:
        return self.mark is None and not self.judgement

    @property
    def value(self) -> rules_lib.Mark:
        return self.mark if self.mark is not None else self.judgement

    def same(self, mark: Decimal | None, judgement: str) -> bool:
        return self.mark == mark and self.judgement == judgement


def parse_mark(
    session: EvaluationSession,
    subject: Subject,
    text: str,
    criteria: rules_lib.SchoolCriteria,
    *,
    label: str | None = None,
) -> ParsedMark:
    """Read a final mark as the subject's scale wants it, or raise CouncilError."""
    text = text.strip()
    if not text:
        return ParsedMark()
    label = label or subject.name
    scale = cs.scale_of(session, subject)
    try:
        if scale == JUDGEMENT:
            if text.upper() == rules_lib.NC:
                return ParsedMark(judgement=rules_lib.NC)
            return ParsedMark(judgement=parse_judgement(text))
        if scale == SYNTHETIC:
            return ParsedMark(judgement=parse_synthetic_judgement(text))
    except GradeError as error:
        raise CouncilError(f"{label}: {error}", "judgement_invalid") from None
    return parse_number(cs.level_of(session), label, text, criteria)


def parse_number(
    level: str, label: str, text: str, criteria: rules_lib.SchoolCriteria
) -> ParsedMark:
    if text.upper() == rules_lib.NC:
        return ParsedMark(judgement=rules_lib.NC)
    problems = rules_lib.final_mark_problems(level, label, text, criteria)
    if problems:
        raise CouncilError(list(problems), problems[0].code)
    try:
        return ParsedMark(mark=Decimal(text.replace(",", ".")).quantize(Decimal("0.01")))
    except InvalidOperation:  # pragma: no cover - refused by final_mark_problems
        raise CouncilError(f"{label}: {text}", "mark_invalid") from None


def number_or_code(mark: Decimal | None, judgement: str) -> str:
    return cs.number_text(mark) if mark is not None else judgement


@dataclass(frozen=True)
class MarksSaved:
    changed: int
    deliberations: int


@transaction.atomic
def final_marks_save(
    *,
    user: User,
    session: EvaluationSession,
    marks: Sequence[MarkInput],
) -> MarksSaved:
    """The council's final marks. A mark that differs from the teacher's proposal is a
    deliberation (unanimous, or with who voted against); a failing mark in secondary school is
    a debt (its gaps and recovery mode come from the proposal). All cells or none."""
    session = lead(user, session, Step.MARKS)
    grid = cs.marks_grid(session, with_results=False)
    names = student_names(grid)
    subjects = {s.pk: s for s in grid.subjects}
    criteria = cs.criteria_of(cs.settings_of(institute_of(session)))
    secondary = not cs.is_primary(session)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    parsed: list[tuple[MarkInput, ParsedMark]] = []
    seen_cells: set[tuple[int, int]] = set()
    for cell in marks:
        where = {"student_id": cell.student_id, "subject_id": cell.subject_id}
        if cell.student_id not in names or cell.subject_id not in subjects:
            problems.append(
                (
                    _("Una cella non appartiene alla griglia di questo scrutinio."),
                    "cell_unknown",
                    where,
                )
            )
            continue
        if (cell.student_id, cell.subject_id) in seen_cells:
            problems.append((_("Una cella è indicata due volte."), "cell_twice", where))
            continue
        seen_cells.add((cell.student_id, cell.subject_id))
        try:
            value = parse_mark(session, subjects[cell.subject_id], cell.mark, criteria)
        except CouncilError as error:
            for message in error.messages:
                problems.append((f"{names[cell.student_id]} – {message}", error.code, where))
            continue
        parsed.append((cell, value))
    raise_problems(problems)

    institute_id = institute_of(session)
    created: list[SubjectMark] = []
    updated: list[tuple[SubjectMark, dict[str, Any]]] = []
    votes: list[tuple[MarkInput, SubjectMark]] = []
    for cell, value in parsed:
        row = grid.mark(cell.student_id, cell.subject_id)
        if row is not None and value.same(row.final_mark, row.final_judgement):
            continue
        if row is None:
            if value.empty:
                continue
            row = SubjectMark(
                session=session, student_id=cell.student_id, subject_id=cell.subject_id
            )
            seen = None
        else:
            seen = snapshot(row)
        row.final_mark, row.final_judgement = value.mark, value.judgement
        subject = subjects[cell.subject_id]
        row.debt = bool(
            secondary
            and not value.empty
            and subject.kind not in cs.JUDGEMENT_SUBJECTS
            and rules_lib.is_failing(value.value, criteria)
        )
        if seen is None:
            created.append(row)
        else:
            updated.append((row, seen))
        proposal = (row.proposed_mark, row.proposed_judgement)
        if not value.empty and not value.same(*proposal):
            votes.append((cell, row))
    SubjectMark.objects.bulk_create(created)
    changes_record_created(instances=created, actor=user, institute_id=institute_id)
    if updated:
        SubjectMark.objects.bulk_update(
            [r for r, _s in updated], ["final_mark", "final_judgement", "debt"]
        )
        changes_record_updated(changed=updated, actor=user, institute_id=institute_id)
    for cell, row in votes:
        deliberate(
            session=session,
            user=user,
            topic=DeliberationTopic.MARK,
            student_id=row.student_id,
            subject_id=row.subject_id,
            against=cell.against,
            reason=cell.reason,
        )
    return MarksSaved(changed=len(created) + len(updated), deliberations=len(votes))


@transaction.atomic
def marks_from_proposals(*, user: User, session: EvaluationSession) -> int:
    """Every empty final mark takes the teacher's proposal (no deliberation: unchanged)."""
    session = lead(user, session, Step.MARKS)
    grid = cs.marks_grid(session, with_results=False)
    criteria = cs.criteria_of(cs.settings_of(institute_of(session)))
    secondary = not cs.is_primary(session)
    subjects = {s.pk: s for s in grid.subjects}
    updated: list[tuple[SubjectMark, dict[str, Any]]] = []
    for row in grid.marks.values():
        if row.decided or not row.proposed or row.subject_id not in subjects:
            continue
        proposal = number_or_code(row.proposed_mark, row.proposed_judgement)
        try:
            parse_mark(session, subjects[row.subject_id], proposal, criteria)
        except CouncilError:
            continue  # e.g. 6½: a final mark is whole, the council decides
        seen = snapshot(row)
        row.final_mark, row.final_judgement = row.proposed_mark, row.proposed_judgement
        value = row.final_mark if row.final_mark is not None else row.final_judgement
        try:
            failing = rules_lib.is_failing(value, criteria)
        except rules_lib.EvaluationRuleError:
            failing = False
        row.debt = bool(
            secondary and failing and subjects[row.subject_id].kind not in cs.JUDGEMENT_SUBJECTS
        )
        updated.append((row, seen))
    if updated:
        SubjectMark.objects.bulk_update(
            [r for r, _s in updated], ["final_mark", "final_judgement", "debt"]
        )
        changes_record_updated(
            changed=updated,
            actor=user,
            institute_id=institute_of(session),
            reason=str(_("Voti finali dalle proposte")),
        )
    return len(updated)


TOPIC_STEP = {
    DeliberationTopic.MARK: Step.MARKS,
    DeliberationTopic.ATTENDANCE: Step.ATTENDANCE,
    DeliberationTopic.BEHAVIOUR: Step.BEHAVIOUR,
    DeliberationTopic.OUTCOME: Step.OUTCOMES,
    DeliberationTopic.ADMISSION: Step.OUTCOMES,
    DeliberationTopic.CREDIT: Step.CREDITS,
}


@transaction.atomic
def deliberation_vote(
    *,
    user: User,
    session: EvaluationSession,
    deliberation_id: int,
    against: Sequence[int],
    reason: str | None = None,
) -> Deliberation:
    """Correct how the council voted on a deliberation of the current step."""
    found = Deliberation.objects.filter(pk=deliberation_id, session_id=session.pk).first()
    if found is None:
        raise NotAllowed
    session = lead(user, session, TOPIC_STEP[DeliberationTopic(found.topic)])
    found = Deliberation.objects.select_for_update().get(pk=found.pk)
    ids = check_voters(session, against)
    before = {**snapshot(found), "against": sorted(found.against.values_list("pk", flat=True))}
    found.unanimous = not ids
    if reason is not None:
        found.reason = check_text(reason, REASON_LENGTH, _("La motivazione"))
    found.save()
    found.against.set(ids)
    change_record(
        instance=found,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        after={**snapshot(found), "against": ids},
        institute_id=institute_of(session),
    )
    return found


# --- 4. behaviour and civic education -------------------------------------------------------


@dataclass(frozen=True)
class BehaviourInput:
    """Behaviour: a whole mark out of ten with its written reason (secondary), a giudizio
    sintetico (primary)."""

    student_id: int
    mark: str
    reason: str = ""
    against: tuple[int, ...] = ()


def parse_behaviour(session: EvaluationSession, text: str) -> tuple[Decimal | None, str]:
    text = text.strip()
    if not text:
        return None, ""
    if cs.is_primary(session):
        try:
            return None, parse_synthetic_judgement(text)
        except GradeError as error:
            raise CouncilError(str(error), "behaviour_not_judgement") from None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value != value.to_integral_value():
        raise CouncilError(
            _("Il voto di comportamento deve essere un numero intero da 1 a 10, non «%(v)s».")
            % {"v": text},
            "behaviour_invalid",
        )
    return value.quantize(Decimal("0.01")), ""


@transaction.atomic
def behaviour_save(
    *, user: User, session: EvaluationSession, entries: Sequence[BehaviourInput]
) -> int:
    """The behaviour of the students given (each one a deliberation when it changes)."""
    session = lead(user, session, Step.BEHAVIOUR)
    grid = cs.marks_grid(session)
    names = student_names(grid)
    level = cs.level_of(session)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    changes: list[tuple[BehaviourInput, StudentResult, dict[str, Any] | None, bool]] = []
    for entry in entries:
        where = {"student_id": entry.student_id}
        if entry.student_id not in names:
            problems.append(not_evaluated(where))
            continue
        name = names[entry.student_id]
        try:
            mark, judgement = parse_behaviour(session, entry.mark)
            reason = check_text(entry.reason, REASON_LENGTH, _("La motivazione"))
        except CouncilError as error:
            problems.append((f"{name}: {error.message}", error.code, where))
            continue
        if mark is None and not judgement and not reason:
            continue  # not yet given
        given = mark if mark is not None else judgement or None
        found = rules_lib.behaviour_problems(level, given, reason)
        for problem in found:
            problems.append((f"{name}: {problem}", problem.code, where))
        if found:
            continue
        result = grid.results.get(entry.student_id) or StudentResult(
            session=session, student_id=entry.student_id
        )
        seen = snapshot(result) if result.pk else None
        value_changed = (result.behaviour_mark, result.behaviour_judgement) != (mark, judgement)
        if not value_changed and result.behaviour_reason == reason:
            continue
        result.behaviour_mark, result.behaviour_judgement = mark, judgement
        result.behaviour_reason = reason
        changes.append((entry, result, seen, value_changed))
    raise_problems(problems)
    write_results(
        session,
        user,
        [(r, s) for _e, r, s, _v in changes],
        ["behaviour_mark", "behaviour_judgement", "behaviour_reason"],
    )
    for entry, result, _seen, value_changed in changes:
        if value_changed:
            deliberate(
                session=session,
                user=user,
                topic=DeliberationTopic.BEHAVIOUR,
                student_id=result.student_id,
                against=entry.against,
                reason=result.behaviour_reason,
            )
    return len(changes)


def write_results(
    session: EvaluationSession,
    user: User,
    rows: Sequence[tuple[StudentResult, dict[str, Any] | None]],
    fields: Sequence[str],
) -> None:
    institute_id = institute_of(session)
    created = [r for r, seen in rows if seen is None]
    updated = [(r, seen) for r, seen in rows if seen is not None]
    StudentResult.objects.bulk_create(created)
    changes_record_created(instances=created, actor=user, institute_id=institute_id)
    if updated:
        StudentResult.objects.bulk_update([r for r, _s in updated], list(fields))
        changes_record_updated(changed=updated, actor=user, institute_id=institute_id)


@dataclass(frozen=True)
class CivicsInput:
    """Civic education: a mark (or NC) in secondary school, a giudizio sintetico in primary."""

    student_id: int
    mark: str


@transaction.atomic
def civics_save(*, user: User, session: EvaluationSession, entries: Sequence[CivicsInput]) -> int:
    session = lead(user, session, Step.CIVICS)
    grid = cs.marks_grid(session)
    names = student_names(grid)
    criteria = cs.criteria_of(cs.settings_of(institute_of(session)))
    label = str(_("Educazione civica"))
    problems: list[tuple[str, str, dict[str, Any]]] = []
    changes: list[tuple[StudentResult, dict[str, Any] | None]] = []
    for entry in entries:
        where = {"student_id": entry.student_id}
        if entry.student_id not in names:
            problems.append(not_evaluated(where))
            continue
        text = entry.mark.strip()
        try:
            if not text:
                value = ParsedMark()
            elif cs.is_primary(session):
                value = ParsedMark(judgement=parse_synthetic_judgement(text))
            else:
                value = parse_number(cs.level_of(session), label, text, criteria)
        except GradeError as error:
            problems.append((f"{names[entry.student_id]}: {error}", "judgement_invalid", where))
            continue
        except CouncilError as error:
            problems.append((f"{names[entry.student_id]}: {error.message}", error.code, where))
            continue
        result = grid.results.get(entry.student_id)
        if result is None:
            if value.empty:
                continue
            result = StudentResult(session=session, student_id=entry.student_id)
        if value.same(result.civics_mark, result.civics_judgement):
            continue
        seen = snapshot(result) if result.pk else None
        result.civics_mark, result.civics_judgement = value.mark, value.judgement
        changes.append((result, seen))
    raise_problems(problems)
    write_results(session, user, changes, ["civics_mark", "civics_judgement"])
    return len(changes)


# --- 5. outcomes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeInput:
    """The council's outcome for a student, with what the rules ask for it: the reason
    (non-admission; the exam with a subject below 6), the admission mark (lower secondary 3rd),
    the citizenship assignment (behaviour 6), the facts of the exam's admission, and the
    recovery mode (and gaps) of each subject in debt of a suspended judgement."""

    student_id: int
    outcome: str
    reason: str = ""
    admission_mark: int | None = None
    citizenship_assignment: str = ""
    invalsi_taken: bool = True
    pcto_completed: bool = True
    recovery: Mapping[int, str] = field(default_factory=dict)
    gaps: Mapping[int, str] = field(default_factory=dict)
    against: tuple[int, ...] = ()


def stored_outcome(session: EvaluationSession, outcome: str) -> str:
    """The value kept: in the year of the State exam, admitted means admitted to the exam."""
    if outcome in cs.EXAM_OUTCOMES:
        if not cs.is_last_year(session):
            raise CouncilError(
                _("L'ammissione all'esame di Stato si delibera solo nell'ultimo anno."),
                "exam_not_here",
            )
        return outcome
    if outcome not in Outcome.values:
        raise CouncilError(
            _("Esito sconosciuto: «%(o)s».") % {"o": outcome[:40]}, "outcome_unknown"
        )
    if cs.is_last_year(session):
        if outcome == Outcome.ADMITTED:
            return Outcome.EXAM_ADMITTED
        if outcome == Outcome.NOT_ADMITTED:
            return Outcome.EXAM_NOT_ADMITTED
    return outcome


@transaction.atomic
def outcomes_save(
    *, user: User, session: EvaluationSession, entries: Sequence[OutcomeInput]
) -> int:
    """Outcomes checked against the rules (`lib.evaluation_rules.outcome_problems`) and the
    school's criteria: e.g. behaviour 5 and admitted is refused; suspended needs the subjects
    in debt with their recovery mode and exists only in upper secondary years 1–4."""
    session = lead(user, session, Step.OUTCOMES)
    if not cs.decides_outcomes(session):
        raise CouncilError(
            _("Negli scrutini intermedi non si delibera l'esito."), "outcome_in_intermediate"
        )
    grid = cs.marks_grid(session)
    names = student_names(grid)
    settings = cs.settings_of(institute_of(session))
    criteria = cs.criteria_of(settings)
    subjects = {s.pk: s for s in grid.subjects}
    problems: list[tuple[str, str, dict[str, Any]]] = []
    changes: list[tuple[OutcomeInput, StudentResult, dict[str, Any] | None]] = []
    mark_changes: list[tuple[SubjectMark, dict[str, Any]]] = []
    for entry in entries:
        where = {"student_id": entry.student_id}
        if entry.student_id not in names:
            problems.append(not_evaluated(where))
            continue
        name = names[entry.student_id]
        try:
            outcome = stored_outcome(session, entry.outcome)
            reason = check_text(entry.reason, REASON_LENGTH, _("La motivazione"))
            assignment = check_text(
                entry.citizenship_assignment, REASON_LENGTH, _("L'elaborato di cittadinanza")
            )
        except CouncilError as error:
            problems.append((f"{name}: {error.message}", error.code, where))
            continue
        result = grid.results.get(entry.student_id) or StudentResult(
            session=session, student_id=entry.student_id
        )
        seen = snapshot(result) if result.pk else None
        result.outcome, result.outcome_reason = outcome, reason
        result.admission_mark = entry.admission_mark
        result.citizenship_assignment = assignment
        result.invalsi_taken, result.pcto_completed = entry.invalsi_taken, entry.pcto_completed
        facts = cs.outcome_facts(
            session, grid, entry.student_id, result, unanimous=not entry.against
        )
        for problem in rules_lib.outcome_problems(facts, criteria):
            problems.append((f"{name}: {problem}", problem.code, where))
        for subject_id, mode in {**dict.fromkeys(entry.gaps, ""), **entry.recovery}.items():
            mark = grid.mark(entry.student_id, subject_id)
            if subject_id not in subjects or mark is None or not mark.debt:
                problems.append(
                    (
                        _("%(name)s: il recupero si indica solo per le materie con il debito.")
                        % {"name": name},
                        "recovery_not_debt",
                        where,
                    )
                )
                continue
            if mode and mode not in RecoveryMode.values:
                problems.append(
                    (
                        _("%(name)s: modalità di recupero sconosciuta.") % {"name": name},
                        "recovery_mode_invalid",
                        where,
                    )
                )
                continue
            before = snapshot(mark)
            if subject_id in entry.recovery:
                mark.recovery_mode = mode
            if subject_id in entry.gaps:
                mark.gaps = check_text(entry.gaps[subject_id], REASON_LENGTH, _("Le carenze"))
            if snapshot(mark) != before:
                mark_changes.append((mark, before))
        if outcome == Outcome.SUSPENDED:
            for subject in grid.subjects:
                mark = grid.mark(entry.student_id, subject.pk)
                if mark is None or not mark.debt:
                    continue
                if not mark.recovery_mode:
                    problems.append(
                        (
                            _("%(name)s: manca la modalità di recupero del debito in %(subject)s.")
                            % {"name": name, "subject": subject.name},
                            "recovery_mode_missing",
                            {**where, "subject_id": subject.pk},
                        )
                    )
                if not mark.gaps.strip():
                    problems.append(
                        (
                            _("%(name)s: mancano le carenze del debito in %(subject)s.")
                            % {"name": name, "subject": subject.name},
                            "gaps_missing",
                            {**where, "subject_id": subject.pk},
                        )
                    )
        if outcome not in (Outcome.ADMITTED, Outcome.EXAM_ADMITTED):
            result.credit = None
        if seen is None or snapshot(result) != seen:
            changes.append((entry, result, seen))
    raise_problems(problems)
    write_results(
        session,
        user,
        [(r, s) for _e, r, s in changes],
        [
            "outcome",
            "outcome_reason",
            "admission_mark",
            "citizenship_assignment",
            "invalsi_taken",
            "pcto_completed",
            "credit",
        ],
    )
    if mark_changes:
        SubjectMark.objects.bulk_update([m for m, _b in mark_changes], ["recovery_mode", "gaps"])
        changes_record_updated(changed=mark_changes, actor=user, institute_id=institute_of(session))
    for entry, result, seen in changes:
        if seen is None or (seen.get("outcome"), seen.get("outcome_reason")) != (
            result.outcome,
            result.outcome_reason,
        ):
            deliberate(
                session=session,
                user=user,
                topic=DeliberationTopic.OUTCOME,
                student_id=result.student_id,
                against=entry.against,
                reason=result.outcome_reason or str(Outcome(result.outcome).label),
            )
    return len(changes)


# --- 6. credits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditInput:
    """This year's credit; `earlier_credits` None carries what earlier years' sessions gave;
    `criteria_met`: the school's criteria for the band's upper point (attendance, interest,
    activities) as the council judges them."""

    student_id: int
    credit: int
    earlier_credits: int | None = None
    criteria_met: bool = False
    against: tuple[int, ...] = ()


@transaction.atomic
def credits_save(*, user: User, session: EvaluationSession, entries: Sequence[CreditInput]) -> int:
    """Credits of Table A: inside the band of the average M (behaviour included), the upper
    point only with behaviour ≥ 9 and the school's criteria; earlier credits carried; the total
    out of 40. A credit outside the band is refused."""
    session = lead(user, session, Step.CREDITS)
    grid = cs.marks_grid(session)
    names = student_names(grid)
    settings = cs.settings_of(institute_of(session))
    criteria = cs.criteria_of(settings)
    due = {s.pk for s in cs.credit_students(grid, session)}
    carried = cs.earlier_credits(session, due)
    problems: list[tuple[str, str, dict[str, Any]]] = []
    changes: list[tuple[CreditInput, StudentResult, dict[str, Any]]] = []
    for entry in entries:
        where = {"student_id": entry.student_id}
        if entry.student_id not in names:
            problems.append(not_evaluated(where))
            continue
        name = names[entry.student_id]
        if entry.student_id not in due:
            problems.append(
                (
                    _("%(name)s: il credito si attribuisce agli ammessi del 3°, 4° e 5° anno.")
                    % {"name": name},
                    "credit_not_due",
                    where,
                )
            )
            continue
        result = grid.results[entry.student_id]
        earlier = entry.earlier_credits
        if earlier is None:
            earlier = carried.get(entry.student_id, result.earlier_credits or 0)
        found = cs.credit_check(
            session,
            grid,
            entry.student_id,
            result,
            settings,
            criteria,
            credit=entry.credit,
            earlier=earlier,
            criteria_met=entry.criteria_met,
        )
        for problem in found:
            code = getattr(problem, "code", "credit_invalid")
            problems.append((f"{name}: {problem}", code, where))
        if found:
            continue
        seen = snapshot(result)
        result.credit = entry.credit
        result.earlier_credits = earlier
        result.credit_criteria_met = entry.criteria_met
        result.average = cs.average_of(session, grid, entry.student_id, criteria)
        if snapshot(result) != seen:
            changes.append((entry, result, seen))
    raise_problems(problems)
    write_results(
        session,
        user,
        [(r, s) for _e, r, s in changes],
        ["credit", "earlier_credits", "credit_criteria_met", "average"],
    )
    for entry, result, seen in changes:
        if seen.get("credit") != result.credit:
            deliberate(
                session=session,
                user=user,
                topic=DeliberationTopic.CREDIT,
                student_id=result.student_id,
                against=entry.against,
            )
    return len(changes)


# --- 8. minutes -----------------------------------------------------------------------------


@transaction.atomic
def minutes_close(
    *,
    user: User,
    session: EvaluationSession,
    ends_at: datetime.time,
    minutes_number: str,
) -> EvaluationSession:
    """The closing time and the number of the minutes (then the documents are made)."""
    session = lead(user, session, Step.MINUTES)
    minutes_number = check_text(minutes_number, MINUTES_NUMBER_LENGTH, _("Il numero del verbale"))
    if not minutes_number:
        raise CouncilError(_("Manca il numero del verbale."), "minutes_number_missing")
    if session.starts_at is not None and ends_at <= session.starts_at:
        raise CouncilError(
            _("L'ora di chiusura deve seguire quella di inizio (%(start)s).")
            % {"start": f"{session.starts_at:%H:%M}"},
            "ends_before_start",
        )
    before = snapshot(session)
    session.ends_at = ends_at
    session.minutes_number = minutes_number
    session.save()
    change_record(
        instance=session,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        reason=str(_("Chiusura della seduta")),
        institute_id=institute_of(session),
    )
    return session


# --- 7. what blocks leaving each step (the minutes' check is documents.py's) ---------------

for _step, _check in cs.CHECKS.items():
    if _step != Step.MINUTES:
        steps.register_check(_step, _check)
