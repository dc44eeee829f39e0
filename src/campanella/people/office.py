"""The office's pages about one student (leaving, transfer, change of classroom, guardians)
and about the school calendar.

Only the office and the principal of the student's institute reach them (`students_managed_by`);
anyone else is told the page does not exist. Each action is a form, then a page stating the
effect on access, then the confirmation that calls the action's one service.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.audit.models import Change
from campanella.people import services
from campanella.people.access import access_ends_on, has_left, last_enrollment
from campanella.people.credentials import IssuePlan, credential_batch_create
from campanella.people.forms import (
    ClosureForm,
    GuardianAddForm,
    GuardianRemoveForm,
    MoveForm,
    ProvinceForm,
    TransferForm,
    WithdrawForm,
)
from campanella.people.models import Enrollment, ExitReason, Guardianship, Student, User
from campanella.people.roles import roles_for_user
from campanella.people.selectors import students_managed_by
from campanella.people.tasks import run_credential_batch
from campanella.school.guard import DayClosed
from campanella.school.models import Classroom, Closure, SchoolYear
from campanella.school.selectors import current_school_year
from campanella.school.services import closure_create, province_holidays_fill


def managed_student(request: HttpRequest, pk: int) -> Student:
    return get_object_or_404(students_managed_by(request.user).select_related("institute"), pk=pk)


def actor_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def student(request: HttpRequest, pk: int) -> HttpResponse:
    """The student's enrolments, guardians, access and the history of their changes."""
    item = managed_student(request, pk)
    enrollments = list(
        item.enrollments.select_related("classroom__school", "school_year").order_by("entry_date")
    )
    links = list(
        item.guardianships.select_related("guardian__user").order_by(
            "-access_revoked_on", "relation"
        )
    )
    kinds = ContentType.objects.get_for_models(Enrollment, Guardianship)
    history = (
        Change.objects.filter(
            Q(content_type=kinds[Enrollment], object_id__in=[e.pk for e in enrollments])
            | Q(content_type=kinds[Guardianship], object_id__in=[g.pk for g in links])
        )
        .select_related("actor__staff_profile")
        .order_by("-at", "-pk")[:50]
    )
    last = last_enrollment(item)
    context = {
        "student": item,
        "enrollments": enrollments,
        "links": links,
        "history": history,
        "open": services.open_enrollment(item),
        "leaving_on": access_ends_on(last) if last is not None and has_left(last) else None,
    }
    return render(request, "people/office/student.html", context)


def action(
    request: HttpRequest,
    item: Student,
    form: forms.Form,
    *,
    heading: str,
    preview: Callable[[dict[str, Any]], services.AccessEffect],
    commit: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Form → the effect on access → confirmation, for every action of these pages."""
    context: dict[str, Any] = {"student": item, "form": form, "heading": heading}
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("confirm") == "1":
                outcome = commit(form.cleaned_data)
                messages.success(request, done)
                if isinstance(outcome, HttpResponse):
                    return outcome
                return redirect("people:office_student", pk=item.pk)
            context["effect"] = preview(form.cleaned_data)
            return render(request, "people/office/confirm.html", context)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "people/office/action.html", context)


@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = managed_student(request, pk)
    form = WithdrawForm(request.POST or None)
    return action(
        request,
        item,
        form,
        heading=_("Ritiro di %(name)s") % {"name": item.full_name},
        preview=lambda data: services.student_leave_preview(
            student=item, day=data["day"], reason=ExitReason.WITHDRAWAL
        ),
        commit=lambda data: services.student_leave(
            student_id=item.pk,
            institute_id=item.institute_id,
            day=data["day"],
            reason=ExitReason.WITHDRAWAL,
            note=data["note"],
            actor=actor_of(request),
        ),
        done=_("Ritiro registrato."),
    )


@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    item = managed_student(request, pk)
    form = TransferForm(request.POST or None)
    return action(
        request,
        item,
        form,
        heading=_("Trasferimento di %(name)s ad altra scuola") % {"name": item.full_name},
        preview=lambda data: services.student_leave_preview(
            student=item,
            day=data["day"],
            reason=ExitReason.TRANSFER,
            school_name=data["school_name"],
            school_code=data["school_code"],
        ),
        commit=lambda data: services.student_leave(
            student_id=item.pk,
            institute_id=item.institute_id,
            day=data["day"],
            reason=ExitReason.TRANSFER,
            note=data["note"],
            school_name=data["school_name"],
            school_code=data["school_code"],
            actor=actor_of(request),
        ),
        done=_("Trasferimento registrato."),
    )


@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    item = managed_student(request, pk)
    current = services.open_enrollment(item)
    classrooms = Classroom.objects.filter(school__institute_id=item.institute_id).select_related(
        "school"
    )
    if current is not None:
        classrooms = classrooms.filter(school_year_id=current.school_year_id).exclude(
            pk=current.classroom_id
        )
    form = MoveForm(request.POST or None, classrooms=classrooms)
    return action(
        request,
        item,
        form,
        heading=_("Cambio di classe di %(name)s") % {"name": item.full_name},
        preview=lambda data: services.student_move_preview(
            student=item, classroom=data["classroom"], day=data["day"]
        ),
        commit=lambda data: services.student_move(
            student_id=item.pk,
            institute_id=item.institute_id,
            classroom_id=data["classroom"].pk,
            day=data["day"],
            actor=actor_of(request),
        ),
        done=_("Cambio di classe registrato."),
    )


@login_required
def guardian_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = managed_student(request, pk)
    form = GuardianAddForm(request.POST or None, institute_id=item.institute_id)

    def new_guardian(data: dict[str, Any]) -> services.NewGuardian | None:
        if form.guardian is not None:
            return None
        return services.NewGuardian(
            surname=data["surname"],
            name=data["name"],
            codice_fiscale=data["codice_fiscale"].strip().upper(),
            email=data["email"],
        )

    def commit(data: dict[str, Any]) -> HttpResponse | None:
        link = services.guardianship_add(
            student_id=item.pk,
            institute_id=item.institute_id,
            relation=data["relation"],
            guardian_id=form.guardian.pk if form.guardian is not None else None,
            new=new_guardian(data),
            may_justify=data["may_justify"],
            receives_communications=data["receives_communications"],
            actor=actor_of(request),
        )
        return issue_letter(request, item, link)

    return action(
        request,
        item,
        form,
        heading=_("Aggiungi un genitore a %(name)s") % {"name": item.full_name},
        preview=lambda data: services.guardianship_add_preview(
            student=item,
            guardian_id=form.guardian.pk if form.guardian is not None else None,
            new=new_guardian(data),
        ),
        commit=commit,
        done=_("Genitore collegato."),
    )


def issue_letter(request: HttpRequest, item: Student, link: Guardianship) -> HttpResponse | None:
    """A guardian without a login gets one at once (G/X usernames), letter ready to print;
    only the office issues credentials."""
    if link.guardian.user_id is not None or not roles_for_user(request.user).is_office:
        return None
    batch = credential_batch_create(
        actor=actor_of(request),
        institute=item.institute,
        plan=IssuePlan(student_ids=[item.pk], guardian_only_ids=[link.guardian_id]),
        description=_("Credenziali di %(name)s") % {"name": link.guardian.full_name},
        login_url=request.build_absolute_uri(reverse("accounts:login")),
    )
    run_credential_batch.enqueue(batch.pk)
    return redirect("accounts:office_batch", pk=batch.pk)


@login_required
def guardian_remove(request: HttpRequest, pk: int, link: int) -> HttpResponse:
    item = managed_student(request, pk)
    found = get_object_or_404(item.guardianships.select_related("guardian"), pk=link)
    form = GuardianRemoveForm(request.POST or None, initial={"day": timezone.localdate()})
    today: datetime.date = timezone.localdate()
    return action(
        request,
        item,
        form,
        heading=_("Scollega %(guardian)s da %(name)s")
        % {"guardian": found.guardian.full_name, "name": item.full_name},
        preview=lambda data: services.guardianship_end_preview(
            student=item, link_id=found.pk, day=data["day"], today=today
        ),
        commit=lambda data: services.guardianship_end(
            student_id=item.pk,
            institute_id=item.institute_id,
            link_id=found.pk,
            day=data["day"],
            note=data["note"],
            actor=actor_of(request),
            today=today,
        ),
        done=_("Genitore scollegato."),
    )


# --- the school calendar -----------------------------------------------------------------------


def managed_institute_id(request: HttpRequest) -> int:
    institute_id = roles_for_user(request.user).manages_institute_id
    if institute_id is None:
        raise Http404
    return institute_id


def calendar_year(institute_id: int) -> SchoolYear:
    year = current_school_year(institute_id)
    if year is None:
        raise Http404
    return year


def render_calendar(
    request: HttpRequest,
    institute_id: int,
    province_form: ProvinceForm | None = None,
    closure_form: ClosureForm | None = None,
) -> HttpResponse:
    year = calendar_year(institute_id)
    closures = (
        Closure.objects.filter(
            institute_id=institute_id,
            start_date__lte=year.end_date,
            end_date__gte=year.start_date,
        )
        .select_related("school")
        .order_by("start_date", "pk")
    )
    context = {
        "year": year,
        "closures": closures,
        "province_form": province_form or ProvinceForm(),
        "closure_form": closure_form or ClosureForm(institute_id=institute_id),
    }
    return render(request, "people/office/calendar.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The year's holidays and closures: national ones pre-filled, the office adds the rest."""
    return render_calendar(request, managed_institute_id(request))


@require_POST
@login_required
def calendar_province(request: HttpRequest) -> HttpResponse:
    institute_id = managed_institute_id(request)
    form = ProvinceForm(request.POST)
    if not form.is_valid():
        return render_calendar(request, institute_id, province_form=form)
    try:
        added = province_holidays_fill(
            year=calendar_year(institute_id), province=form.cleaned_data["province"]
        )
    except DayClosed as closed:
        messages.error(request, closed.message)
        return redirect("people:office_calendar")
    names = ", ".join(c.description for c in added) or _("nessuna festa nuova")
    messages.success(request, _("Calendario aggiornato: %(names)s.") % {"names": names})
    return redirect("people:office_calendar")


@require_POST
@login_required
def calendar_closure(request: HttpRequest) -> HttpResponse:
    institute_id = managed_institute_id(request)
    form = ClosureForm(request.POST, institute_id=institute_id)
    if form.is_valid():
        try:
            closure_create(
                institute=calendar_year(institute_id).institute,
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                description=form.cleaned_data["description"],
                school=form.cleaned_data["school"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Chiusura aggiunta al calendario."))
            return redirect("people:office_calendar")
    return render_calendar(request, institute_id, closure_form=form)
