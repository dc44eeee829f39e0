"""Pages of meetings under /comunicazioni/colloqui/ (Italian, server-rendered).

Every read asks `rules`; what a login may not see answers 404 like what does not exist.
Views parse, authorize, call one service or selector, render.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.comms.meetings import rules, selectors, services
from campanella.comms.meetings.forms import AvailabilityForm, MeetingDayForm
from campanella.comms.meetings.models import MeetingAvailability, MeetingDay
from campanella.lib.ids import parse_id
from campanella.people.models import Staff, Student, User
from campanella.school.models import Classroom
from campanella.school.selectors import current_school_year

PAGE_SIZE = 30


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """A family's children with the teachers they can meet and their bookings; links for
    teachers (availability, day list) and the office (general days)."""
    user = request.user
    children = [
        {"student": child, "teachers": list(rules.teachers_of_student(child.pk))}
        for child in rules.family_children(user)
    ]
    context = {
        "children": children,
        "bookings": list(selectors.bookings_of_family(user)),
        "teaches": rules.may_publish_availability(user),
        "manages": rules.may_publish_meeting_days(user),
        "now": timezone.now(),
    }
    return render(request, "comms/meetings/index.html", context)


@login_required
def slots(request: HttpRequest, student_id: int, teacher_id: int) -> HttpResponse:
    """The teacher's coming slots, bookable for this child."""
    if not rules.may_book_with(request.user, student_id, teacher_id):
        raise Http404
    page = Paginator(
        selectors.upcoming_slots(teacher_id).select_related("teacher"), PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    context = {
        "page": page,
        "student": Student.objects.get(pk=student_id),
        "teacher": Staff.objects.get(pk=teacher_id),
        "now": timezone.now(),
    }
    return render(request, "comms/meetings/slots.html", context)


@require_POST
@login_required
def book(request: HttpRequest, slot_id: int) -> HttpResponse:
    student_id = parse_id(request.POST.get("alunno", ""))
    if student_id is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    try:
        booking = services.booking_create(user=user, slot_id=slot_id, student_id=student_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        messages.error(request, error.message)
        teacher_id = rules.teachers_of_student(student_id).filter(
            meeting_slots__pk=slot_id
        ).values_list("pk", flat=True).first()  # fmt: skip
        if teacher_id is None:
            return redirect("comms:meeting_index")
        return redirect("comms:meeting_slots", student_id=student_id, teacher_id=teacher_id)
    start = timezone.localtime(booking.slot.starts_at)
    messages.success(
        request,
        _("Colloquio prenotato: %(day)s alle %(time)s.")
        % {"day": start.strftime("%d/%m/%Y"), "time": start.strftime("%H:%M")},
    )
    return redirect("comms:meeting_index")


@require_POST
@login_required
def cancel_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        services.booking_cancel(user=user, booking_id=booking_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        messages.error(request, error.message)
        return redirect("comms:meeting_index")
    messages.success(request, _("Prenotazione annullata."))
    return redirect("comms:meeting_index")


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    """The teacher's weekly availability: the form, and what is already published."""
    teacher = rules.teacher_profile(request.user)
    if teacher is None:
        raise Http404
    form = AvailabilityForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        try:
            _found, created = services.availability_publish(user=user, draft=form.draft())
        except services.MeetingError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Ricevimento pubblicato: %(n)s colloqui.") % {"n": created})
            return redirect("comms:meeting_availability")
    published = MeetingAvailability.objects.filter(teacher=teacher).order_by("-created_at")[:20]
    context = {"form": form, "errors": errors, "published": published}
    return render(request, "comms/meetings/availability.html", context)


def chosen_day(request: HttpRequest) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("giorno", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def teacher_day(request: HttpRequest) -> HttpResponse:
    """The teacher's meetings of a day: who, for which student, when, how; and the day's
    slots, each cancellable."""
    if rules.teacher_profile(request.user) is None:
        raise Http404
    day = chosen_day(request)
    context = {
        "day": day,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1),
        "bookings": list(selectors.teacher_day(request.user, day)),
        "slots": list(selectors.teacher_day_slots(request.user, day)),
        "now": timezone.now(),
    }
    return render(request, "comms/meetings/day.html", context)


@require_POST
@login_required
def cancel_slot(request: HttpRequest, slot_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    slot = rules.own_slot(user, slot_id)
    if slot is None:
        raise Http404
    day = timezone.localtime(slot.starts_at).date().isoformat()
    try:
        affected = services.slot_cancel(user=user, slot_id=slot_id)
    except services.NotAllowed:
        raise Http404 from None
    except services.MeetingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Colloquio annullato; prenotazioni annullate: %(n)s.") % {"n": len(affected)}
        )
    return redirect(f"{reverse('comms:meeting_day')}?giorno={day}")


def ids(request: HttpRequest, name: str) -> list[int]:
    return [i for i in (parse_id(v) for v in request.POST.getlist(name)) if i is not None]


@login_required
def general_days(request: HttpRequest) -> HttpResponse:
    """The office's general meeting days: the form and those published."""
    institute_id = rules.managed_institute_id(request.user)
    if institute_id is None:
        raise Http404
    form = MeetingDayForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        try:
            _day, created = services.meeting_day_publish(
                user=user, draft=form.draft(ids(request, "docente"), ids(request, "classe"))
            )
        except services.NotAllowed:
            raise Http404 from None
        except services.MeetingError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Udienze pubblicate: %(n)s colloqui.") % {"n": created})
            return redirect("comms:meeting_general_days")
    year = current_school_year(institute_id)
    context = {
        "form": form,
        "errors": errors,
        "teachers": Staff.objects.filter(institute_id=institute_id, is_teacher=True, active=True)
        .order_by("surname", "name"),
        "classrooms": Classroom.objects.filter(school__institute_id=institute_id,
                                               school_year=year).order_by("year", "section"),
        "published": MeetingDay.objects.filter(institute_id=institute_id)[:20],
        "chosen": {name: set(request.POST.getlist(name)) for name in ("docente", "classe")},
    }  # fmt: skip
    return render(request, "comms/meetings/general_days.html", context)
