"""Writes of interim reports (pagellini, issue 13 item 4): the office creates a round for
chosen classrooms of a school and a period, prefilled from the register; each teacher adjusts
their own subjects' entries; the coordinator writes each student's note; the office publishes
from a date and time; families confirm having seen it (presa visione).

* **Prefill** reads the register exactly as the scrutinio's proposals do
  (`evaluation.proposal_selectors.scopes_build` and `grade_figures`, then
  `evaluation.proposals.proposed`): the period's average rounded as the school says, or the
  giudizio given most often (primary school, religion); nothing without grades.
* **Re-reading** (`interim_reread`) until publication: grades written since and students
  enrolled since reach the entries; an entry its teacher changed keeps the teacher's mark.
* **Entries** take what a proposal takes (`proposals.proposal_parse`): a mark of the school's
  scale, whole or half, or NC; a giudizio in primary school and religion. Blank clears it.
* **Publication** is refused while an entry is missing (the office sees whom to ask) and once
  the round is published (families may have confirmed it): from then on nothing changes.
Every write keeps its history (campanella.audit); refusals are `ReportCardError` (Italian
message, stable code) or `NotAllowed` (answered 404).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import (
    change_record,
    changes_record_created,
    changes_record_updated,
    snapshot,
)
from campanella.evaluation.models import EvaluationSettings
from campanella.evaluation.proposal_selectors import (
    Figures,
    Key,
    Scope,
    grade_figures,
    scopes_build,
)
from campanella.evaluation.proposals import ProposalError, proposal_parse, proposed, settings_of
from campanella.people.models import Student, User
from campanella.people.roles import roles_for_user
from campanella.reportcards import rules
from campanella.reportcards.interim_selectors import missing_entries
from campanella.reportcards.models import (
    ConfirmationReminder,
    InterimConfirmation,
    InterimMark,
    InterimReport,
    InterimRound,
)
from campanella.reportcards.services import (
    NotAllowed,
    ReportCardError,
    family_recipients,
    reminder_mail,
)
from campanella.school.models import Classroom, School, Subject, Term

TITLE_LENGTH = 120
NOTE_LENGTH = 1000
PREFILL_REASON = "pagellino: lettura dal registro"
MARK_REASON = "pagellino: valutazione del docente"
NOTE_REASON = "pagellino: annotazione del coordinatore"
REREAD_REASON = "pagellino: nuova lettura dal registro"


def published_or_refuse(interim: InterimRound) -> None:
    if interim.is_published():
        raise ReportCardError(
            _("«%(t)s» è già pubblicato: valutazioni e annotazioni non si cambiano più.")
            % {"t": interim.title},
            "round_published",
        )


def note_checked(text: str) -> str:
    note = text.strip()
    if len(note) > NOTE_LENGTH:
        raise ReportCardError(
            _("L'annotazione supera i %(n)d caratteri.") % {"n": NOTE_LENGTH}, "note_too_long"
        )
    return note


# --- the round ---------------------------------------------------------------------------------


@transaction.atomic
def interim_round_create(
    *, user: User, school: School, term: Term, title: str, classrooms: Sequence[Classroom]
) -> InterimRound:
    """A round for these classrooms of `school` in `term`, every enrolled student's entries
    prefilled from the register. Office and principal of the institute only."""
    if not rules.manages(user, school.institute_id) or term.school_id != school.pk:
        raise NotAllowed
    title = title.strip()
    if not title:
        raise ReportCardError(_("Scrivere il titolo del pagellino."), "title_missing")
    if len(title) > TITLE_LENGTH:
        raise ReportCardError(
            _("Il titolo supera i %(n)d caratteri.") % {"n": TITLE_LENGTH}, "title_too_long"
        )
    if not classrooms:
        raise ReportCardError(_("Scegliere almeno una classe."), "no_classroom")
    for classroom in classrooms:
        if classroom.school_id != school.pk or classroom.school_year_id != term.school_year_id:
            raise ReportCardError(
                _("La classe %(c)s non è di %(s)s nell'anno del periodo scelto.")
                % {"c": classroom.name, "s": school.name},
                "classroom_outside",
            )
    interim = InterimRound.objects.create(school=school, term=term, title=title, created_by=user)
    interim.classrooms.set(classrooms)
    change_record(
        instance=interim, action=ChangeAction.CREATE, actor=user,
        institute_id=school.institute_id, reason=PREFILL_REASON,
    )  # fmt: skip
    interim_prefill(interim, list(classrooms), user)
    return interim


def interim_prefill(interim: InterimRound, classrooms: list[Classroom], user: User) -> int:
    """Every enrolled student × every subject with a teacher of these classrooms, with the
    register's figures and the proposal the scrutinio would make from them. Returns how many
    entries were written (a fixed number of queries, whatever the size)."""
    term = Term.objects.select_related("school_year").get(pk=interim.term_id)
    institute = interim.school.institute
    with_school = list(
        Classroom.objects.select_related("school").filter(pk__in=[c.pk for c in classrooms])
    )
    scopes = scopes_build({c.pk: term for c in with_school}, with_school)
    figures = grade_figures(scopes, institute.weighted_averages)
    criteria = settings_of(institute.pk)
    reports = InterimReport.objects.bulk_create(
        InterimReport(round=interim, student_id=student_id, classroom=scope.classroom)
        for scope in scopes
        for student_id in scope.students
    )
    by_key = {(r.classroom_id, r.student_id): r for r in reports}
    marks = [
        _prefilled(by_key[(scope.classroom.pk, student_id)], scope, subject_id, figures, criteria)
        for scope in scopes
        for student_id in scope.students
        for subject_id in scope.teachers
    ]
    written = InterimMark.objects.bulk_create(marks)
    changes_record_created(
        instances=written, actor=user, institute_id=institute.pk, reason=PREFILL_REASON
    )
    return len(written)


def _prefilled(
    report: InterimReport,
    scope: Scope,
    subject_id: int,
    figures: Mapping[Key, Figures],
    criteria: EvaluationSettings,
) -> InterimMark:
    """A new entry with the register's figures and the proposal made from them."""
    found = figures.get((scope.classroom.pk, report.student_id, subject_id), Figures())
    mark, judgement = proposed(found, scope.scales[subject_id], criteria)
    return InterimMark(
        report=report, student_id=report.student_id, classroom=scope.classroom,
        subject_id=subject_id, teacher_id=scope.teachers[subject_id],
        scale=scope.scales[subject_id], register_average=found.average,
        grades_count=found.count, mark=mark, judgement=judgement,
    )  # fmt: skip


@dataclass(frozen=True)
class Reread:
    """What a new reading of the register did to a classroom's entries."""

    refreshed: int  # entries whose figures or proposal changed
    kept: int  # entries changed by their teacher: figures refreshed, the mark kept
    added: int  # entries of students or subjects new since the round was made


@transaction.atomic
def interim_reread(
    *, user: User, interim: InterimRound, classroom: Classroom, subject: Subject | None = None
) -> Reread:
    """Read the register again for a round's classroom, as the prefill did: every entry not
    changed by hand takes the new proposal; one the teacher changed keeps its mark (its
    figures are refreshed); students and subjects added since get their entries. A teacher
    for their own subject; the office or principal for one subject or all. Refused once the
    round is published. The entries are locked and read inside the transaction."""
    locked = (
        InterimRound.objects.select_for_update()
        .select_related("school__institute")
        .get(pk=interim.pk)
    )
    if not locked.classrooms.filter(pk=classroom.pk).exists():
        raise NotAllowed
    institute_id = locked.school.institute_id
    if not rules.manages(user, institute_id) and (
        subject is None
        or not rules.marked_subjects(user, classroom.pk).filter(pk=subject.pk).exists()
    ):
        raise NotAllowed
    published_or_refuse(locked)
    term = Term.objects.select_related("school_year").get(pk=locked.term_id)
    room = Classroom.objects.select_related("school").get(pk=classroom.pk)
    (scope,) = scopes_build({room.pk: term}, [room])
    subjects = [subject.pk] if subject is not None else list(scope.teachers)
    subjects = [s for s in subjects if s in scope.teachers]
    figures = grade_figures([scope], locked.school.institute.weighted_averages)
    criteria = settings_of(institute_id)
    current = {
        (m.student_id, m.subject_id): m
        for m in InterimMark.objects.select_for_update().filter(
            report__round=locked, classroom=room, subject_id__in=subjects
        )
    }
    reports = {
        r.student_id: r
        for r in InterimReport.objects.select_for_update().filter(round=locked, classroom=room)
    }
    new_reports = InterimReport.objects.bulk_create(
        InterimReport(round=locked, student_id=student_id, classroom=room)
        for student_id in scope.students
        if student_id not in reports
    )
    reports.update({r.student_id: r for r in new_reports})
    newcomers = {r.student_id for r in new_reports}  # every subject; the others: the ones asked
    added = [
        _prefilled(reports[student_id], scope, subject_id, figures, criteria)
        for student_id in scope.students
        for subject_id in (scope.teachers if student_id in newcomers else subjects)
        if (student_id, subject_id) not in current
    ]
    changed: list[tuple[InterimMark, dict[str, object]]] = []
    kept = 0
    for (student_id, subject_id), row in current.items():
        if student_id not in reports or subject_id not in scope.teachers:
            continue
        fresh = _prefilled(reports[student_id], scope, subject_id, figures, criteria)
        before = snapshot(row)
        row.register_average, row.grades_count = fresh.register_average, fresh.grades_count
        if row.changed_by_hand:
            kept += 1
        else:
            row.mark, row.judgement = fresh.mark, fresh.judgement
        if snapshot(row) != before:
            changed.append((row, before))
    InterimMark.objects.bulk_update(
        [row for row, _before in changed],
        ["register_average", "grades_count", "mark", "judgement"],
    )
    changes_record_updated(
        changed=changed, actor=user, institute_id=institute_id, reason=REREAD_REASON
    )
    changes_record_created(
        instances=[*new_reports, *InterimMark.objects.bulk_create(added)], actor=user,
        institute_id=institute_id, reason=REREAD_REASON,
    )  # fmt: skip
    refreshed = sum(1 for row, _before in changed if not row.changed_by_hand)
    return Reread(refreshed=refreshed, kept=kept, added=len(added))


@transaction.atomic
def interim_publication_set(
    *, user: User, interim: InterimRound, publish_at: datetime.datetime
) -> InterimRound:
    """Families see the round from `publish_at` on. The office or the principal of the
    institute; refused once published, and while any entry is missing (decisions.md)."""
    locked = InterimRound.objects.select_for_update().select_related("school").get(pk=interim.pk)
    if not rules.manages(user, locked.school.institute_id):
        raise NotAllowed
    published_or_refuse(locked)
    missing = missing_entries(locked)
    if missing:
        raise ReportCardError(
            _("Mancano %(n)d valutazioni (in %(c)d discipline): si pubblica quando ogni "
              "docente le ha inserite.")
            % {"n": sum(m.count for m in missing), "c": len(missing)},
            "entries_missing",
        )  # fmt: skip
    before = snapshot(locked)
    if locked.publish_at == publish_at:
        return locked
    locked.publish_at = publish_at
    locked.save(update_fields=["publish_at"])
    change_record(
        instance=locked, action=ChangeAction.UPDATE, actor=user, before=before,
        institute_id=locked.school.institute_id, reason="pagellino: pubblicazione",
    )  # fmt: skip
    return locked


# --- entries and notes ---------------------------------------------------------------------------


class EntriesRefused(ReportCardError):
    """Some entries of a form were refused: nothing was written. `errors`: student id → why."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(" ".join(errors.values()), "entries_invalid")
        self.errors = errors


@transaction.atomic
def interim_marks_change(
    *,
    user: User,
    interim: InterimRound,
    classroom: Classroom,
    subject: Subject,
    entries: Mapping[int, tuple[str, str]],
) -> list[InterimMark]:
    """A teacher's entries for their own subject: student id → (mark or giudizio as typed,
    note). All or nothing. Only the subject's teachers (rules.marked_subjects), before the
    publication; a student not in the round's classroom is refused like a missing one."""
    if not rules.marked_subjects(user, classroom.pk).filter(pk=subject.pk).exists():
        raise NotAllowed
    rows = {
        m.student_id: m
        for m in InterimMark.objects.select_for_update().filter(
            report__round=interim, classroom=classroom, subject=subject,
            student_id__in=list(entries),
        )
    }  # fmt: skip
    if set(entries) - set(rows):
        raise NotAllowed
    published_or_refuse(InterimRound.objects.select_for_update().get(pk=interim.pk))
    lowest = settings_of(interim.school.institute_id).lowest_mark
    errors: dict[int, str] = {}
    changed: list[tuple[InterimMark, dict[str, object]]] = []
    for student_id, (typed, note) in entries.items():
        row = rows[student_id]
        try:
            value, code = (
                (None, "") if not typed.strip() else proposal_parse(typed, row.scale, lowest)
            )
            note = note_checked(note)
        except ProposalError as error:
            errors[student_id] = error.message
            continue
        except ReportCardError as error:
            errors[student_id] = error.message
            continue
        before = snapshot(row)
        row.mark, row.judgement, row.note = value, code, note
        if snapshot(row) != before:
            row.changed_by_hand = True
            changed.append((row, before))
    if errors:
        raise EntriesRefused(errors)
    for row, before in changed:
        row.save(update_fields=["mark", "judgement", "note", "changed_by_hand"])
        change_record(
            instance=row, action=ChangeAction.UPDATE, actor=user, before=before,
            institute_id=interim.school.institute_id, reason=MARK_REASON,
        )  # fmt: skip
    return [row for row, _before in changed]


@transaction.atomic
def interim_notes_change(
    *, user: User, interim: InterimRound, classroom: Classroom, notes: Mapping[int, str]
) -> int:
    """The coordinator's note on each student (student id → text). All or nothing; before the
    publication. Returns how many changed."""
    if not rules.may_write_note(user, classroom):
        raise NotAllowed
    rows = {
        r.student_id: r
        for r in InterimReport.objects.select_for_update().filter(
            round=interim, classroom=classroom, student_id__in=list(notes)
        )
    }
    if set(notes) - set(rows):
        raise NotAllowed
    published_or_refuse(InterimRound.objects.select_for_update().get(pk=interim.pk))
    checked = {student_id: note_checked(text) for student_id, text in notes.items()}
    changed = 0
    for student_id, note in checked.items():
        row = rows[student_id]
        if row.note == note:
            continue
        before = snapshot(row)
        row.note = note
        row.save(update_fields=["note"])
        change_record(
            instance=row, action=ChangeAction.UPDATE, actor=user, before=before,
            institute_id=interim.school.institute_id, reason=NOTE_REASON,
        )  # fmt: skip
        changed += 1
    return changed


# --- presa visione -------------------------------------------------------------------------------


def interim_confirmation_record(
    *, user: User, round_id: int, student_id: int
) -> tuple[InterimConfirmation, bool]:
    """The login confirms having seen the student's interim report: (the confirmation, whether
    it is new); asked again, it changes nothing. Only a guardian of the student or the adult
    student, once published (NotAllowed otherwise: the same 404 as a missing report)."""
    access = rules.interim_access(user, round_id, student_id)
    if access is None or not access.family or not access.may_confirm:
        raise NotAllowed
    report = access.report
    found = InterimConfirmation.objects.filter(report=report, user=user).first()
    if found is not None:
        return found, False
    own = roles_for_user(user).student
    try:
        with transaction.atomic():
            confirmation = InterimConfirmation.objects.create(
                report=report, student_id=student_id, user=user,
                as_student=own is not None and own.pk == student_id,
            )  # fmt: skip
    except IntegrityError:  # the same login confirmed twice at once
        return InterimConfirmation.objects.get(report=report, user=user), False
    return confirmation, True


# --- reminders ----------------------------------------------------------------------------------


def interim_reminder_create(
    *, user: User, interim: InterimRound, classroom: Classroom, login_url: str
) -> ConfirmationReminder:
    """Queue an e-mail to the families of the classroom who have not confirmed the interim
    report (the job is `tasks.send_interim_reminder`): who follows the classroom (office,
    principal, coordinator), once published. Kept with the report cards' reminders."""
    if (
        not rules.follows(user, classroom)
        or not interim.classrooms.filter(pk=classroom.pk).exists()
    ):
        raise NotAllowed
    if not interim.is_published():
        raise ReportCardError(
            _("«%(t)s» non è ancora pubblicato: il promemoria si invia dopo la pubblicazione.")
            % {"t": interim.title},
            "not_published",
        )
    return ConfirmationReminder.objects.create(
        interim=interim, classroom=classroom, sent_by=user, login_url=login_url
    )


def interim_reminder_send(reminder_id: int) -> ConfirmationReminder:
    """Send the reminder's e-mails to the families who have not confirmed yet. Once."""
    reminder = ConfirmationReminder.objects.select_related(
        "interim", "classroom__school__institute"
    ).get(pk=reminder_id)
    if reminder.finished_at is not None or reminder.interim is None or reminder.classroom is None:
        return reminder
    classroom = reminder.classroom
    confirmed = InterimConfirmation.objects.filter(report__round=reminder.interim).values(
        "student_id"
    )
    students = Student.objects.filter(
        pk__in=InterimReport.objects.filter(round=reminder.interim, classroom=classroom).values(
            "student_id"
        )
    ).exclude(pk__in=confirmed)
    return reminder_mail(
        reminder,
        family_recipients(students.order_by("surname", "name", "pk")),
        template="reportcards/email/interim_reminder",
        school=classroom.school.institute.name,
        context={"title": reminder.interim.title, "classroom": classroom.name},
    )


__all__ = [
    "EntriesRefused",
    "interim_confirmation_record",
    "interim_marks_change",
    "interim_notes_change",
    "interim_publication_set",
    "interim_reminder_create",
    "interim_reminder_send",
    "interim_round_create",
]
