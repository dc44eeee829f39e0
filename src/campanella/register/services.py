"""Writes of the class register. Each is one atomic change that also records its history.

Bad input raises RegisterError (a ValidationError with an Italian message) and changes nothing.
Authorization is checked here too, so pages, the API and imports share one gate. After it, every
write passes the write guard (`school.guard.ensure_open`) for the classrooms and days it touches:
a day closed by a locked term-end evaluation raises DayClosed and nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.concurrency import lock_unchanged
from campanella.audit.models import ChangeAction
from campanella.audit.services import (
    change_record,
    changes_record_created,
    changes_record_updated,
    snapshot,
)
from campanella.orm.bulk import bulk_insert, bulk_set
from campanella.people.models import Enrollment, Student, User
from campanella.people.news import StudentNews, tell_families
from campanella.people.roles import is_office_of, roles_for_user
from campanella.people.selectors import active_enrollments_on, enrolled_students
from campanella.register.models import (
    Absence,
    AgendaItem,
    AgendaKind,
    Annotation,
    AttendanceWaiver,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    JustificationKind,
    JustificationStatus,
    LateEntry,
    Lesson,
    OffSite,
    Signature,
    SignatureKind,
)
from campanella.register.rules import may_justify, may_substitute_in, staff_of, teaches_in
from campanella.school.guard import check_open, ensure_open
from campanella.school.models import Classroom, HourSlot, Subject, Teaching, TeachingKind
from campanella.school.selectors import is_school_day


class RegisterError(ValidationError):
    pass


class NotAllowed(Exception):
    """The user may not do this here: views answer 404 (forbidden looks like missing)."""


def _institute_id(classroom: Classroom) -> int:
    return classroom.school.institute_id


def _open_day(classroom: Classroom, day: datetime.date) -> None:
    """The write guard for one day of one classroom. It also locks the classroom's row, which
    serializes writes to its register: a double tap or a client retry, or two co-teachers
    signing at once, wait for each other instead of both inserting."""
    ensure_open(classroom_ids=[classroom.pk], start=day)


def _record_created(record: Any, user: User, classroom: Classroom) -> None:
    change_record(
        instance=record,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=_institute_id(classroom),
    )


def _check_school_day(classroom: Classroom, day: datetime.date) -> None:
    year = classroom.school_year
    if not (year.lessons_start <= day <= year.lessons_end):
        raise RegisterError(
            _("Il %(day)s è fuori dal periodo delle lezioni.") % {"day": f"{day:%d/%m/%Y}"}
        )
    if not is_school_day(classroom.school, day):
        raise RegisterError(
            _("Il %(day)s non è un giorno di lezione (festività, chiusura o giorno libero).")
            % {"day": f"{day:%d/%m/%Y}"}
        )


def _check_not_future(day: datetime.date, today: datetime.date) -> None:
    if day > today:
        raise RegisterError(_("Non si può registrare una giornata futura."))


# --- lessons and signatures ------------------------------------------------------------------


def _signature_kind(
    user: Any, classroom: Classroom, subject: Subject
) -> tuple[SignatureKind, Teaching | None]:
    staff = staff_of(user)
    teachings = list(Teaching.objects.filter(teacher=staff, classroom=classroom)) if staff else []
    for teaching in teachings:
        if teaching.subject_id == subject.pk and teaching.kind == TeachingKind.NORMAL:
            return SignatureKind.OWN, teaching
    for teaching in teachings:
        if teaching.subject_id == subject.pk and teaching.kind == TeachingKind.CO_TEACHING:
            return SignatureKind.CO_TEACHING, teaching
    for teaching in teachings:
        if teaching.kind == TeachingKind.SUPPORT:
            return SignatureKind.SUPPORT, teaching
    if may_substitute_in(user, classroom):
        return SignatureKind.SUBSTITUTION, None
    raise NotAllowed


@transaction.atomic
def lesson_sign(
    *,
    user: User,
    classroom: Classroom,
    day: datetime.date,
    slot: HourSlot,
    subject: Subject,
    topic: str = "",
    activities: str = "",
    today: datetime.date | None = None,
) -> Lesson:
    """Sign an hour; the first signature creates the lesson, later ones (co-teaching, support)
    join it. Topic and activities are updated by the signer when given."""
    today = today or timezone.localdate()
    if slot.school_id != classroom.school_id or subject.institute_id != _institute_id(classroom):
        raise NotAllowed
    kind, teaching = _signature_kind(user, classroom, subject)
    _open_day(classroom, day)
    _check_not_future(day, today)
    _check_school_day(classroom, day)
    limit = classroom.school.institute.late_signing_days
    if (today - day).days > limit:
        raise RegisterError(
            _("Si può firmare al massimo %(days)s giorni dopo la lezione.") % {"days": limit}
        )
    lesson = (
        Lesson.objects.select_for_update().filter(classroom=classroom, date=day, slot=slot).first()
    )
    if lesson is None:
        lesson = Lesson.objects.create(
            classroom=classroom,
            date=day,
            slot=slot,
            subject=subject,
            topic=topic,
            activities=activities,
        )
        _record_created(lesson, user, classroom)
        _link_earlier_grades(lesson, user)
    elif topic or activities:
        before = snapshot(lesson)
        lesson.topic = topic or lesson.topic
        lesson.activities = activities or lesson.activities
        lesson.save(update_fields=["topic", "activities"])
        change_record(
            instance=lesson,
            action=ChangeAction.UPDATE,
            actor=user,
            before=before,
            institute_id=_institute_id(classroom),
        )
    staff = staff_of(user)
    assert staff is not None
    if not lesson.signatures.filter(teacher=staff, cancelled_at__isnull=True).exists():
        signature = Signature.objects.create(
            lesson=lesson, teacher=staff, teaching=teaching, kind=kind, late=day < today
        )
        _record_created(signature, user, classroom)
    return lesson


def _link_earlier_grades(lesson: Lesson, user: User) -> None:
    """Grades of that subject given that day before the lesson was signed belong to it too.
    Reached through the relation: the register and grades are sibling apps."""
    grade_model = Lesson._meta.get_field("grades").related_model
    assert isinstance(grade_model, type)
    earlier = grade_model._default_manager.select_for_update().filter(
        classroom=lesson.classroom, subject=lesson.subject, date=lesson.date,
        lesson__isnull=True, cancelled_at__isnull=True,
    )  # fmt: skip
    institute_id = _institute_id(lesson.classroom)
    for grade in earlier:
        before = snapshot(grade)
        setattr(grade, "lesson", lesson)  # noqa: B010 - a Grade, reached without importing it
        grade.save(update_fields=["lesson"])
        change_record(
            instance=grade, action=ChangeAction.UPDATE, actor=user, before=before,
            reason=_("collegato alla lezione firmata"), institute_id=institute_id,
        )  # fmt: skip


# --- roll call -------------------------------------------------------------------------------


@dataclass
class RollCallResult:
    absent: list[int] = field(default_factory=list)
    added: int = 0
    removed: int = 0


def _check_writer(user: Any, classroom: Classroom, *, as_office: bool = False) -> None:
    """A teacher of the classroom (or its coordinator); with `as_office`, the office of its
    institute instead, recording attendance registered elsewhere (the office's import)."""
    allowed = (
        is_office_of(user, _institute_id(classroom)) if as_office else teaches_in(user, classroom)
    )
    if not allowed:
        raise NotAllowed


def _enrolled_ids(classroom: Classroom, day: datetime.date) -> set[int]:
    return set(enrolled_students(classroom, day).values_list("pk", flat=True))


@transaction.atomic
def roll_call_save(
    *,
    user: User,
    classroom: Classroom,
    day: datetime.date,
    absent_ids: Iterable[int],
    today: datetime.date | None = None,
    as_office: bool = False,
    withdraw: bool = True,
) -> RollCallResult:
    """Everyone present by default; `absent_ids` are absent for the day. Saving again corrects:
    new absences are added, withdrawn ones cancelled (with history), the rest untouched.
    `withdraw=False` only adds (an import never withdraws what a teacher recorded);
    `as_office`: the office records it (see `_check_writer`)."""
    _check_writer(user, classroom, as_office=as_office)
    _open_day(classroom, day)
    today = today or timezone.localdate()
    _check_not_future(day, today)
    _check_school_day(classroom, day)
    wanted = set(absent_ids)
    enrolled = _enrolled_ids(classroom, day)
    if wanted - enrolled:
        raise RegisterError(
            _("Alcuni alunni indicati non sono iscritti in questa classe in quel giorno.")
        )
    current = {
        a.student_id: a
        for a in Absence.objects.select_for_update().filter(
            classroom=classroom, date=day, slot__isnull=True, cancelled_at__isnull=True
        )
    }
    late_today = set(
        LateEntry.objects.filter(
            classroom=classroom, date=day, cancelled_at__isnull=True, student_id__in=wanted
        ).values_list("student_id", flat=True)
    )
    if late_today:
        raise RegisterError(
            _(
                "Un alunno con entrata posticipata oggi non può essere segnato assente "
                "per l'intera giornata."
            )
        )
    new = [
        Absence(student_id=student_id, classroom=classroom, date=day, recorded_by=user)
        for student_id in sorted(wanted - set(current))
    ]
    _attach_announced(new, JustificationKind.ABSENCE)
    Absence.objects.bulk_create(new)
    changes_record_created(instances=new, actor=user, institute_id=_institute_id(classroom))
    tell_about_attendance(classroom, new)
    withdrawn = [current[s] for s in set(current) - wanted] if withdraw else []
    for absence in withdrawn:
        _cancel(absence, user, _("correzione dell'appello"), _institute_id(classroom))
    absent = wanted if withdraw else wanted | set(current)
    return RollCallResult(absent=sorted(absent), added=len(new), removed=len(withdrawn))


@transaction.atomic
def hour_absences_save(
    *,
    user: User,
    classroom: Classroom,
    day: datetime.date,
    slot: HourSlot,
    absent_ids: Iterable[int],
    today: datetime.date | None = None,
    as_office: bool = False,
    withdraw: bool = True,
) -> RollCallResult:
    """Absent for a single hour (e.g. at a medical visit during the 3rd hour). `withdraw` and
    `as_office` as for `roll_call_save`."""
    _check_writer(user, classroom, as_office=as_office)
    if slot.school_id != classroom.school_id:
        raise NotAllowed
    _open_day(classroom, day)
    _check_not_future(day, today or timezone.localdate())
    _check_school_day(classroom, day)
    wanted = set(absent_ids)
    if wanted - _enrolled_ids(classroom, day):
        raise RegisterError(_("Alcuni alunni indicati non sono iscritti in questa classe."))
    day_absent = set(
        Absence.objects.filter(
            classroom=classroom, date=day, slot__isnull=True, cancelled_at__isnull=True
        ).values_list("student_id", flat=True)
    )
    if wanted & day_absent:
        raise RegisterError(
            _("Un alunno assente per l'intera giornata non va segnato ora per ora.")
        )
    current = {
        a.student_id: a
        for a in Absence.objects.select_for_update().filter(
            classroom=classroom, date=day, slot=slot, cancelled_at__isnull=True
        )
    }
    new = [
        Absence(student_id=s, classroom=classroom, date=day, slot=slot, recorded_by=user)
        for s in sorted(wanted - set(current))
    ]
    Absence.objects.bulk_create(new)
    changes_record_created(instances=new, actor=user, institute_id=_institute_id(classroom))
    tell_about_attendance(classroom, new)
    withdrawn = [current[s] for s in set(current) - wanted] if withdraw else []
    for absence in withdrawn:
        _cancel(absence, user, _("correzione dell'appello"), _institute_id(classroom))
    absent = wanted if withdraw else wanted | set(current)
    return RollCallResult(absent=sorted(absent), added=len(new), removed=len(withdrawn))


@transaction.atomic
def off_site_record(
    *,
    user: User,
    classroom: Classroom,
    student: Student,
    day: datetime.date,
    reason: str,
    slot: HourSlot | None = None,
) -> OffSite:
    """Fuori classe for a school activity: the student counts as present."""
    _check_writer(user, classroom)
    _student_in(classroom, student, day)
    _open_day(classroom, day)
    _check_school_day(classroom, day)
    if not reason.strip():
        raise RegisterError(_("Indicare l'attività svolta fuori classe."))
    record = OffSite.objects.create(
        student=student, classroom=classroom, date=day, slot=slot, reason=reason.strip(),
        recorded_by=user,
    )  # fmt: skip
    _record_created(record, user, classroom)
    return record


@transaction.atomic
def waiver_grant(
    *,
    user: User,
    student: Student,
    year: Any,
    hours: int,
    reason: str,
    today: datetime.date | None = None,
) -> AttendanceWaiver:
    """Deroga: only the principal of the student's institute grants it.

    A waiver exempts hours from the annual limit the final evaluation checks: it is refused
    once a closed period of the student's classrooms that year reaches past today or the end
    of lessons (the final session's lock), not for an intermediate session closed before."""
    roles = roles_for_user(user)
    if (
        not roles.is_principal
        or roles.staff is None
        or roles.staff.institute_id != student.institute_id
    ):
        raise NotAllowed
    today = today or timezone.localdate()
    ensure_open(
        classroom_ids=student.enrollments.filter(school_year=year).values("classroom_id"),
        start=min(today, year.lessons_end),
        end=year.end_date,
    )
    if hours <= 0 or not reason.strip():
        raise RegisterError(_("Indicare le ore (più di zero) e il motivo della deroga."))
    waiver = AttendanceWaiver.objects.create(
        student=student, school_year=year, hours=hours, reason=reason.strip(), recorded_by=user
    )
    change_record(
        instance=waiver, action=ChangeAction.CREATE, actor=user, institute_id=student.institute_id
    )
    return waiver


def _cancel(record: Any, user: User, reason: str, institute_id: int) -> None:
    """Cancel `record` as the caller read it: locked and compared first, so a cancellation
    that another request made meanwhile is not made twice (AlreadyChanged)."""
    lock_unchanged(record)
    before = snapshot(record)
    record.cancelled_at = timezone.now()
    record.cancelled_by = user
    record.cancel_reason = reason
    record.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    change_record(
        instance=record,
        action=ChangeAction.CANCEL,
        actor=user,
        before=before,
        reason=reason,
        institute_id=institute_id,
    )


def _slots(classroom: Classroom) -> list[HourSlot]:
    return list(HourSlot.objects.filter(school_id=classroom.school_id).order_by("start_time"))


def _slot_at(slots: Sequence[HourSlot], moment: datetime.time) -> HourSlot:
    for slot in slots:
        if moment < slot.end_time:
            return slot
    return slots[-1]


def _check_in_school_hours(slots: Sequence[HourSlot], moment: datetime.time, what: str) -> None:
    if not slots:
        raise RegisterError(_("La scuola non ha ancora l'orario delle lezioni."))
    if moment < slots[0].start_time:
        raise RegisterError(
            _("%(what)s alle %(time)s è prima dell'inizio delle lezioni (%(start)s).")
            % {"what": what, "time": f"{moment:%H:%M}", "start": f"{slots[0].start_time:%H:%M}"}
        )
    if moment >= slots[-1].end_time:
        raise RegisterError(
            _("%(what)s alle %(time)s è dopo la fine delle lezioni (%(end)s).")
            % {"what": what, "time": f"{moment:%H:%M}", "end": f"{slots[-1].end_time:%H:%M}"}
        )


def _student_in(classroom: Classroom, student: Student, day: datetime.date) -> None:
    if student.pk not in _enrolled_ids(classroom, day):
        raise NotAllowed


@transaction.atomic
def late_entry_record(
    *,
    user: User,
    classroom: Classroom,
    student: Student,
    day: datetime.date,
    time: datetime.time,
    today: datetime.date | None = None,
    as_office: bool = False,
) -> LateEntry:
    _check_writer(user, classroom, as_office=as_office)
    _student_in(classroom, student, day)
    _open_day(classroom, day)
    _check_not_future(day, today or timezone.localdate())
    _check_school_day(classroom, day)
    slots = _slots(classroom)
    _check_in_school_hours(slots, time, _("L'entrata"))
    exit_ = EarlyExit.objects.filter(student=student, date=day, cancelled_at__isnull=True).first()
    if exit_ is not None and time >= exit_.time:
        raise RegisterError(
            _("L'entrata non può essere dopo l'uscita delle %(time)s.")
            % {"time": f"{exit_.time:%H:%M}"}
        )
    if LateEntry.objects.filter(student=student, date=day, cancelled_at__isnull=True).exists():
        raise RegisterError(_("L'entrata posticipata di questo alunno è già registrata per oggi."))
    institute_id = _institute_id(classroom)
    # Entering late means present from then on: a day absence from the roll call is corrected.
    for absence in Absence.objects.select_for_update().filter(
        student=student, date=day, slot__isnull=True, cancelled_at__isnull=True
    ):
        _cancel(absence, user, _("entrata posticipata"), institute_id)
    first_start = datetime.datetime.combine(day, slots[0].start_time)
    minutes_late = (datetime.datetime.combine(day, time) - first_start).total_seconds() / 60
    short = minutes_late <= classroom.school.institute.short_late_minutes
    entry = LateEntry(
        student=student, classroom=classroom, date=day, time=time, slot=_slot_at(slots, time),
        short=short, recorded_by=user,
    )  # fmt: skip
    _attach_announced([entry], JustificationKind.LATE)
    entry.save()
    change_record(instance=entry, action=ChangeAction.CREATE, actor=user, institute_id=institute_id)
    tell_about_attendance(classroom, [entry])
    return entry


@transaction.atomic
def early_exit_record(
    *,
    user: User,
    classroom: Classroom,
    student: Student,
    day: datetime.date,
    time: datetime.time,
    picked_up_by: str = "",
    today: datetime.date | None = None,
    as_office: bool = False,
) -> EarlyExit:
    _check_writer(user, classroom, as_office=as_office)
    _student_in(classroom, student, day)
    _open_day(classroom, day)
    _check_not_future(day, today or timezone.localdate())
    _check_school_day(classroom, day)
    slots = _slots(classroom)
    _check_in_school_hours(slots, time, _("L'uscita"))
    entry = LateEntry.objects.filter(student=student, date=day, cancelled_at__isnull=True).first()
    if entry is not None and time <= entry.time:
        raise RegisterError(
            _("L'uscita non può precedere l'entrata delle %(time)s.")
            % {"time": f"{entry.time:%H:%M}"}
        )
    if Absence.objects.filter(
        student=student, date=day, slot__isnull=True, cancelled_at__isnull=True
    ).exists():
        raise RegisterError(
            _("L'alunno risulta assente per l'intera giornata: correggere prima l'appello.")
        )
    if EarlyExit.objects.filter(student=student, date=day, cancelled_at__isnull=True).exists():
        raise RegisterError(_("L'uscita anticipata di questo alunno è già registrata per oggi."))
    record = EarlyExit(
        student=student, classroom=classroom, date=day, time=time, slot=_slot_at(slots, time),
        picked_up_by=picked_up_by.strip(), recorded_by=user,
    )  # fmt: skip
    _attach_announced([record], JustificationKind.EXIT)
    record.save()
    _record_created(record, user, classroom)
    tell_about_attendance(classroom, [record])
    return record


@transaction.atomic
def attendance_cancel(*, user: User, record: Absence | LateEntry | EarlyExit, reason: str) -> None:
    _check_writer(user, record.classroom)
    _open_day(record.classroom, record.date)
    if not reason.strip():
        raise RegisterError(_("Indicare il motivo dell'annullamento."))
    if record.is_cancelled:
        raise RegisterError(_("Questa registrazione è già annullata."))
    _cancel(record, user, reason.strip(), _institute_id(record.classroom))


# --- attendance written in bulk (the office's import) ----------------------------------------


@dataclass(frozen=True)
class JustificationGiven:
    """A justification decided elsewhere (the back-office), recorded by the office."""

    reason: str
    decided_by: User | None = None  # None: the office recording it
    decided_at: datetime.datetime | None = None  # None: when it is recorded


@dataclass(frozen=True)
class AttendanceWrite:
    """One event of a day for `attendance_day_apply`: recorded if `create` (else it is in the
    register already), then justified if `justify` is given and the student still has open
    events of that kind that day."""

    student_id: int
    classroom_id: int
    kind: str  # JustificationKind: ABSENCE (whole day, or one hour with `slot_id`), LATE, EXIT
    slot_id: int | None = None  # the hour of an hour absence
    time: datetime.time | None = None  # of a late entry or an early exit
    create: bool = True
    justify: JustificationGiven | None = None


class AttendanceChanged(RegisterError):
    """What the day's writes assumed about the register is no longer true (a teacher wrote
    meanwhile): nothing of the day is written."""


Event = Absence | LateEntry | EarlyExit


@dataclass
class _DayRegister:
    """The day's records of some students, read locked: (student, kind) -> records."""

    day_absent: dict[int, Absence] = field(default_factory=dict)
    hours: dict[tuple[int, int], Absence] = field(default_factory=dict)
    late: dict[int, LateEntry] = field(default_factory=dict)
    exits: dict[int, EarlyExit] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)  # id() of events given a justification
    born: dict[int, int] = field(default_factory=dict)  # id() of a new event: its write's index

    @classmethod
    def read(cls, student_ids: set[int], day: datetime.date) -> _DayRegister:
        held = cls()
        alive = {"student_id__in": student_ids, "date": day, "cancelled_at__isnull": True}
        for absence in Absence.objects.select_for_update().filter(**alive).order_by("pk"):
            if absence.slot_id is None:
                held.day_absent[absence.student_id] = absence
            else:
                held.hours[(absence.student_id, absence.slot_id)] = absence
        for entry in LateEntry.objects.select_for_update().filter(**alive).order_by("pk"):
            held.late[entry.student_id] = entry
        for exit_ in EarlyExit.objects.select_for_update().filter(**alive).order_by("pk"):
            held.exits[exit_.student_id] = exit_
        return held

    def existing(self, write: AttendanceWrite) -> Event | None:
        if write.kind == JustificationKind.LATE:
            return self.late.get(write.student_id)
        if write.kind == JustificationKind.EXIT:
            return self.exits.get(write.student_id)
        if write.slot_id is None:
            return self.day_absent.get(write.student_id)
        return self.hours.get((write.student_id, write.slot_id))

    def contradicts(self, write: AttendanceWrite) -> bool:
        """A new event the register's own rules refuse beside what it holds."""
        student = write.student_id
        day_absent = student in self.day_absent
        if write.kind == JustificationKind.ABSENCE and write.slot_id is None:
            return (
                student in self.late
                or student in self.exits
                or any(key[0] == student for key in self.hours)
            )
        if day_absent:
            return True
        assert write.kind == JustificationKind.ABSENCE or write.time is not None
        late, exit_ = self.late.get(student), self.exits.get(student)
        if write.kind == JustificationKind.LATE:
            return exit_ is not None and write.time is not None and write.time >= exit_.time
        if write.kind == JustificationKind.EXIT:
            return late is not None and write.time is not None and write.time <= late.time
        return False

    def add(self, record: Event, index: int) -> None:
        self.born[id(record)] = index
        if isinstance(record, LateEntry):
            self.late[record.student_id] = record
        elif isinstance(record, EarlyExit):
            self.exits[record.student_id] = record
        elif record.slot_id is None:
            self.day_absent[record.student_id] = record
        else:
            self.hours[(record.student_id, record.slot_id)] = record

    def open_events(self, student_id: int, kind: str, upto: int) -> list[Event]:
        """The student's events of that kind not yet justified (`open_events` of the day) when
        the write `upto` is made: those of the later writes do not exist yet."""
        records: list[Event]
        if kind == JustificationKind.LATE:
            records = [r for r in [self.late.get(student_id)] if r is not None]
        elif kind == JustificationKind.EXIT:
            records = [r for r in [self.exits.get(student_id)] if r is not None]
        else:
            day_absence = self.day_absent.get(student_id)
            hours = [a for (s, _slot), a in self.hours.items() if s == student_id]
            records = [*([day_absence] if day_absence else []), *hours]
        return [
            r
            for r in records
            if r.justification_id is None
            and id(r) not in self.covered
            and self.born.get(id(r), -1) <= upto
        ]


@transaction.atomic
def attendance_day_apply(
    *,
    user: User,
    day: datetime.date,
    writes: Sequence[AttendanceWrite],
    today: datetime.date | None = None,
) -> dict[str, int]:
    """The office records one day of attendance events taken elsewhere (its import), in bulk:
    the same records, history and news as `roll_call_save`, `hour_absences_save`,
    `late_entry_record`, `early_exit_record`, `justification_submit` and `justification_decide`
    called as the office for each event in order, with a constant number of queries.

    The day's classrooms are locked (the write guard, which teachers' writes of that day wait
    for too) and the students' records of the day read again under lock: an event already
    there, or one the register's rules refuse beside what is there now, raises
    AttendanceChanged and nothing of the day is written. Returns what was written by kind."""
    if not writes:
        return {}
    today = today or timezone.localdate()
    classrooms = {
        c.pk: c
        for c in Classroom.objects.filter(pk__in={w.classroom_id for w in writes}).select_related(
            "school__institute", "school_year"
        )
    }
    institutes = {c.school.institute_id for c in classrooms.values()}
    if len(classrooms) != len({w.classroom_id for w in writes}) or len(institutes) != 1:
        raise NotAllowed
    institute_id = institutes.pop()
    if not is_office_of(user, institute_id):
        raise NotAllowed
    ensure_open(classroom_ids=sorted(classrooms), start=day)
    _check_not_future(day, today)
    # One check per school and year (the calendar is the school's), not per classroom.
    for classroom in {(c.school_id, c.school_year_id): c for c in classrooms.values()}.values():
        _check_school_day(classroom, day)
    student_ids = {w.student_id for w in writes}
    enrolled = set(
        Enrollment.objects.filter(
            active_enrollments_on(day), student_id__in=student_ids
        ).values_list("student_id", "classroom_id")
    )
    if any((w.student_id, w.classroom_id) not in enrolled for w in writes):
        raise NotAllowed
    slots = _school_slots({c.school_id for c in classrooms.values()})
    held = _DayRegister.read(student_ids, day)
    created = _attendance_create(user, day, writes, classrooms, slots, held)
    written = {key: len(records) for key, records in created.items() if records}
    justified = _attendance_justify(user, day, writes, held, institute_id)
    if justified:
        written["justifications_created"] = justified
    return written


def _school_slots(school_ids: set[int]) -> dict[int, list[HourSlot]]:
    slots: dict[int, list[HourSlot]] = {school_id: [] for school_id in school_ids}
    for slot in HourSlot.objects.filter(school_id__in=school_ids).order_by("start_time"):
        slots[slot.school_id].append(slot)
    return slots


def _attendance_create(
    user: User,
    day: datetime.date,
    writes: Sequence[AttendanceWrite],
    classrooms: dict[int, Classroom],
    slots: dict[int, list[HourSlot]],
    held: _DayRegister,
) -> dict[str, list[Event]]:
    """The new records, checked as the single services check them, in one INSERT per kind."""
    changed = _(
        "Il registro del %(day)s è cambiato durante l'importazione (un docente l'ha modificato "
        "nel frattempo): il giorno non è stato importato. Ripetere l'importazione."
    ) % {"day": f"{day:%d/%m/%Y}"}
    new: dict[str, list[Event]] = {
        "absences_created": [],
        "late_entries_created": [],
        "early_exits_created": [],
    }
    for index, write in enumerate(writes):
        if not write.create:
            if held.existing(write) is None:
                raise AttendanceChanged(changed)
            continue
        if held.existing(write) is not None or held.contradicts(write):
            raise AttendanceChanged(changed)
        classroom = classrooms[write.classroom_id]
        record = _new_event(user, day, write, classroom, slots[classroom.school_id])
        held.add(record, index)
        new[_created_key(record)].append(record)
    # Events the family announced are linked to the announcement (hour absences are not, as
    # in `hour_absences_save`).
    _attach_announced(
        [r for r in new["absences_created"] if r.slot_id is None], JustificationKind.ABSENCE
    )
    _attach_announced(new["late_entries_created"], JustificationKind.LATE)
    _attach_announced(new["early_exits_created"], JustificationKind.EXIT)
    institute_id = next(iter(classrooms.values())).school.institute_id
    for records in new.values():
        if not records:
            continue
        bulk_insert(records)  # one model per list
        changes_record_created(instances=records, actor=user, institute_id=institute_id)
    by_classroom: dict[int, list[Event]] = {}
    for records in new.values():
        for record in records:
            by_classroom.setdefault(record.classroom_id, []).append(record)
    for classroom_id, records in by_classroom.items():
        tell_about_attendance(classrooms[classroom_id], records)
    return new


def _created_key(record: Event) -> str:
    if isinstance(record, LateEntry):
        return "late_entries_created"
    if isinstance(record, EarlyExit):
        return "early_exits_created"
    return "absences_created"


def _new_event(
    user: User,
    day: datetime.date,
    write: AttendanceWrite,
    classroom: Classroom,
    slots: list[HourSlot],
) -> Event:
    common: dict[str, Any] = {
        "student_id": write.student_id, "classroom": classroom, "date": day, "recorded_by": user,
    }  # fmt: skip
    if write.kind == JustificationKind.ABSENCE:
        if write.slot_id is not None and write.slot_id not in {s.pk for s in slots}:
            raise NotAllowed
        return Absence(slot_id=write.slot_id, **common)
    if write.time is None or write.kind not in (JustificationKind.LATE, JustificationKind.EXIT):
        raise RegisterError(_("Indicare l'ora di entrata o di uscita."))
    if write.kind == JustificationKind.EXIT:
        _check_in_school_hours(slots, write.time, _("L'uscita"))
        return EarlyExit(time=write.time, slot=_slot_at(slots, write.time), **common)
    _check_in_school_hours(slots, write.time, _("L'entrata"))
    first_start = datetime.datetime.combine(day, slots[0].start_time)
    late_by = (datetime.datetime.combine(day, write.time) - first_start).total_seconds() / 60
    short = late_by <= classroom.school.institute.short_late_minutes
    return LateEntry(time=write.time, slot=_slot_at(slots, write.time), short=short, **common)


def _attendance_justify(
    user: User,
    day: datetime.date,
    writes: Sequence[AttendanceWrite],
    held: _DayRegister,
    institute_id: int,
) -> int:
    """The justifications given, in the order of `writes`: each covers the student's events
    of its kind still open then (as `justification_submit` then `justification_decide`), with
    the same history: created pending, its events linked, then accepted."""
    covered: list[tuple[Justification, list[Event], JustificationGiven]] = []
    for index, write in enumerate(writes):
        if write.justify is None:
            continue
        events = held.open_events(write.student_id, write.kind, index)
        if not events:
            continue
        justification = Justification(
            student_id=write.student_id, kind=write.kind, start_date=day, end_date=day,
            reason=write.justify.reason.strip(), in_advance=False, submitted_by=user,
        )  # fmt: skip
        held.covered.update(id(event) for event in events)  # not open for the next writes
        covered.append((justification, events, write.justify))
    if not covered:
        return 0
    justifications = [justification for justification, _events, _given in covered]
    bulk_insert(justifications)
    changes_record_created(instances=justifications, actor=user, institute_id=institute_id)
    linked: dict[type[Event], list[tuple[Event, dict[str, Any]]]] = {}
    for justification, events, _given in covered:
        for event in events:
            before = snapshot(event)
            event.justification = justification
            linked.setdefault(type(event), []).append((event, before))
    for pairs in linked.values():  # the events of one model
        bulk_set([event for event, _before in pairs], ["justification"])
        changes_record_updated(
            changed=pairs, actor=user, reason=_("giustificazione presentata"),
            institute_id=institute_id,
        )  # fmt: skip
    now = timezone.now()
    befores = []
    for justification, _events, given in covered:
        befores.append(snapshot(justification))
        justification.status = JustificationStatus.ACCEPTED
        justification.decided_by = given.decided_by or user
        justification.decided_at = given.decided_at or now
        justification.decision_note = ""
    bulk_set(justifications, ["status", "decided_by", "decided_at", "decision_note"])
    changes_record_updated(
        changed=zip(justifications, befores, strict=True), actor=user, institute_id=institute_id
    )
    return len(covered)


# --- justifications --------------------------------------------------------------------------

EVENT_MODELS: dict[str, Any] = {
    JustificationKind.ABSENCE: Absence,
    JustificationKind.LATE: LateEntry,
    JustificationKind.EXIT: EarlyExit,
}


def _attach_announced(records: Sequence[Any], kind: str) -> None:
    """Events about to be recorded after the family announced them are linked to that
    announcement before they are written, so that their creation (and its history) already
    shows the link (one query to find the announcements)."""
    if not records:
        return
    days = [record.date for record in records]
    announced = Justification.objects.filter(
        student_id__in={record.student_id for record in records},
        kind=kind,
        start_date__lte=max(days),
        end_date__gte=min(days),
        status__in=[JustificationStatus.PENDING, JustificationStatus.ACCEPTED],
    )
    by_student: dict[int, list[Justification]] = {}
    for justification in announced:
        by_student.setdefault(justification.student_id, []).append(justification)
    for record in records:
        match = next(
            (
                j
                for j in by_student.get(record.student_id, [])
                if j.start_date <= record.date <= j.end_date
            ),
            None,
        )
        if match is not None:
            record.justification = match


def _link_events(
    events: Iterable[Any],
    justification: Justification | None,
    *,
    user: User,
    reason: str,
    institute_id: int,
) -> None:
    """Link events of one kind to a justification (None: unlink them) in one UPDATE, with one
    Change each (the bulk path keeps history too). `events` should be read locked."""
    rows = list(events)
    if not rows:
        return
    # The callers guarded (and locked) the justification's days; the bulk write checks its own
    # rows too.
    check_open(
        classroom_ids={row.classroom_id for row in rows},
        start=min(row.date for row in rows),
        end=max(row.date for row in rows),
    )
    befores = [snapshot(row) for row in rows]
    for row in rows:
        row.justification = justification
    type(rows[0]).objects.filter(pk__in=[row.pk for row in rows]).update(
        justification=justification
    )
    changes_record_updated(
        changed=zip(rows, befores, strict=True), actor=user, reason=reason,
        institute_id=institute_id,
    )  # fmt: skip


def _unlink_events(
    justification: Justification, *, user: User, reason: str, institute_id: int
) -> None:
    """A justification rejected or withdrawn no longer covers its events."""
    for model in EVENT_MODELS.values():
        linked = model.objects.select_for_update().filter(justification=justification)
        _link_events(linked, None, user=user, reason=reason, institute_id=institute_id)


def _open_student_days(
    student: Student, kind: str, start: datetime.date, end: datetime.date
) -> None:
    """The write guard for a justification's days: the classrooms the student was enrolled in
    then, and those of the student's events of that kind then (locked before the events)."""
    enrolled = student.enrollments.filter(entry_date__lte=end).filter(
        Q(exit_date__isnull=True) | Q(exit_date__gte=start)
    )
    events = EVENT_MODELS[kind].objects.filter(student=student, date__gte=start, date__lte=end)
    classrooms = Classroom.objects.filter(
        Q(pk__in=enrolled.values("classroom_id")) | Q(pk__in=events.values("classroom_id"))
    )
    ensure_open(classroom_ids=classrooms.values("pk"), start=start, end=end)


def open_events(student: Student, kind: str, start: datetime.date, end: datetime.date) -> Any:
    model = EVENT_MODELS[kind]
    return model.objects.filter(
        student=student,
        date__gte=start,
        date__lte=end,
        cancelled_at__isnull=True,
        justification__isnull=True,
    )


@transaction.atomic
def justification_submit(
    *,
    user: User,
    student: Student,
    kind: str,
    start: datetime.date,
    end: datetime.date | None = None,
    reason: str,
    time: datetime.time | None = None,
    today: datetime.date | None = None,
    as_office: bool = False,
) -> Justification:
    """The family's justification (or an adult student's own). `as_office`: the office enters
    one the family gave elsewhere (on paper, to the back-office), as the office's import does."""
    allowed = is_office_of(user, student.institute_id) if as_office else may_justify(user, student)
    if not allowed:
        raise NotAllowed
    today = today or timezone.localdate()
    end = end or start
    if end < start:
        raise RegisterError(_("La data finale precede quella iniziale."))
    if kind not in EVENT_MODELS:
        raise RegisterError(_("Tipo di giustificazione non valido."))
    if not reason.strip():
        raise RegisterError(_("Indicare il motivo."))
    _open_student_days(student, kind, start, end)
    in_advance = start > today
    events = list(open_events(student, kind, start, end).select_for_update())
    if not in_advance and not events:
        raise RegisterError(_("Non ci sono eventi da giustificare in queste date."))
    justification = Justification.objects.create(
        student=student, kind=kind, start_date=start, end_date=end, time=time,
        reason=reason.strip(), in_advance=in_advance, submitted_by=user,
    )  # fmt: skip
    change_record(
        instance=justification,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=student.institute_id,
    )
    _link_events(
        events, justification, user=user,
        reason=_("giustificazione presentata"), institute_id=student.institute_id,
    )  # fmt: skip
    return justification


def _open_justification_days(justification: Justification) -> None:
    _open_student_days(
        justification.student,
        justification.kind,
        justification.start_date,
        justification.end_date,
    )


def _pending(justification: Justification) -> None:
    if justification.status != JustificationStatus.PENDING:
        raise RegisterError(
            _("La giustificazione è già stata valutata o ritirata: non si può modificare.")
        )


@transaction.atomic
def justification_edit(*, user: User, justification: Justification, reason: str) -> Justification:
    if not may_justify(user, justification.student):
        raise NotAllowed
    _open_justification_days(justification)
    lock_unchanged(justification)
    _pending(justification)
    before = snapshot(justification)
    justification.reason = reason.strip()
    justification.save(update_fields=["reason"])
    change_record(
        instance=justification,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        institute_id=justification.student.institute_id,
    )
    return justification


@transaction.atomic
def justification_withdraw(*, user: User, justification: Justification) -> None:
    if not may_justify(user, justification.student):
        raise NotAllowed
    _open_justification_days(justification)
    lock_unchanged(justification)
    _pending(justification)
    institute_id = justification.student.institute_id
    before = snapshot(justification)
    justification.status = JustificationStatus.WITHDRAWN
    justification.save(update_fields=["status"])
    _unlink_events(
        justification, user=user, reason=_("giustificazione ritirata"), institute_id=institute_id
    )
    change_record(
        instance=justification,
        action=ChangeAction.CANCEL,
        actor=user,
        before=before,
        institute_id=institute_id,
    )


@transaction.atomic
def justification_decide(
    *,
    user: User,
    justification: Justification,
    accept: bool,
    note: str = "",
    day: datetime.date | None = None,
    as_office: bool = False,
    decided_by: User | None = None,
    decided_at: datetime.datetime | None = None,
) -> Justification:
    """A teacher of the student's classroom accepts or rejects. `as_office`: the office records
    a decision taken elsewhere (the office's import), saying who took it and when
    (`decided_by`, `decided_at`; by default the office, now); the history names the office."""
    classroom = _classroom_of(justification.student, day or justification.start_date)
    if classroom is None:
        raise NotAllowed
    if as_office:
        if not is_office_of(user, _institute_id(classroom)):
            raise NotAllowed
    elif decided_by is not None or decided_at is not None or not teaches_in(user, classroom):
        raise NotAllowed
    if decided_at is not None and decided_at > timezone.now():
        raise RegisterError(_("La data della giustificazione è nel futuro."))
    _open_justification_days(justification)
    lock_unchanged(justification)
    _pending(justification)
    if not accept and not note.strip():
        raise RegisterError(_("Per respingere una giustificazione indicare il motivo."))
    before = snapshot(justification)
    justification.status = JustificationStatus.ACCEPTED if accept else JustificationStatus.REJECTED
    justification.decided_by = decided_by or user
    justification.decided_at = decided_at or timezone.now()
    justification.decision_note = note.strip()
    justification.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if not accept:
        _unlink_events(
            justification, user=user, reason=_("giustificazione respinta"),
            institute_id=classroom.school.institute_id,
        )  # fmt: skip
    change_record(
        instance=justification,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        institute_id=classroom.school.institute_id,
    )
    if not as_office:  # the office's import records decisions families already know of
        _tell_decision(justification, school_id=classroom.school_id)
    return justification


def _tell_decision(justification: Justification, *, school_id: int) -> None:
    """The family (and the student) learn that the teacher accepted or rejected their
    justification, and why it was rejected."""
    start, end = justification.start_date, justification.end_date
    if start == end:
        days = _("del %(day)s") % {"day": f"{start:%d/%m/%Y}"}
    else:
        dates = {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
        days = _("dal %(start)s al %(end)s") % dates
    accepted = justification.status == JustificationStatus.ACCEPTED
    title = (
        _("Giustificazione %(days)s accettata")
        if accepted
        else _("Giustificazione %(days)s respinta")
    )
    tell_families(
        [StudentNews(
            student_ids=(justification.student_id,), kind="absence",
            title=title % {"days": days},
            body="" if accepted else justification.decision_note[:300],
            url=student_page(justification.student_id),
            # a justification edited after a decision is decided again: one news per decision
            key=f"justification:{justification.pk}:decided:{justification.decided_at:%Y%m%d%H%M%S%f}",
        )],
        school_id=school_id,
    )  # fmt: skip


def _classroom_of(student: Student, day: datetime.date) -> Classroom | None:
    enrollment = (
        student.enrollments.filter(active_enrollments_on(day))
        .select_related("classroom__school")
        .first()
    )
    if enrollment is None:
        enrollment = (
            student.enrollments.select_related("classroom__school").order_by("-entry_date").first()
        )
    return enrollment.classroom if enrollment else None


# --- notes, annotations, agenda --------------------------------------------------------------


@transaction.atomic
def note_create(
    *,
    user: User,
    classroom: Classroom,
    day: datetime.date,
    text: str,
    students: Sequence[Student] = (),
) -> DisciplinaryNote:
    _check_writer(user, classroom)
    _open_day(classroom, day)
    if not text.strip():
        raise RegisterError(_("Scrivere il testo della nota."))
    enrolled = _enrolled_ids(classroom, day)
    if any(s.pk not in enrolled for s in students):
        raise RegisterError(_("Alcuni alunni indicati non sono iscritti in questa classe."))
    note = DisciplinaryNote.objects.create(
        classroom=classroom, date=day, text=text.strip(), recorded_by=user
    )
    note.students.set(students)
    after = {**snapshot(note), "students": sorted(s.pk for s in students)}
    change_record(
        instance=note,
        action=ChangeAction.CREATE,
        actor=user,
        after=after,
        institute_id=_institute_id(classroom),
    )
    told = [s.pk for s in students] or sorted(enrolled)
    tell_families(
        [StudentNews(
            student_ids=tuple(told), kind="note",
            title=_("Nota disciplinare del %(day)s") % {"day": f"{day:%d/%m/%Y}"},
            body=_("Classe %(classroom)s") % {"classroom": classroom.name},
            url=student_page(told[0]) if len(told) == 1 else "/", key=f"note:{note.pk}",
        )],
        school_id=classroom.school_id,
    )  # fmt: skip
    return note


@transaction.atomic
def note_cancel(*, user: User, note: DisciplinaryNote | Annotation, reason: str) -> None:
    if note.recorded_by_id != user.pk and not teaches_in(user, note.classroom):
        raise NotAllowed
    _open_day(note.classroom, note.date)
    if not reason.strip():
        raise RegisterError(_("Indicare il motivo dell'annullamento."))
    if note.is_cancelled:
        raise RegisterError(_("La nota è già annullata."))
    _cancel(note, user, reason.strip(), _institute_id(note.classroom))


@transaction.atomic
def note_measure(*, user: User, note: DisciplinaryNote, measure: str) -> DisciplinaryNote:
    roles = roles_for_user(user)
    if (
        not roles.is_principal
        or roles.staff is None
        or roles.staff.institute_id != _institute_id(note.classroom)
    ):
        raise NotAllowed
    _open_day(note.classroom, note.date)
    if not measure.strip():
        raise RegisterError(_("Scrivere il provvedimento."))
    lock_unchanged(note)
    before = snapshot(note)
    note.measure = measure.strip()
    note.measure_by = user
    note.save(update_fields=["measure", "measure_by"])
    change_record(
        instance=note,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        institute_id=_institute_id(note.classroom),
    )
    return note


@transaction.atomic
def annotation_create(
    *,
    user: User,
    classroom: Classroom,
    day: datetime.date,
    text: str,
    student: Student | None = None,
    visible_to_family: bool = False,
) -> Annotation:
    _check_writer(user, classroom)
    _open_day(classroom, day)
    if student is not None and student.pk not in _enrolled_ids(classroom, day):
        raise RegisterError(_("L'alunno non è iscritto in questa classe."))
    annotation = Annotation.objects.create(
        classroom=classroom,
        student=student,
        date=day,
        text=text.strip(),
        visible_to_family=visible_to_family,
        recorded_by=user,
    )
    _record_created(annotation, user, classroom)
    return annotation


@dataclass
class AgendaResult:
    item: AgendaItem
    warnings: list[str]


@transaction.atomic
def agenda_add(
    *, user: User, classroom: Classroom, subject: Subject, kind: str, day: datetime.date, text: str
) -> AgendaResult:
    _check_writer(user, classroom)
    if kind not in AgendaKind.values:
        raise RegisterError(_("Tipo non valido."))
    if not text.strip():
        raise RegisterError(_("Scrivere la descrizione."))
    _check_school_day(classroom, day)
    warnings: list[str] = []
    if kind == AgendaKind.TEST:
        others = AgendaItem.objects.filter(
            classroom=classroom, date=day, kind=AgendaKind.TEST, cancelled_at__isnull=True
        )
        if others.exists():
            if classroom.school.institute.one_test_per_day:
                raise RegisterError(
                    _("La classe ha già una verifica il %(day)s.") % {"day": f"{day:%d/%m/%Y}"}
                )
            warnings.append(
                _("Attenzione: la classe ha già una verifica il %(day)s (%(subject)s).")
                % {"day": f"{day:%d/%m/%Y}", "subject": others.first().subject.name}  # type: ignore[union-attr]
            )
    item = AgendaItem.objects.create(
        classroom=classroom,
        subject=subject,
        kind=kind,
        date=day,
        text=text.strip(),
        recorded_by=user,
    )
    change_record(
        instance=item, action=ChangeAction.CREATE, actor=user, institute_id=_institute_id(classroom)
    )
    tell_families(
        [StudentNews(
            student_ids=tuple(sorted(_enrolled_ids(classroom, timezone.localdate()))),
            kind="agenda",
            title=(_("Verifica di %(subject)s il %(day)s") if kind == AgendaKind.TEST
                   else _("Compiti di %(subject)s per il %(day)s"))
            % {"subject": subject.name, "day": f"{day:%d/%m/%Y}"},
            body=item.text[:300], url="/", key=f"agenda:{item.pk}",
        )],
        school_id=classroom.school_id,
    )  # fmt: skip
    return AgendaResult(item=item, warnings=warnings)


# --- news for families (comms.notifications, through people.news) ---------------------------


ATTENDANCE_NEWS_DAYS = datetime.timedelta(days=7)


def student_page(student_id: int) -> str:
    from django.urls import reverse

    return reverse("register:student", args=[student_id])


def tell_about_attendance(
    classroom: Classroom, records: Sequence[Absence | LateEntry | EarlyExit]
) -> None:
    """Each new absence, late entry or early exit, to the student's family (after commit);
    not those of past weeks (an import of the year's register tells nobody)."""
    news = []
    oldest = timezone.localdate() - ATTENDANCE_NEWS_DAYS
    for record in records:
        if record.pk is None or record.date < oldest:  # unsaved, or weeks ago
            continue
        if isinstance(record, LateEntry):
            what = _("Entrata posticipata alle %(time)s") % {"time": f"{record.time:%H:%M}"}
        elif isinstance(record, EarlyExit):
            what = _("Uscita anticipata alle %(time)s") % {"time": f"{record.time:%H:%M}"}
        elif record.slot_id is not None:
            what = _("Assenza in un'ora di lezione")
        else:
            what = _("Assenza")
        news.append(StudentNews(
            student_ids=(record.student_id,), kind="absence",
            title=_("%(what)s il %(day)s") % {"what": what, "day": f"{record.date:%d/%m/%Y}"},
            url=student_page(record.student_id),
            key=f"{type(record).__name__.lower()}:{record.pk}",
        ))  # fmt: skip
    tell_families(news, school_id=classroom.school_id)
