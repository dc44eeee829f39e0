"""Writes of meetings: publishing availability and general days (slots generated), booking,
cancelling, and the reminder of the day before. Each is one atomic action, authorized
through `rules`, kept in the history (campanella.audit).

No overbooking: a booking locks its slot row (select_for_update) and re-reads the count
inside the transaction; the check constraint `meeting_slot_not_overbooked` holds even so.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.comms.meetings import rules
from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingMode,
    MeetingSlot,
)
from campanella.comms.notifications import emit
from campanella.people.models import Guardian, Staff, User
from campanella.school.models import Classroom, Closure, SchoolYear, Teaching
from campanella.school.selectors import current_school_year

MAX_SLOTS = 5_000  # per publication: a year of weekly 5-minute slots is well under it
SLOT_FIELDS = ["starts_at", "ends_at", "mode", "place", "link", "capacity", "booked_count"]


class MeetingError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """The login may not do this to this object: answered 404, as for a missing one."""


@dataclass(frozen=True)
class Window:
    """How the meetings are held and when they can be booked."""

    slot_minutes: int
    capacity: int = 1
    mode: str = MeetingMode.IN_PERSON
    place: str = ""
    link: str = ""
    opens_days_before: int = 7
    opens_at: datetime.time = datetime.time(20, 0)
    closes_hours_before: int = 24

    def fields(self) -> dict[str, object]:
        return {
            "slot_minutes": self.slot_minutes, "capacity": self.capacity, "mode": self.mode,
            "place": self.place.strip(), "link": self.link.strip(),
            "opens_days_before": self.opens_days_before, "opens_at": self.opens_at,
            "closes_hours_before": self.closes_hours_before,
        }  # fmt: skip


@dataclass(frozen=True)
class AvailabilityDraft:
    weekday: int  # 0 = Monday
    start_time: datetime.time
    end_time: datetime.time
    window: Window
    valid_from: datetime.date | None = None  # today by default
    valid_until: datetime.date | None = None  # the end of lessons by default


@dataclass(frozen=True)
class MeetingDayDraft:
    title: str
    day: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    window: Window
    teacher_ids: Sequence[int] = ()
    classroom_ids: Sequence[int] = ()  # their teachers and coordinators join


# --- windows and slot generation -------------------------------------------------------------


def aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def window_of(day: datetime.date, starts_at: datetime.datetime, window: Window) -> tuple[
    datetime.datetime, datetime.datetime
]:  # fmt: skip
    """When a slot on `day` opens and closes for booking."""
    opens = aware(day - datetime.timedelta(days=window.opens_days_before), window.opens_at)
    closes = starts_at - datetime.timedelta(hours=window.closes_hours_before)
    return opens, closes


def window_refusal(window: Window, start_time: datetime.time) -> MeetingError | None:
    if not 5 <= window.slot_minutes <= 240:
        return MeetingError(
            _("La durata di un colloquio deve essere tra 5 e 240 minuti."), "invalid_duration"
        )
    if not 1 <= window.capacity <= 50:
        return MeetingError(
            _("Le famiglie per colloquio devono essere tra 1 e 50."), "invalid_capacity"
        )
    if window.mode == MeetingMode.ONLINE and not window.link.startswith("https://"):
        return MeetingError(
            _("Per i colloqui online indicare il collegamento (https://...)."), "link_missing"
        )
    if window.mode == MeetingMode.IN_PERSON and not window.place.strip():
        return MeetingError(_("Per i colloqui in presenza indicare il luogo."), "place_missing")
    if window.mode not in MeetingMode.values:
        return MeetingError(_("Modalità non valida."), "invalid_mode")
    sample_day = datetime.date(2026, 1, 15)
    opens, closes = window_of(sample_day, aware(sample_day, start_time), window)
    if window.opens_days_before > 60 or window.closes_hours_before > 24 * 30 or opens >= closes:
        return MeetingError(
            _("La prenotazione deve aprirsi prima di chiudersi: aumentare i giorni di apertura "
              "o ridurre le ore di chiusura."),
            "invalid_window",
        )  # fmt: skip
    return None


def times_of_day(
    start: datetime.time, end: datetime.time, minutes: int
) -> list[tuple[datetime.time, datetime.time]]:
    """The slots [start, end) of `minutes` each that fit the range."""
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), start)
    last = datetime.datetime.combine(datetime.date(2000, 1, 1), end)
    step = datetime.timedelta(minutes=minutes)
    times = []
    while moment + step <= last:
        times.append((moment.time(), (moment + step).time()))
        moment += step
    return times


def teacher_school_ids(teacher: Staff, year: SchoolYear) -> set[int]:
    taught = Teaching.objects.filter(teacher=teacher, classroom__school_year=year)
    return set(taught.values_list("classroom__school_id", flat=True))


def closed_days(
    institute_id: int, school_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> set[datetime.date]:
    """Days closed (holidays, closures) for the whole institute or one of these schools."""
    closures = Closure.objects.filter(
        Q(school__isnull=True) | Q(school_id__in=list(school_ids)),
        institute_id=institute_id,
        start_date__lte=end,
        end_date__gte=start,
    )
    days: set[datetime.date] = set()
    for closure in closures:
        day = max(closure.start_date, start)
        while day <= min(closure.end_date, end):
            days.add(day)
            day += datetime.timedelta(days=1)
    return days


def build_slots(
    teacher: Staff,
    days: Iterable[datetime.date],
    start: datetime.time,
    end: datetime.time,
    window: Window,
    **origin: object,
) -> list[MeetingSlot]:
    """The slots of a teacher on these days, in the future, not already taken by an active
    slot starting at the same moment."""
    now = timezone.now()
    slots = []
    for day in days:
        for begin, finish in times_of_day(start, end, window.slot_minutes):
            starts_at = aware(day, begin)
            if starts_at <= now:
                continue
            opens, closes = window_of(day, starts_at, window)
            slots.append(
                MeetingSlot(
                    teacher=teacher, institute_id=teacher.institute_id, starts_at=starts_at,
                    ends_at=aware(day, finish), mode=window.mode, place=window.place.strip(),
                    link=window.link.strip(), capacity=window.capacity, opens_at=opens,
                    closes_at=closes, **origin,
                )
            )  # fmt: skip
    if not slots:
        return []
    taken = set(
        MeetingSlot.objects.filter(
            teacher=teacher,
            cancelled_at__isnull=True,
            starts_at__gte=slots[0].starts_at,
            starts_at__lte=slots[-1].starts_at,
        ).values_list("starts_at", flat=True)
    )
    return [slot for slot in slots if slot.starts_at not in taken]


def save_slots(slots: list[MeetingSlot]) -> int:
    if len(slots) > MAX_SLOTS:
        raise MeetingError(
            _("Troppi colloqui in una volta (%(count)s, al massimo %(max)s): ridurre il periodo.")
            % {"count": len(slots), "max": MAX_SLOTS},
            "too_many_slots",
        )
    MeetingSlot.objects.bulk_create(slots, batch_size=1_000)
    return len(slots)


# --- publishing ------------------------------------------------------------------------------


def availability_publish(
    *, user: User, draft: AvailabilityDraft
) -> tuple[MeetingAvailability, int]:
    """A teacher's weekly availability and its dated slots over the rest of the lessons,
    skipping the school's closed days: (the availability, slots created)."""
    teacher = rules.teacher_profile(user)
    if teacher is None:
        raise NotAllowed
    year = current_school_year(teacher.institute_id)
    if year is None:
        raise MeetingError(_("Non c'è un anno scolastico in corso."), "no_school_year")
    refusal = window_refusal(draft.window, draft.start_time)
    if refusal is not None:
        raise refusal
    if not 0 <= draft.weekday <= 6:
        raise MeetingError(_("Giorno della settimana non valido."), "invalid_weekday")
    if draft.end_time <= draft.start_time:
        raise MeetingError(_("L'ora di fine deve seguire quella di inizio."), "invalid_times")
    start = max(draft.valid_from or timezone.localdate(), timezone.localdate(), year.start_date)
    end = min(draft.valid_until or year.lessons_end, year.end_date)
    if end < start:
        raise MeetingError(_("Il periodo indicato è già finito."), "invalid_period")
    closed = closed_days(teacher.institute_id, teacher_school_ids(teacher, year), start, end)
    days = [
        start + datetime.timedelta(days=n)
        for n in range((end - start).days + 1)
        if (start + datetime.timedelta(days=n)).weekday() == draft.weekday
    ]
    with transaction.atomic():
        availability = MeetingAvailability.objects.create(
            teacher=teacher, school_year=year, weekday=draft.weekday,
            start_time=draft.start_time, end_time=draft.end_time, valid_from=start,
            valid_until=end, **draft.window.fields(),
        )  # fmt: skip
        slots = build_slots(
            teacher,
            (day for day in days if day not in closed),
            draft.start_time,
            draft.end_time,
            draft.window,
            availability=availability,
        )
        created = save_slots(slots)
        change_record(
            instance=availability,
            action=ChangeAction.CREATE,
            actor=user,
            after={**snapshot(availability), "slots_created": created},
            institute_id=teacher.institute_id,
            reason=_("Ricevimento settimanale"),
        )
    return availability, created


def meeting_day_teachers(institute_id: int, draft: MeetingDayDraft) -> list[Staff] | None:
    """The teachers of a general day (chosen, and those of the chosen classrooms), or None
    when one of them is not of the institute."""
    rooms = Classroom.objects.filter(pk__in=draft.classroom_ids, school__institute_id=institute_id)
    if rooms.count() != len(set(draft.classroom_ids)):
        return None
    chosen = Staff.objects.filter(pk__in=draft.teacher_ids, institute_id=institute_id)
    if chosen.count() != len(set(draft.teacher_ids)):
        return None
    of_rooms = Q(teachings__classroom__in=rooms) | Q(coordinated_classrooms__in=rooms)
    found = Staff.objects.filter(
        Q(pk__in=draft.teacher_ids) | (of_rooms if draft.classroom_ids else Q(pk__in=[])),
        institute_id=institute_id, active=True,
    ).distinct().order_by("surname", "name")  # fmt: skip
    return list(found)


def meeting_day_publish(*, user: User, draft: MeetingDayDraft) -> tuple[MeetingDay, int]:
    """The school's general meeting day: slots for each of its teachers. (The day, slots.)"""
    institute_id = rules.managed_institute_id(user)
    if institute_id is None:
        raise NotAllowed
    teachers = meeting_day_teachers(institute_id, draft)
    if teachers is None:
        raise NotAllowed
    if not draft.title.strip():
        raise MeetingError(_("Indicare il titolo delle udienze."), "title_missing")
    if not teachers:
        raise MeetingError(_("Scegliere i docenti o le classi."), "teachers_missing")
    refusal = window_refusal(draft.window, draft.start_time)
    if refusal is not None:
        raise refusal
    if draft.end_time <= draft.start_time:
        raise MeetingError(_("L'ora di fine deve seguire quella di inizio."), "invalid_times")
    year = current_school_year(institute_id, draft.day)
    if year is None or not year.contains(draft.day) or draft.day < timezone.localdate():
        raise MeetingError(_("Il giorno deve essere futuro e nell'anno scolastico."), "invalid_day")
    if draft.day in closed_days(institute_id, (), draft.day, draft.day):
        raise MeetingError(_("In quel giorno la scuola è chiusa."), "closed_day")
    with transaction.atomic():
        day = MeetingDay.objects.create(
            institute_id=institute_id, school_year=year, title=draft.title.strip(),
            day=draft.day, start_time=draft.start_time, end_time=draft.end_time,
            created_by=user, **draft.window.fields(),
        )  # fmt: skip
        day.teachers.set(teachers)
        day.classrooms.set(list(draft.classroom_ids))
        created = 0
        for teacher in teachers:
            created += save_slots(
                build_slots(
                    teacher, [draft.day], draft.start_time, draft.end_time, draft.window,
                    meeting_day=day,
                )
            )  # fmt: skip
        change_record(
            instance=day,
            action=ChangeAction.CREATE,
            actor=user,
            after={**snapshot(day), "teachers": [t.pk for t in teachers], "slots_created": created},
            institute_id=institute_id,
            reason=_("Udienze generali"),
        )
    return day, created


# --- booking ---------------------------------------------------------------------------------


def moment_text(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return _("%(day)s alle %(time)s") % {
        "day": local.strftime("%d/%m/%Y"),
        "time": local.strftime("%H:%M"),
    }


def window_error(slot: MeetingSlot, now: datetime.datetime) -> MeetingError | None:
    if slot.cancelled_at is not None:
        return MeetingError(_("Il docente ha annullato questo colloquio."), "slot_cancelled")
    if now < slot.opens_at:
        return MeetingError(
            _("Le prenotazioni per questo colloquio si aprono il %(at)s.")
            % {"at": moment_text(slot.opens_at)},
            "window_not_open",
        )
    if now >= slot.closes_at:
        return MeetingError(
            _("Le prenotazioni per questo colloquio si sono chiuse il %(at)s.")
            % {"at": moment_text(slot.closes_at)},
            "window_closed",
        )
    return None


def booking_create(*, user: User, slot_id: int, student_id: int) -> MeetingBooking:
    """Book a place in a slot for a child: refused (MeetingError, nothing written) when the
    slot is full, cancelled, outside its window, or the child already has a meeting with that
    teacher that day; NotAllowed (404) when the child is not the login's or the teacher does
    not teach in the child's classroom."""
    found = MeetingSlot.objects.filter(pk=slot_id).values_list("teacher_id", flat=True).first()
    if found is None or not rules.may_book_with(user, student_id, found):
        raise NotAllowed
    try:
        with transaction.atomic():
            return _book(user, slot_id, student_id)
    except IntegrityError as error:
        # Only a bug in the lock would let the check constraint speak: still no overbooking.
        if "meeting_slot_not_overbooked" in str(error):
            raise MeetingError(
                _("Il colloquio è al completo: scegliere un altro orario."), "slot_full"
            ) from None
        # The same child booked twice at once: the first one stands.
        raise MeetingError(
            _("Per questo alunno c'è già una prenotazione con questo docente in quel giorno."),
            "already_booked",
        ) from None


def _book(user: User, slot_id: int, student_id: int) -> MeetingBooking:
    slot = MeetingSlot.objects.select_for_update().get(pk=slot_id)
    refusal = window_error(slot, timezone.now())
    if refusal is not None:
        raise refusal
    local_day = timezone.localtime(slot.starts_at).date()
    day_start = aware(local_day, datetime.time(0, 0))
    same_day = MeetingBooking.objects.filter(
        student_id=student_id,
        cancelled_at__isnull=True,
        slot__teacher_id=slot.teacher_id,
        slot__starts_at__gte=day_start,
        slot__starts_at__lt=day_start + datetime.timedelta(days=1),
    )
    if same_day.exists():
        raise MeetingError(
            _("Per questo alunno c'è già una prenotazione con questo docente in quel giorno."),
            "already_booked",
        )
    if slot.booked_count >= slot.capacity:
        raise MeetingError(_("Il colloquio è al completo: scegliere un altro orario."), "slot_full")
    booking = MeetingBooking.objects.create(slot=slot, student_id=student_id, booked_by=user)
    MeetingSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
    change_record(
        instance=booking,
        action=ChangeAction.CREATE,
        actor=user,
        after=snapshot(booking),
        institute_id=slot.institute_id,
        reason=_("Prenotazione del colloquio"),
    )
    emit.meeting_booked(booking.pk)
    return booking


def booking_cancel(*, user: User, booking_id: int) -> MeetingBooking:
    """The family cancels a booking while the slot's window is open (then `window_closed`)."""
    found = rules.family_bookings(user).filter(pk=booking_id).values("slot_id").first()
    if found is None:
        raise NotAllowed
    with transaction.atomic():
        slot = MeetingSlot.objects.select_for_update().get(pk=found["slot_id"])
        booking = MeetingBooking.objects.select_for_update().get(pk=booking_id)
        if booking.cancelled_at is not None:
            raise MeetingError(_("La prenotazione è già annullata."), "already_cancelled")
        refusal = window_error(slot, timezone.now())
        if refusal is not None and refusal.code != "window_not_open":
            if refusal.code == "window_closed":
                refusal = MeetingError(
                    _("Non è più possibile annullare: le prenotazioni si sono chiuse il %(at)s. "
                      "Contattare il docente o la scuola.") % {"at": moment_text(slot.closes_at)},
                    "window_closed",
                )  # fmt: skip
            raise refusal
        before = snapshot(booking)
        booking.cancelled_at = timezone.now()
        booking.cancelled_by = user
        booking.save(update_fields=["cancelled_at", "cancelled_by"])
        MeetingSlot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") - 1)
        change_record(
            instance=booking,
            action=ChangeAction.UPDATE,
            actor=user,
            before=before,
            after=snapshot(booking),
            institute_id=slot.institute_id,
            reason=_("Prenotazione annullata dalla famiglia"),
        )
    booking.slot = slot
    return booking


def slot_cancel(*, user: User, slot_id: int) -> list[MeetingBooking]:
    """The teacher cancels one of their slots: its bookings are cancelled with it and
    returned, for the families to be told."""
    if rules.own_slot(user, slot_id) is None:
        raise NotAllowed
    with transaction.atomic():
        slot = MeetingSlot.objects.select_for_update().get(pk=slot_id)
        if slot.cancelled_at is not None:
            raise MeetingError(_("Il colloquio è già annullato."), "slot_cancelled")
        if slot.starts_at <= timezone.now():
            raise MeetingError(_("Il colloquio è già iniziato o passato."), "slot_past")
        before = snapshot(slot, [*SLOT_FIELDS, "cancelled_at"])
        now = timezone.now()
        affected = list(
            MeetingBooking.objects.select_for_update()
            .filter(slot=slot, cancelled_at__isnull=True)
            .select_related("student", "booked_by")
        )
        MeetingBooking.objects.filter(pk__in=[b.pk for b in affected]).update(
            cancelled_at=now, cancelled_by=user
        )
        slot.cancelled_at = now
        slot.cancelled_by = user
        slot.booked_count = 0
        slot.save(update_fields=["cancelled_at", "cancelled_by", "booked_count"])
        change_record(
            instance=slot,
            action=ChangeAction.UPDATE,
            actor=user,
            before=before,
            after={**snapshot(slot, [*SLOT_FIELDS, "cancelled_at"]),
                   "bookings_cancelled": [b.pk for b in affected]},
            institute_id=slot.institute_id,
            reason=_("Colloquio annullato dal docente"),
        )  # fmt: skip
    for booking in affected:
        booking.cancelled_at = now
        booking.slot = slot
    emit.meetings_cancelled_by_teacher([booking.pk for booking in affected])
    return affected


# --- the reminder of the day before ----------------------------------------------------------


def guardian_address(user: User) -> str:
    if user.login_email:
        return user.login_email
    if user.email:
        return user.email
    record = Guardian.objects.filter(user=user).exclude(email="").first()
    return record.email if record else ""


def remind_tomorrows_meetings(today: datetime.date) -> int:
    """E-mail each family booked for tomorrow, once: each booking is marked reminded in the
    transaction that sends it, so a second run (or a second worker) sends nothing again; a
    failed send leaves it to the next run. Returns the e-mails sent."""
    from campanella.people.mail import send_templated_mail

    tomorrow = today + datetime.timedelta(days=1)
    start = aware(tomorrow, datetime.time(0, 0))
    due = MeetingBooking.objects.filter(
        cancelled_at__isnull=True,
        reminded_at__isnull=True,
        slot__cancelled_at__isnull=True,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + datetime.timedelta(days=1),
    ).values_list("pk", flat=True)
    sent = 0
    for booking_id in list(due):
        with transaction.atomic():
            booking = (
                MeetingBooking.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("slot__teacher", "slot__institute", "student", "booked_by")
                .filter(pk=booking_id, reminded_at__isnull=True, cancelled_at__isnull=True)
                .first()
            )
            if booking is None:
                continue
            address = guardian_address(booking.booked_by)
            if address:
                send_templated_mail(
                    to=address,
                    template="comms/meetings/email/reminder",
                    school=booking.slot.institute.name,
                    context={"booking": booking, "slot": booking.slot},
                )
                sent += 1
            booking.reminded_at = timezone.now()
            booking.save(update_fields=["reminded_at"])
    return sent
