"""The office's records of a student's school life: leaving, transfer, change of classroom, and
the links to guardians. One service per action: atomic, the student's row locked and the
enrolment re-read inside the transaction, the change kept in the audit history, the kept
headers of whoever's access changed dropped (`access_changed`).

Leavers keep their access until the institute's date (`people.access.access_ends_on`, 31 August
by default): families still read the year's register and report cards. A leaving recorded after
that date ends the access at once. A guardian's link removed from a date ends that guardian's
view of the child from that date (not in the future: the office records what happened).
Each action has a `…_preview` that runs the same checks and says what happens to access,
shown to the office before it confirms.

Enrolments feed the term-end evaluation: an action moving a student in or out of a classroom on
a day closed by a locked evaluation is refused (DayClosed) by the preview already, and by the
write guard on every save of an enrolment (people.guard, under lock).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.lib.italian import ItalianCodeError, check_codice_meccanografico
from campanella.people.access import (
    RevocationReport,
    access_changed,
    access_ends_on,
    disable_login,
    has_other_access,
    revoke_student,
)
from campanella.people.guard import enrollment_span
from campanella.people.models import (
    Enrollment,
    ExitReason,
    Guardian,
    Guardianship,
    Staff,
    Student,
    User,
)
from campanella.school.guard import Span, check_spans_open, membership_changes
from campanella.school.models import Classroom

LEAVING = (ExitReason.WITHDRAWAL, ExitReason.TRANSFER)


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class AccessEffect:
    """What an action does to who sees the student, in sentences for the office."""

    sentences: list[str] = field(default_factory=list)
    ends_on: datetime.date | None = None


# --- reading what is there, with the checks every action shares ---------------------------------


def open_enrollment(student: Student, *, lock: bool = False) -> Enrollment | None:
    """The student's enrolment not yet closed (the latest), with classroom and year."""
    rows = Enrollment.objects.filter(student=student, exit_date__isnull=True)
    if lock:
        rows = rows.select_for_update()
    return (
        rows.select_related("classroom__school", "school_year__institute")
        .order_by("-entry_date")
        .first()
    )


def _closable(student: Student, day: datetime.date, *, lock: bool) -> Enrollment:
    enrollment = open_enrollment(student, lock=lock)
    if enrollment is None:
        raise ValidationError(
            _("%(name)s non ha un'iscrizione aperta: l'uscita è già registrata.")
            % {"name": student.full_name}
        )
    if day < enrollment.entry_date:
        raise ValidationError(
            _("La data non può precedere l'ingresso in classe (%(date)s).")
            % {"date": _date(enrollment.entry_date)}
        )
    if not enrollment.school_year.contains(day):
        raise ValidationError(
            _("La data è fuori dall'anno scolastico %(year)s.")
            % {"year": enrollment.school_year.name}
        )
    return enrollment


def _active_links(student: Student) -> list[Guardianship]:
    return list(
        student.guardianships.filter(access_revoked_on__isnull=True)
        .select_related("guardian__user")
        .order_by("relation", "guardian__surname")
    )


def _names(links: list[Guardianship]) -> str:
    names = [link.guardian.full_name for link in links]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s e %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _leaving_effect(student: Student, enrollment: Enrollment) -> AccessEffect:
    ends = access_ends_on(enrollment)
    links = _active_links(student)
    sentences = []
    if links:
        sentences.append(
            ngettext(
                "Dal %(date)s (data di fine accesso dell'istituto) %(names)s non vedrà più "
                "%(student)s nel registro; fino ad allora vede l'anno trascorso.",
                "Dal %(date)s (data di fine accesso dell'istituto) %(names)s non vedranno più "
                "%(student)s nel registro; fino ad allora vedono l'anno trascorso.",
                len(links),
            )
            % {"date": _date(ends), "names": _names(links), "student": student.full_name}
        )
        for link in links:
            user = link.guardian.user
            if user is not None and user.is_active and not _other_access(user, student):
                sentences.append(
                    _(
                        "%(name)s non ha altri figli nell'istituto: il suo accesso termina il "
                        "%(date)s."
                    )
                    % {"name": link.guardian.full_name, "date": _date(ends)}
                )
    if student.user_id is not None:
        sentences.append(_("L'accesso dell'alunno termina il %(date)s.") % {"date": _date(ends)})
    return AccessEffect(sentences=sentences, ends_on=ends)


def _other_access(user: User, student: Student) -> bool:
    """Whether the login sees anything besides this student (other children, a role)."""
    other_children = Guardianship.objects.filter(
        guardian__user=user, access_revoked_on__isnull=True
    ).exclude(student=student)
    return (
        other_children.exists()
        or Staff.objects.filter(user=user, active=True).exists()
        or Student.objects.filter(user=user).exists()
    )


def _check_transfer(school_name: str, school_code: str) -> str:
    if not school_name.strip():
        raise ValidationError(_("Indicare la scuola di destinazione."))
    code = school_code.strip().upper()
    if code:
        try:
            check_codice_meccanografico(code)
        except ItalianCodeError as error:
            raise ValidationError(str(error)) from None
    return f"{school_name.strip()} ({code})" if code else school_name.strip()


# --- leaving and transfer ----------------------------------------------------------------------


def student_leave_preview(
    *, student: Student, day: datetime.date, school_name: str = "", school_code: str = "",
    reason: str = ExitReason.WITHDRAWAL,
) -> AccessEffect:  # fmt: skip
    if reason == ExitReason.TRANSFER:
        _check_transfer(school_name, school_code)
    enrollment = _closable(student, day, lock=False)
    check_spans_open(_leaving_days(enrollment, day))
    return _leaving_effect(student, enrollment)


def _leaving_days(enrollment: Enrollment, last_day: datetime.date) -> list[Span]:
    """The classroom days an enrolment closed after `last_day` no longer has."""
    return membership_changes(
        enrollment_span(enrollment.classroom_id, enrollment.entry_date, enrollment.exit_date),
        enrollment_span(enrollment.classroom_id, enrollment.entry_date, last_day),
    )


@transaction.atomic
def student_leave(
    *,
    student_id: int,
    institute_id: int,
    day: datetime.date,
    reason: str,
    note: str = "",
    school_name: str = "",
    school_code: str = "",
    actor: User,
    today: datetime.date | None = None,
) -> Enrollment:
    """Withdrawal (ritiro) or transfer to another school from `day` (the last day in class)."""
    if reason not in LEAVING:
        raise ValidationError(_("Motivo dell'uscita non valido."))
    student = Student.objects.select_for_update().get(pk=student_id, institute_id=institute_id)
    destination = _check_transfer(school_name, school_code) if reason == ExitReason.TRANSFER else ""
    enrollment = _closable(student, day, lock=True)
    before = snapshot(enrollment)
    enrollment.exit_date = day
    enrollment.exit_reason = reason
    enrollment.exit_note = note.strip()[:300]
    enrollment.transfer_school = destination[:220]
    enrollment.full_clean()
    enrollment.save()
    why = _("Trasferimento a %(school)s") % {"school": destination} if destination else _("Ritiro")
    change_record(
        instance=enrollment,
        action=ChangeAction.UPDATE,
        actor=actor,
        before=before,
        reason=f"{why}. {enrollment.exit_note}".strip(". ") if enrollment.exit_note else why,
        institute_id=institute_id,
    )
    links = _active_links(student)
    access_changed([student.user_id, *(link.guardian.user_id for link in links)])
    today = today or timezone.localdate()
    if today >= access_ends_on(enrollment):  # recorded late: the access ends now
        revoke_student(student, today, RevocationReport(), actor=actor)
    return enrollment


# --- change of classroom -----------------------------------------------------------------------


def _movable(
    student: Student, classroom: Classroom, day: datetime.date, *, lock: bool
) -> Enrollment:
    current = _closable(student, day, lock=lock)
    if classroom.pk == current.classroom_id:
        raise ValidationError(_("L'alunno è già in questa classe."))
    if classroom.school_year_id != current.school_year_id:
        raise ValidationError(_("La nuova classe è di un altro anno scolastico."))
    if classroom.school.institute_id != student.institute_id:
        raise ValidationError(_("La classe è di un altro istituto."))
    if day <= current.entry_date:
        raise ValidationError(
            _("Il cambio di classe deve seguire l'ingresso nella classe attuale (%(date)s).")
            % {"date": _date(current.entry_date)}
        )
    return current


def student_move_preview(
    *, student: Student, classroom: Classroom, day: datetime.date
) -> AccessEffect:
    current = _movable(student, classroom, day, lock=False)
    check_spans_open(
        [
            *_leaving_days(current, day - datetime.timedelta(days=1)),
            enrollment_span(classroom.pk, day, None),
        ]
    )
    names = _names(_active_links(student))
    sentences = [
        _(
            "%(student)s resta nella classe %(old)s fino al %(last)s e dal %(day)s è nella "
            "classe %(new)s: registro, assenze e voti già registrati restano nella classe %(old)s."
        )
        % {
            "student": student.full_name,
            "old": current.classroom.name,
            "new": classroom.name,
            "last": _date(day - datetime.timedelta(days=1)),
            "day": _date(day),
        }
    ]
    if names:
        sentences.append(
            _("L'accesso non cambia: %(names)s continuano a vedere %(student)s.")
            % {"names": names, "student": student.full_name}
        )
    return AccessEffect(sentences=sentences)


@transaction.atomic
def student_move(
    *,
    student_id: int,
    institute_id: int,
    classroom_id: int,
    day: datetime.date,
    actor: User,
) -> Enrollment:
    """Cambio di classe from `day`: the old enrolment closes the day before, a new one opens."""
    student = Student.objects.select_for_update().get(pk=student_id, institute_id=institute_id)
    classroom = Classroom.objects.select_related("school").get(
        pk=classroom_id, school__institute_id=institute_id
    )
    current = _movable(student, classroom, day, lock=True)
    before = snapshot(current)
    current.exit_date = day - datetime.timedelta(days=1)
    current.exit_reason = ExitReason.CLASS_CHANGE
    current.full_clean()
    current.save()
    reason = _("Cambio di classe: da %(old)s a %(new)s") % {
        "old": current.classroom.name,
        "new": classroom.name,
    }
    change_record(
        instance=current,
        action=ChangeAction.UPDATE,
        actor=actor,
        before=before,
        reason=reason,
        institute_id=institute_id,
    )
    new = Enrollment(
        student=student, school_year_id=current.school_year_id, classroom=classroom, entry_date=day
    )
    new.full_clean()
    new.save()
    change_record(
        instance=new,
        action=ChangeAction.CREATE,
        actor=actor,
        reason=reason,
        institute_id=institute_id,
    )
    links = _active_links(student)
    access_changed([student.user_id, *(link.guardian.user_id for link in links)])
    return new


# --- guardians ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewGuardian:
    surname: str
    name: str
    codice_fiscale: str = ""
    email: str = ""


def _guardian_to_link(
    student: Student, guardian_id: int | None, new: NewGuardian | None
) -> Guardian | None:
    """The existing guardian (of the same institute, not linked yet); None: a new one."""
    if guardian_id is None:
        if new is None:
            raise ValidationError(_("Indicare un genitore già registrato o i dati di uno nuovo."))
        return None
    guardian = Guardian.objects.filter(pk=guardian_id, institute_id=student.institute_id).first()
    if guardian is None:
        raise ValidationError(_("Genitore non trovato in questo istituto."))
    if student.guardianships.filter(guardian=guardian, access_revoked_on__isnull=True).exists():
        raise ValidationError(_("Questo genitore è già collegato a questo alunno."))
    return guardian


def guardianship_add_preview(
    *, student: Student, guardian_id: int | None, new: NewGuardian | None
) -> AccessEffect:
    guardian = _guardian_to_link(student, guardian_id, new)
    if guardian is not None and guardian.user is not None and guardian.user.is_active:
        sentence = _(
            "%(name)s vedrà %(student)s nel registro da subito, con il suo accesso %(username)s."
        ) % {"name": guardian.full_name, "student": student.full_name, "username": guardian.user}
    else:
        who = guardian.full_name if guardian is not None else f"{new.surname} {new.name}"  # type: ignore[union-attr]
        sentence = _(
            "%(name)s vedrà %(student)s quando riceverà le credenziali: il nome utente segue "
            "le regole dell'istituto (G o X e le cifre dell'alunno)."
        ) % {"name": who, "student": student.full_name}
    return AccessEffect(sentences=[sentence])


@transaction.atomic
def guardianship_add(
    *,
    student_id: int,
    institute_id: int,
    relation: str,
    actor: User,
    guardian_id: int | None = None,
    new: NewGuardian | None = None,
    may_justify: bool = True,
    receives_communications: bool = True,
) -> Guardianship:
    """Link a guardian to a student: one already registered, or a new one (whose login is
    issued with the credentials, by the usernames' rules of `people.credentials`)."""
    student = Student.objects.select_for_update().get(pk=student_id, institute_id=institute_id)
    guardian = _guardian_to_link(student, guardian_id, new)
    if guardian is None:
        assert new is not None
        guardian = Guardian(
            institute_id=institute_id,
            surname=new.surname.strip(),
            name=new.name.strip(),
            codice_fiscale=new.codice_fiscale,
            email=new.email.strip(),
        )
        guardian.full_clean()
        guardian.save()
        change_record(
            instance=guardian, action=ChangeAction.CREATE, actor=actor, institute_id=institute_id
        )
    link = student.guardianships.select_for_update().filter(guardian=guardian).first()
    before = snapshot(link) if link is not None else None
    if link is None:
        link = Guardianship(student=student, guardian=guardian)
    link.relation = relation
    link.may_justify = may_justify
    link.receives_communications = receives_communications
    link.access_revoked_on = None  # a link ended before starts again
    link.full_clean()
    link.save()
    change_record(
        instance=link,
        action=ChangeAction.UPDATE if before is not None else ChangeAction.CREATE,
        actor=actor,
        before=before,
        reason=_("Genitore collegato dalla segreteria"),
        institute_id=institute_id,
    )
    access_changed([guardian.user_id])
    return link


def _removable(
    student: Student, link_id: int, day: datetime.date, today: datetime.date, *, lock: bool
) -> Guardianship:
    links = student.guardianships.filter(pk=link_id).select_related("guardian__user")
    if lock:
        # Only the link's row: the guardian's login is an outer join PostgreSQL cannot lock.
        links = links.select_for_update(of=("self",))
    link = links.first()
    if link is None:
        raise Guardianship.DoesNotExist
    if link.access_revoked_on is not None:
        raise ValidationError(
            _("Il legame è già chiuso dal %(date)s.") % {"date": _date(link.access_revoked_on)}
        )
    if day > today:
        raise ValidationError(
            _("La data non può essere futura: registrare il distacco da quel giorno in poi.")
        )
    return link


def guardianship_end_preview(
    *, student: Student, link_id: int, day: datetime.date, today: datetime.date | None = None
) -> AccessEffect:
    link = _removable(student, link_id, day, today or timezone.localdate(), lock=False)
    sentences = [
        _("Dal %(date)s %(name)s non vedrà più %(student)s nel registro.")
        % {"date": _date(day), "name": link.guardian.full_name, "student": student.full_name}
    ]
    user = link.guardian.user
    if user is not None and user.is_active and not _other_access(user, student):
        sentences.append(
            _("%(name)s non ha altro da vedere nell'istituto: il suo accesso viene disattivato.")
            % {"name": link.guardian.full_name}
        )
    sentences.append(_("Il legame resta, chiuso, nello storico dell'alunno."))
    return AccessEffect(sentences=sentences, ends_on=day)


@transaction.atomic
def guardianship_end(
    *,
    student_id: int,
    institute_id: int,
    link_id: int,
    day: datetime.date,
    note: str = "",
    actor: User,
    today: datetime.date | None = None,
) -> Guardianship:
    """The guardian stops seeing the child from `day` (the link is kept, closed, for history)."""
    student = Student.objects.select_for_update().get(pk=student_id, institute_id=institute_id)
    link = _removable(student, link_id, day, today or timezone.localdate(), lock=True)
    before = snapshot(link)
    link.access_revoked_on = day
    link.save(update_fields=["access_revoked_on"])
    change_record(
        instance=link,
        action=ChangeAction.UPDATE,
        actor=actor,
        before=before,
        reason=(
            _("Genitore scollegato dalla segreteria. %(note)s") % {"note": note.strip()}
        ).strip(),
        institute_id=institute_id,
    )
    user = link.guardian.user
    access_changed([user.pk if user else None])
    if user is not None and user.is_active and not has_other_access(user):
        why = f"scollegato da {student.full_name}"
        disable_login(user, why, institute_id=institute_id, actor=actor)
    return link
