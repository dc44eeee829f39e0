"""The documents of a class council: minutes, tabellone, signature sheet and the letters to
families (debts, gaps, citizenship assignment, non-admission), as Typst PDFs.

The session's records are mapped here to the pure dataclasses of `lib.council_documents`,
which renders them. Each generation is a new `SessionDocument` version of each kind (earlier
versions are kept, and after a reopening the documents carry the session's new version).
Who reads them: the session's leader, the office and the principal every document; the
council's teachers the minutes and the tabellone. Anyone else: 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.evaluation import council_selectors as cs
from campanella.evaluation import steps
from campanella.evaluation.council import CouncilError, lead
from campanella.evaluation.models import (
    Deliberation,
    DeliberationTopic,
    DocumentKind,
    EvaluationSession,
    Outcome,
    SessionDocument,
    SessionKind,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.evaluation.rules import may_lead, may_manage, sessions_for_user
from campanella.lib import council_documents as docs
from campanella.people.models import Staff, Student, User
from campanella.people.roles import roles_for_user

# The council's teachers read these; the leader, office and principal read every kind.
TEACHER_KINDS = frozenset({DocumentKind.MINUTES, DocumentKind.TABELLONE})
LETTER_KINDS: dict[str, DocumentKind] = {
    "debiti": DocumentKind.DEBT_LETTERS,
    "carenze": DocumentKind.GAP_LETTERS,
    "cittadinanza": DocumentKind.CITIZENSHIP_LETTERS,
    "non_ammissione": DocumentKind.NON_ADMISSION_LETTERS,
}
PRINCIPAL_WAIVERS = "deroghe concesse dal dirigente scolastico"


# --- who reads what -----------------------------------------------------------------------


def readable_kinds(user: Any, session: EvaluationSession) -> frozenset[str]:
    """The kinds of document this login may read for a session it may see."""
    if may_lead(user, session) or may_manage(user, session.classroom.school.institute_id):
        return frozenset(DocumentKind.values)
    if sessions_for_user(user).filter(pk=session.pk).exists() and roles_for_user(user).is_teacher:
        return frozenset(TEACHER_KINDS)
    return frozenset()


def may_read_documents(user: Any, session: EvaluationSession) -> bool:
    return bool(readable_kinds(user, session))


def documents_for_user(user: Any, session: EvaluationSession) -> list[SessionDocument]:
    """Every version this login may read, by kind, newest first."""
    kinds = readable_kinds(user, session)
    if not kinds:
        return []
    return [d for d in cs.session_documents(session) if d.kind in kinds]


def document_for_user(
    user: Any, session: EvaluationSession, document_id: int
) -> SessionDocument | None:
    kinds = readable_kinds(user, session)
    found = SessionDocument.objects.filter(pk=document_id, session=session).first()
    if found is None or found.kind not in kinds:
        return None
    return found


def pdf_response(document: SessionDocument) -> FileResponse:
    name = f"{slugify(document.get_kind_display())}-v{document.version}.pdf"
    response = FileResponse(document.pdf.open("rb"), content_type="application/pdf", filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- from the records to the documents' data -----------------------------------------------


def title_of(session: EvaluationSession) -> str:
    term = session.term
    if session.kind == SessionKind.SUPPLEMENTARY:
        return _("Scrutinio integrativo")
    if session.kind == SessionKind.FINAL:
        return _("Scrutinio finale")
    period = f"{term.number}° {term.get_kind_display()}"
    if session.kind == SessionKind.DEFERRED:
        name = session.student.full_name if session.student else ""
        return _("Scrutinio rinviato del %(period)s – %(name)s") % {"period": period, "name": name}
    return _("Scrutinio del %(period)s") % {"period": period}


def mark_of(code: str, mark: Any) -> docs.Mark | None:
    """A stored mark (a number) or code ("NC", a giudizio) as the documents print it."""
    if mark is not None:
        return docs.Mark(value=mark)
    if not code:
        return None
    if code == "NC":
        return docs.Mark(not_classified=True)
    return docs.Mark(judgement=cs.shown_mark(code))


def is_adult(student: Student, day: datetime.date) -> bool:
    born = student.birth_date
    return (day.year - born.year - ((day.month, day.day) < (born.month, born.day))) >= 18


def debt_of(mark: SubjectMark) -> docs.Debt | None:
    if not mark.gaps.strip() or not mark.recovery_mode:
        return None
    return docs.Debt(
        subject=str(mark.subject_id),
        gaps=mark.gaps,
        recovery_mode=str(mark.get_recovery_mode_display()),
    )


def student_data(
    session: EvaluationSession, grid: cs.Grid, student: Student, day: datetime.date
) -> docs.StudentResult:
    result = grid.results.get(student.pk) or StudentResult(session=session, student=student)
    primary = cs.is_primary(session)
    marks = []
    debts: list[docs.Debt] = []
    gaps: list[docs.Debt] = []
    for subject in grid.subjects:
        mark = grid.mark(student.pk, subject.pk)
        if mark is None:
            continue
        shown = mark_of(mark.final_judgement, mark.final_mark)
        if shown is None:
            continue
        marks.append(
            docs.SubjectResult(
                subject=str(subject.pk), mark=shown, hours_absent=mark.hours_absent or None
            )
        )
        if mark.debt:
            debt = debt_of(mark)
            if debt is not None:
                (debts if result.outcome == Outcome.SUSPENDED else gaps).append(debt)
    attendance = None
    if not primary and result.hours_absent is not None and result.annual_hours:
        attendance = docs.Attendance(
            hours_absent=result.hours_absent,
            annual_hours=result.annual_hours,
            waived_hours=result.waived_hours,
            waiver_reason=result.waiver_reason
            or (PRINCIPAL_WAIVERS if result.waived_hours else ""),
            assessed=result.assessed,
        )
    behaviour = mark_of(result.behaviour_judgement, result.behaviour_mark)
    civics = mark_of(result.civics_judgement, result.civics_mark)
    outcome = result.outcome or None
    assignment = None
    if result.citizenship_assignment.strip():
        assignment = docs.CitizenshipAssignment(topic=result.citizenship_assignment)
    credit = result.credit if outcome in (Outcome.ADMITTED, Outcome.EXAM_ADMITTED) else None
    return docs.StudentResult(
        key=str(student.pk),
        name=student.full_name,
        marks=tuple(marks),
        sex=student.sex if student.sex in ("M", "F") else None,  # type: ignore[arg-type]
        adult=is_adult(student, day),
        behaviour=behaviour,
        behaviour_reason=result.behaviour_reason,
        civic_education=civics,
        attendance=attendance,
        average=result.average,
        outcome=outcome,  # type: ignore[arg-type]
        outcome_reason=result.outcome_reason,
        debts=tuple(debts),
        gaps=tuple(gaps)
        if outcome not in (Outcome.NOT_ADMITTED, Outcome.EXAM_NOT_ADMITTED)
        else (),
        citizenship_assignment=assignment,
        credit=credit,
        earlier_credits=result.earlier_credits if credit is not None else None,
        admission_mark=result.admission_mark,
    )


def deliberation_text(
    deliberation: Deliberation, grid: cs.Grid, session: EvaluationSession
) -> str | None:
    """What a deliberation decided, as the minutes print it; None when superseded (a mark
    brought back to the proposal)."""
    student_id, subject_id = deliberation.student_id, deliberation.subject_id
    result = grid.results.get(student_id) if student_id else None
    reason = deliberation.reason.strip()
    topic = deliberation.topic
    if topic == DeliberationTopic.MARK:
        mark = grid.mark(student_id, subject_id) if student_id and subject_id else None
        if mark is None or not mark.decided:
            return None
        final, proposed = cs.final_text(mark), cs.proposed_text(mark)
        if final == proposed:
            return None
        text = _("%(subject)s: voto finale %(final)s (proposta %(proposed)s).") % {
            "subject": deliberation.subject.name if deliberation.subject else "",
            "final": cs.shown_mark(final),
            "proposed": cs.shown_mark(proposed) or "–",
        }
    elif topic == DeliberationTopic.ATTENDANCE:
        if result is None:
            return None
        text = (
            _("Deroga al limite di assenze: %(reason)s.") % {"reason": result.waiver_reason}
            if result.assessed
            else _("Non valutabile per le assenze oltre il limite.")
        )
        reason = ""
    elif topic == DeliberationTopic.BEHAVIOUR:
        if result is None:
            return None
        value = cs.behaviour_of(session, result)
        shown = cs.shown_mark(value) if isinstance(value, str) else cs.number_text(value)
        text = _("Comportamento: %(mark)s.") % {"mark": shown}
    elif topic == DeliberationTopic.OUTCOME:
        if result is None or not result.outcome:
            return None
        text = f"{Outcome(result.outcome).label[:1].upper()}{Outcome(result.outcome).label[1:]}."
    elif topic == DeliberationTopic.CREDIT:
        if result is None or result.credit is None:
            return None
        text = _("Credito scolastico: %(credit)s.") % {"credit": result.credit}
        reason = ""
    else:
        text = ""
    return " ".join(part for part in (text, reason) if part) or None


def session_data(session: EvaluationSession) -> docs.CouncilSession:
    """The whole session as `lib.council_documents` prints it (a constant number of
    queries); refused with the lib's Italian message when something is missing."""
    grid = cs.marks_grid(session)
    classroom = session.classroom
    school = classroom.school
    institute = school.institute
    principal = (
        Staff.objects.filter(institute=institute, is_principal=True, active=True)
        .order_by("pk")
        .first()
    )
    taught = cs.taught_subjects_by_teacher(session)
    members = tuple(
        docs.CouncilMember(
            name=m.teacher.full_name,
            subjects=tuple(taught.get(m.teacher_id, [])),
            present=m.present,
            substitute=m.substitute.full_name if m.substitute else "",
            substitution_protocol=m.substitution_protocol,
            substitution_date=m.substitution_date,
        )
        for m in cs.council_members(session)
    )
    day = session.held_on or session.term.end_date
    students = tuple(student_data(session, grid, s, day) for s in grid.students)
    keys = {s.pk for s in grid.students}
    subjects = {s.pk for s in grid.subjects}
    latest: dict[tuple[str, int | None, int | None], Deliberation] = {}
    for deliberation in cs.mark_deliberations(session):
        key = (deliberation.topic, deliberation.student_id, deliberation.subject_id)
        latest.setdefault(key, deliberation)
    deliberations = []
    for deliberation in latest.values():
        if deliberation.student_id is not None and deliberation.student_id not in keys:
            continue
        if deliberation.subject_id is not None and deliberation.subject_id not in subjects:
            continue
        text = deliberation_text(deliberation, grid, session)
        if text is None:
            continue
        deliberations.append(
            docs.Deliberation(
                topic=deliberation.topic,  # type: ignore[arg-type]
                reason=text,
                student=str(deliberation.student_id or ""),
                subject=str(deliberation.subject_id or ""),
                against=tuple(s.full_name for s in deliberation.against.all()),
            )
        )
    if session.held_on is None or session.starts_at is None or session.ends_at is None:
        raise CouncilError(
            _("Per i documenti servono la data, l'ora di inizio e l'ora di chiusura della seduta."),
            "session_times_missing",
        )
    try:
        return docs.CouncilSession(
            school=docs.SchoolHeader(
                institute_name=institute.name,
                school_name=school.name,
                codice_meccanografico=school.code,
                city=school.city,
                principal_name=principal.full_name if principal else "",
            ),
            classroom=classroom.name,
            class_year=classroom.year,
            level=cs.level_of(session),  # type: ignore[arg-type]
            school_year=classroom.school_year.name,
            kind=session.kind,  # type: ignore[arg-type]
            title=title_of(session),
            minutes_number=session.minutes_number,
            date=session.held_on,
            place=session.place,
            start_time=session.starts_at,
            end_time=session.ends_at,
            chair=session.chair.full_name if session.chair else "",
            secretary=session.secretary.full_name if session.secretary else "",
            members=members,
            subjects=tuple(
                docs.CouncilSubject(
                    code=str(s.pk), name=s.name, short_name=s.short_name or s.name[:3]
                )
                for s in grid.subjects
            ),
            students=students,
            deliberations=tuple(deliberations),
            chair_is_principal=bool(session.chair and session.chair.is_principal),
            coordinator=classroom.coordinator.full_name if classroom.coordinator else "",
        )
    except docs.CouncilDocumentError as error:
        raise CouncilError(str(error), "document_data") from None


def render_all(data: docs.CouncilSession) -> list[tuple[str, bytes]]:
    """(kind, PDF) of every document the session calls for."""
    rendered: list[tuple[str, bytes]] = [
        (DocumentKind.MINUTES, docs.minutes_pdf(data)),
        (DocumentKind.TABELLONE, docs.tabellone_pdf(data)),
        (DocumentKind.SIGNATURES, docs.signature_sheet_pdf(data)),
    ]
    due: dict[str, list[docs.Letter]] = {}
    for letter in docs.letters_due(data):
        due.setdefault(letter.kind, []).append(letter)
    for kind, letters in due.items():
        rendered.append((LETTER_KINDS[kind], docs.letters_pdf(data, letters)))
    return rendered


@transaction.atomic
def documents_generate(*, user: User, session: EvaluationSession) -> list[SessionDocument]:
    """A new version of every document of the session, at the minutes' step: earlier versions
    stay; each carries the session's version (a reopening starts new ones)."""
    session = lead(user, session, Step.MINUTES)
    data = session_data(session)
    try:
        rendered = render_all(data)
    except docs.CouncilDocumentError as error:
        raise CouncilError(str(error), "document_data") from None
    return store(user, session, rendered)


def store(
    user: User, session: EvaluationSession, rendered: Sequence[tuple[str, bytes]]
) -> list[SessionDocument]:
    versions = dict(
        SessionDocument.objects.filter(session=session)
        .values("kind")
        .annotate(top=Max("version"))
        .values_list("kind", "top")
    )
    stored = []
    base = slugify(f"{session.classroom.name}-{session.term}-{session.kind}") or "scrutinio"
    for kind, pdf in rendered:
        version = (versions.get(kind) or 0) + 1
        document = SessionDocument(
            session=session,
            kind=kind,
            version=version,
            session_version=session.version,
            created_by=user,
        )
        document.pdf.save(f"{base}-{kind}-v{version}.pdf", ContentFile(pdf), save=False)
        document.save()
        after = snapshot(
            document, [f.name for f in SessionDocument._meta.concrete_fields if f.name != "pdf"]
        )
        change_record(
            instance=document,
            action=ChangeAction.CREATE,
            actor=user,
            after={**after, "pdf": document.pdf.name},
            institute_id=session.classroom.school.institute_id,
        )
        stored.append(document)
    return stored


def minutes_check(session: EvaluationSession) -> list[str]:
    """The minutes' step: the closing time and number, and the documents generated after the
    last change."""
    return cs.minutes_problems(session)


steps.register_check(Step.MINUTES, minutes_check)
