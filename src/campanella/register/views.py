"""Pages of the class register: the teacher's day, the coordinator's view, the family's view.

Thin views: scope with a selector (404 when outside), call one service, render. Services raise
NotAllowed (→ 404), RegisterError and DayClosed (a day closed by a locked evaluation) (→ the
message on the page, nothing changed).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from campanella.audit.concurrency import AlreadyChanged
from campanella.lib.ids import parse_id
from campanella.people.models import User
from campanella.people.redirects import posted_back
from campanella.people.roles import roles_for_user
from campanella.people.selectors import (
    Scoped,
    classrooms_for_user,
    current_enrollment,
    enrolled_students,
    own_students,
    students_for_user,
    teacher_timetable_on,
)
from campanella.register import forms, selectors, services
from campanella.register.models import (
    Absence,
    Annotation,
    DisciplinaryNote,
    EarlyExit,
    Justification,
    LateEntry,
)
from campanella.register.rendering import event_items, lesson_items
from campanella.register.rules import may_justify, teaches_in
from campanella.school.guard import DayClosed
from campanella.school.models import Classroom, HourSlot, Subject

ATTENDANCE_MODELS: dict[str, Any] = {"assenza": Absence, "ritardo": LateEntry, "uscita": EarlyExit}


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def writes(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn service refusals into 404 (forbidden looks like missing) or a message: a rule of
    the register, a day closed by a locked evaluation, or a record someone else changed
    meanwhile (nothing was written)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except services.NotAllowed:
            raise Http404 from None
        except services.RegisterError as error:
            for message in error.messages:
                messages.error(request, message)
        except (AlreadyChanged, DayClosed) as error:
            messages.error(request, error.message)
        return redirect(posted_back(request, reverse("register:today")))

    return wrapper


def acting(request: HttpRequest) -> User:
    """The logged-in user (views are behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def visible_classroom(request: HttpRequest, pk: int) -> Classroom:
    scoped = classrooms_for_user(request.user).select_related("school__institute", "school_year")
    return get_object_or_404(scoped, pk=pk)


def day_url(classroom: Classroom, day: datetime.date) -> str:
    return reverse("register:class_day", args=[classroom.pk, day.isoformat()])


@login_required
def today(request: HttpRequest) -> HttpResponse:
    roles = roles_for_user(request.user)
    if roles.staff is None:
        raise Http404
    day = timezone.localdate()
    hours = list(teacher_timetable_on(roles.staff, day)) if roles.is_teacher else []
    classrooms = (
        classrooms_for_user(request.user)
        .filter(school_year__start_date__lte=day)
        .filter(school_year__end_date__gte=day)
        .select_related("school")
        .order_by("school__name", "year", "section")
    )
    return render(
        request, "register/today.html", {"hours": hours, "classrooms": classrooms, "day": day}
    )


def slot_choices(page: selectors.ClassDay) -> list[tuple[int, str]]:
    return [(row.slot.pk, f"{row.slot.number}ª ora") for row in page.hours]


def choices(students: list[selectors.StudentDay]) -> list[tuple[int, str]]:
    return [(row.student.pk, row.student.full_name) for row in students]


CHOICES = ("student", "slot")  # lists that start empty, with their own Italian messages


def refusal(form: forms.StudentChoiceForm, fallback: str) -> services.RegisterError:
    """The form's own message for a list left on its empty choice, the fallback for the rest."""
    chosen = [str(error) for name in CHOICES for error in form.errors.get(name, [])]
    others = [name for name in form.errors if name not in CHOICES]
    return services.RegisterError(chosen + ([fallback] if others else []))


@login_required
def class_day(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    students = choices(page.students)
    subjects = [
        (s.subject.pk, s.subject.name) for s in classroom.subjects.select_related("subject")
    ]
    roles = roles_for_user(request.user)
    context = {
        "page": page,
        "hours": selectors.teacher_hours(
            page, roles.staff if roles.is_teacher else None, timezone.localtime()
        ),
        "can_write": teaches_in(request.user, classroom),
        # Several forms on one page: distinct ids keep every label tied to its own field.
        "late_form": forms.LateForm(students=students, auto_id="late_%s"),
        "exit_form": forms.ExitForm(students=students, auto_id="exit_%s"),
        "note_form": forms.NoteForm(students=students, auto_id="note_%s"),
        "agenda_form": forms.AgendaForm(
            subjects=subjects, initial={"date": date}, auto_id="agenda_%s"
        ),
        "hour_form": forms.HourAbsenceForm(
            students=students, slots=slot_choices(page), auto_id="hour_%s"
        ),
        "off_site_form": forms.OffSiteForm(students=students, auto_id="off_%s"),
        "annotation_form": forms.AnnotationForm(auto_id="annotation_%s"),
        "previous": date - datetime.timedelta(days=1),
        "next": date + datetime.timedelta(days=1),
        "back": day_url(classroom, date),
    }
    return render(request, "register/class_day.html", context)


@require_POST
@login_required
@writes
def sign(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        raise Http404
    slot = get_object_or_404(HourSlot, pk=form.cleaned_data["slot"], school=classroom.school)
    subject_id = form.cleaned_data["subject"] or planned_subject_id(classroom, date, slot)
    subject = get_object_or_404(Subject, pk=subject_id, institute_id=classroom.school.institute_id)
    services.lesson_sign(
        user=acting(request), classroom=classroom, day=date, slot=slot, subject=subject,
        topic=form.cleaned_data["topic"], activities=form.cleaned_data["activities"],
    )  # fmt: skip
    messages.success(request, _("Ora firmata."))
    return redirect(day_url(classroom, date))


def planned_subject_id(classroom: Classroom, date: datetime.date, slot: HourSlot) -> int:
    entry = classroom.timetable.filter(weekday=date.weekday(), slot=slot).first()
    if entry is None:
        raise services.RegisterError(
            _("In quest'ora la classe non ha lezione: indicare la materia.")
        )
    return entry.subject_id


@require_POST
@login_required
@writes
def roll_call(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    absent = [i for i in map(parse_id, request.POST.getlist("absent")) if i is not None]
    result = services.roll_call_save(
        user=acting(request), classroom=classroom, day=date, absent_ids=absent
    )
    messages.success(request, roll_call_saved_message(len(result.absent)))
    return redirect(day_url(classroom, date))


def roll_call_saved_message(absent: int) -> str:
    if absent == 0:
        return _("Appello salvato: tutti presenti.")
    return ngettext(
        "Appello salvato: %(count)d assente.", "Appello salvato: %(count)d assenti.", absent
    ) % {"count": absent}


def _student_of(classroom: Classroom, student_id: int, date: datetime.date) -> Any:
    student = enrolled_students(classroom, date).filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


@require_POST
@login_required
@writes
def late(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    form = forms.LateForm(request.POST, students=choices(page.students))
    if not form.is_valid():
        raise refusal(form, _("Indicare l'ora di entrata."))
    student = _student_of(classroom, form.cleaned_data["student"], date)
    services.late_entry_record(
        user=acting(request),
        classroom=classroom,
        student=student,
        day=date,
        time=form.cleaned_data["time"],
    )
    messages.success(request, _("Entrata posticipata registrata."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def early_exit(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    form = forms.ExitForm(request.POST, students=choices(page.students))
    if not form.is_valid():
        raise refusal(form, _("Indicare l'ora di uscita."))
    student = _student_of(classroom, form.cleaned_data["student"], date)
    services.early_exit_record(
        user=acting(request), classroom=classroom, student=student, day=date,
        time=form.cleaned_data["time"], picked_up_by=form.cleaned_data["picked_up_by"],
    )  # fmt: skip
    messages.success(request, _("Uscita anticipata registrata."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def cancel_event(request: HttpRequest, pk: int, kind: str, event_id: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    model = ATTENDANCE_MODELS.get(kind)
    if model is None:
        raise Http404
    record = get_object_or_404(model, pk=event_id, classroom=classroom)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        raise services.RegisterError(_("Indicare il motivo dell'annullamento."))
    services.attendance_cancel(
        user=acting(request), record=record, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Registrazione annullata."))
    return redirect(day_url(classroom, record.date))


@require_POST
@login_required
@writes
def decide(request: HttpRequest, pk: int, justification_id: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    justification = get_object_or_404(
        Justification.objects.filter(student__in=students_for_user(request.user)),
        pk=justification_id,
    )
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    accept = request.POST.get("decision") == "accept"
    services.justification_decide(
        user=acting(request),
        justification=justification,
        accept=accept,
        note=form.cleaned_data.get("note", ""),
    )
    messages.success(
        request, _("Giustificazione accettata.") if accept else _("Giustificazione respinta.")
    )
    return redirect(posted_back(request, day_url(classroom, timezone.localdate())))


@require_POST
@login_required
@writes
def note(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    form = forms.NoteForm(request.POST, students=choices(page.students))
    if not form.is_valid():
        raise services.RegisterError(_("Scrivere il testo della nota."))
    chosen = [
        row.student for row in page.students if row.student.pk in form.cleaned_data["students"]
    ]
    services.note_create(
        user=acting(request),
        classroom=classroom,
        day=date,
        text=form.cleaned_data["text"],
        students=chosen,
    )
    messages.success(request, _("Nota registrata."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def note_cancel(request: HttpRequest, pk: int, note_id: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    record = get_object_or_404(DisciplinaryNote, pk=note_id, classroom=classroom)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        raise services.RegisterError(_("Indicare il motivo dell'annullamento."))
    services.note_cancel(user=acting(request), note=record, reason=form.cleaned_data["reason"])
    messages.success(request, _("Nota annullata."))
    return redirect(day_url(classroom, record.date))


@require_POST
@login_required
@writes
def agenda(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    subjects = [
        (s.subject.pk, s.subject.name) for s in classroom.subjects.select_related("subject")
    ]
    form = forms.AgendaForm(request.POST, subjects=subjects)
    if not form.is_valid():
        raise services.RegisterError(_("Compilare tipo, materia, giorno e descrizione."))
    subject = get_object_or_404(Subject, pk=form.cleaned_data["subject"])
    data = form.cleaned_data
    result = services.agenda_add(
        user=acting(request), classroom=classroom, subject=subject,
        kind=data["kind"], day=data["date"], text=data["text"],
    )  # fmt: skip
    for warning in result.warnings:
        messages.warning(request, warning)
    messages.success(request, _("Aggiunto all'agenda."))
    return redirect(day_url(classroom, date))


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator's view: the 25% limit and events still unjustified after N days."""
    classroom = visible_classroom(request, pk)
    today = timezone.localdate()
    days = classroom.school.institute.unjustified_alert_days
    roles = roles_for_user(request.user)
    students = [(s.pk, s.full_name) for s in enrolled_students(classroom)]
    context = {
        "classroom": classroom,
        "summaries": selectors.attendance_summaries(classroom, until=today),
        "unjustified": selectors.unjustified(classroom, older_than_days=days, today=today),
        "days": days,
        "is_principal": roles.is_principal,
        "notes": selectors.recent_notes(classroom),
        "waiver_form": forms.WaiverForm(students=students, auto_id="waiver_%s"),
    }
    return render(request, "register/attendance.html", context)


# --- families --------------------------------------------------------------------------------


def family_student(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(own_students(request.user), pk=pk)


# A student this login sees, with the institute: compiled once per kind of login.
seen_student = Scoped(
    lambda user, pk: students_for_user(user).select_related("institute").filter(pk=pk), int
)


@login_required
def student_register(request: HttpRequest, pk: int) -> HttpResponse:
    student = next(iter(seen_student(request.user, pk)), None)
    if student is None:
        raise Http404
    enrollment = current_enrollment(student)
    if enrollment is None:
        raise Http404
    today = timezone.localdate()
    since = max(enrollment.school_year.lessons_start, today - datetime.timedelta(days=30))
    data = selectors.family_register(student, enrollment.classroom, since=since, until=today)
    staff_view = roles_for_user(request.user).staff is not None
    context = {
        "student": student,
        "classroom": enrollment.classroom,
        "data": data,
        "lessons": lesson_items(data.lessons),
        "can_justify": may_justify(request.user, student),
        "justify_form": forms.JustifyForm(initial={"start": today}),
        "staff_view": staff_view,
        "events": {
            "absences": event_items(data.absences, selectors.EVENT_ABSENCE, staff_view),
            "lates": event_items(data.lates, selectors.EVENT_LATE, staff_view),
            "exits": event_items(data.exits, selectors.EVENT_EXIT, staff_view),
        },
    }
    return render(request, "register/student.html", context)


@require_POST
@login_required
def justify(request: HttpRequest, pk: int) -> HttpResponse:
    student = family_student(request, pk)
    back = reverse("register:student", args=[student.pk])
    form = forms.JustifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Controlla i campi: tipo, data e motivo sono obbligatori."))
        return redirect(back)
    try:
        services.justification_submit(
            user=acting(request), student=student, kind=form.cleaned_data["kind"],
            start=form.cleaned_data["start"], end=form.cleaned_data["end"],
            reason=form.cleaned_data["reason"], time=form.cleaned_data["time"],
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.RegisterError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    except DayClosed as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("Giustificazione inviata: la vedrà il docente."))
    return redirect(back)


@require_POST
@login_required
def justification_withdraw(request: HttpRequest, pk: int, justification_id: int) -> HttpResponse:
    student = family_student(request, pk)
    justification = get_object_or_404(Justification, pk=justification_id, student=student)
    try:
        services.justification_withdraw(user=acting(request), justification=justification)
    except services.NotAllowed:
        raise Http404 from None
    except services.RegisterError as error:
        messages.error(request, " ".join(error.messages))
    except (AlreadyChanged, DayClosed) as error:
        messages.error(request, error.message)
    return redirect("register:student", pk=student.pk)


@require_POST
@login_required
@writes
def hour_absence(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    form = forms.HourAbsenceForm(
        request.POST, students=choices(page.students), slots=slot_choices(page)
    )
    if not form.is_valid():
        raise refusal(form, _("Controllare alunno e ora."))
    slot = get_object_or_404(HourSlot, pk=form.cleaned_data["slot"], school=classroom.school)
    already = set(
        Absence.objects.filter(
            classroom=classroom, date=date, slot=slot, cancelled_at__isnull=True
        ).values_list("student_id", flat=True)
    )
    services.hour_absences_save(
        user=acting(request), classroom=classroom, day=date, slot=slot,
        absent_ids=already | {form.cleaned_data["student"]},
    )  # fmt: skip
    messages.success(request, _("Assenza oraria registrata."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def off_site(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    page = selectors.class_day(classroom, date)
    form = forms.OffSiteForm(request.POST, students=choices(page.students))
    if not form.is_valid():
        raise refusal(form, _("Indicare l'attività fuori classe."))
    student = _student_of(classroom, form.cleaned_data["student"], date)
    services.off_site_record(
        user=acting(request), classroom=classroom, student=student, day=date,
        reason=form.cleaned_data["reason"],
    )  # fmt: skip
    messages.success(request, _("Fuori classe registrato: l'alunno risulta presente."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def annotation(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    date = parse_day(day)
    form = forms.AnnotationForm(request.POST)
    if not form.is_valid():
        raise services.RegisterError(_("Scrivere il testo dell'annotazione."))
    services.annotation_create(
        user=acting(request), classroom=classroom, day=date, text=form.cleaned_data["text"],
        visible_to_family=form.cleaned_data["visible_to_family"],
    )  # fmt: skip
    messages.success(request, _("Annotazione registrata."))
    return redirect(day_url(classroom, date))


@require_POST
@login_required
@writes
def measure(request: HttpRequest, pk: int, note_id: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    record = get_object_or_404(DisciplinaryNote, pk=note_id, classroom=classroom)
    form = forms.MeasureForm(request.POST)
    if not form.is_valid():
        raise services.RegisterError(_("Scrivere il provvedimento."))
    services.note_measure(user=acting(request), note=record, measure=form.cleaned_data["measure"])
    messages.success(request, _("Provvedimento registrato."))
    return redirect("register:attendance", pk=classroom.pk)


@require_POST
@login_required
@writes
def waiver(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    students = [(s.pk, s.full_name) for s in enrolled_students(classroom)]
    form = forms.WaiverForm(request.POST, students=students)
    if not form.is_valid():
        raise refusal(form, _("Indicare le ore e il motivo della deroga."))
    student = get_object_or_404(enrolled_students(classroom), pk=form.cleaned_data["student"])
    services.waiver_grant(
        user=acting(request), student=student, year=classroom.school_year,
        hours=form.cleaned_data["hours"], reason=form.cleaned_data["reason"],
    )  # fmt: skip
    messages.success(request, _("Deroga registrata."))
    return redirect("register:attendance", pk=classroom.pk)


@require_POST
@login_required
def justification_edit(request: HttpRequest, pk: int, justification_id: int) -> HttpResponse:
    student = family_student(request, pk)
    justification = get_object_or_404(Justification, pk=justification_id, student=student)
    reason = request.POST.get("reason", "").strip()
    try:
        if not reason:
            raise services.RegisterError(_("Indicare il motivo."))
        services.justification_edit(
            user=acting(request), justification=justification, reason=reason
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.RegisterError as error:
        messages.error(request, " ".join(error.messages))
    except (AlreadyChanged, DayClosed) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Giustificazione modificata."))
    return redirect("register:student", pk=student.pk)


@require_POST
@login_required
@writes
def annotation_cancel(request: HttpRequest, pk: int, annotation_id: int) -> HttpResponse:
    classroom = visible_classroom(request, pk)
    record = get_object_or_404(Annotation, pk=annotation_id, classroom=classroom)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        raise services.RegisterError(_("Indicare il motivo dell'annullamento."))
    services.note_cancel(user=acting(request), note=record, reason=form.cleaned_data["reason"])
    messages.success(request, _("Annotazione annullata."))
    return redirect(day_url(classroom, record.date))
