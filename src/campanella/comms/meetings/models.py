"""Meetings (colloqui) between teachers and families.

A teacher's weekly availability (`MeetingAvailability`) and the school's general meeting days
(`MeetingDay`) are rules; what families book are the dated slots they generate
(`MeetingSlot`), each with its capacity and booking window copied onto it, so booking reads
one row. `booked_count` counts the slot's active bookings: it is changed only with the slot
row locked, and a check constraint keeps it within the capacity even against a bug.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Staff, Student
from campanella.school.models import Classroom, Institute, SchoolYear


class MeetingMode(models.TextChoices):
    IN_PERSON = "presenza", _("in presenza")
    ONLINE = "online", _("online")


class WindowFields(models.Model):
    """How a meeting is held and when it can be booked (copied onto each generated slot)."""

    slot_minutes = models.PositiveSmallIntegerField(_("durata di ogni colloquio (minuti)"))
    capacity = models.PositiveSmallIntegerField(_("famiglie per colloquio"), default=1)
    mode = models.CharField(
        _("modalità"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.IN_PERSON
    )
    place = models.CharField(_("luogo"), max_length=200, blank=True)
    link = models.URLField(_("collegamento"), max_length=500, blank=True)
    opens_days_before = models.PositiveSmallIntegerField(_("prenotabile da (giorni prima)"))
    opens_at = models.TimeField(_("a partire dalle ore"), default=datetime.time(20, 0))
    closes_hours_before = models.PositiveSmallIntegerField(_("chiusura (ore prima)"), default=24)

    class Meta:
        abstract = True


class MeetingAvailability(WindowFields):
    """Ricevimento settimanale: a weekday and a time range, split into slots."""

    teacher = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="meeting_availabilities"
    )
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("giorno della settimana"))
    start_time = models.TimeField(_("dalle"))
    end_time = models.TimeField(_("alle"))
    valid_from = models.DateField(_("dal"))
    valid_until = models.DateField(_("al"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ricevimento settimanale")
        verbose_name_plural = _("ricevimenti settimanali")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="meeting_availability_times"
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6), name="meeting_availability_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.weekday} {self.start_time:%H:%M}"


class MeetingDay(WindowFields):
    """Udienze generali: a day the school opens to families, with slots for many teachers."""

    institute = models.ForeignKey(Institute, on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("titolo"), max_length=200)
    day = models.DateField(_("giorno"))
    start_time = models.TimeField(_("dalle"))
    end_time = models.TimeField(_("alle"))
    teachers = models.ManyToManyField(Staff, related_name="+", verbose_name=_("docenti"))
    classrooms = models.ManyToManyField(Classroom, related_name="+", verbose_name=_("classi"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("udienza generale")
        verbose_name_plural = _("udienze generali")
        ordering = ["-day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="meeting_day_times"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.day:%d/%m/%Y}"


class MeetingSlot(models.Model):
    """One bookable meeting of a teacher at a moment, for up to `capacity` families."""

    teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="meeting_slots")
    institute = models.ForeignKey(Institute, on_delete=models.PROTECT, related_name="+")
    availability = models.ForeignKey(
        MeetingAvailability, on_delete=models.PROTECT, null=True, blank=True, related_name="slots"
    )
    meeting_day = models.ForeignKey(
        MeetingDay, on_delete=models.PROTECT, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField(_("inizio"))
    ends_at = models.DateTimeField(_("fine"))
    mode = models.CharField(_("modalità"), max_length=10, choices=MeetingMode.choices)
    place = models.CharField(_("luogo"), max_length=200, blank=True)
    link = models.URLField(_("collegamento"), max_length=500, blank=True)
    capacity = models.PositiveSmallIntegerField(_("posti"))
    booked_count = models.PositiveSmallIntegerField(_("prenotati"), default=0)
    opens_at = models.DateTimeField(_("prenotabile dal"))
    closes_at = models.DateTimeField(_("prenotabile fino al"))
    cancelled_at = models.DateTimeField(_("annullato il"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("colloquio")
        verbose_name_plural = _("colloqui")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("capacity")), name="meeting_slot_not_overbooked"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="meeting_slot_capacity"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_slot_times"
            ),
            models.UniqueConstraint(
                fields=["teacher", "starts_at"],
                condition=Q(cancelled_at__isnull=True),
                name="meeting_slot_unique_start",
            ),
        ]
        indexes = [models.Index(fields=["teacher", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.booked_count, 0)

    def window_open(self, now: datetime.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.cancelled_at is None and self.opens_at <= moment < self.closes_at


class MeetingBooking(models.Model):
    """A family's place in a slot, for one child. Cancelled bookings stay, with who and when."""

    slot = models.ForeignKey(MeetingSlot, on_delete=models.PROTECT, related_name="bookings")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_bookings"
    )
    created_at = models.DateTimeField(_("prenotato il"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("annullato il"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("promemoria inviato il"), null=True, blank=True)

    class Meta:
        verbose_name = _("prenotazione di colloquio")
        verbose_name_plural = _("prenotazioni di colloqui")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "student"],
                condition=Q(cancelled_at__isnull=True),
                name="meeting_booking_once_per_child",
            )
        ]
        indexes = [models.Index(fields=["booked_by", "cancelled_at"])]

    def __str__(self) -> str:
        return f"{self.slot_id}: {self.student_id}"
