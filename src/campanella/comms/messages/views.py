"""Pages of messages under /comunicazioni/messaggi/ (Italian, server-rendered).

Every read asks `rules` (thread_access, visible_threads); a thread a login may not read answers
404 like one that does not exist. Views parse, authorize, call one service or selector, render.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.comms.messages import hours, rules, selectors, services
from campanella.comms.messages.models import MessageAttachment, Side, TeacherInbox
from campanella.comms.notices.files import allowed_labels, megabytes
from campanella.comms.notices.views import private_file
from campanella.lib.ids import parse_id
from campanella.people.models import User
from campanella.people.roles import roles_for_user
from campanella.school.models import Classroom
from campanella.school.selectors import current_school_year

PAGE_SIZE = 20
DAYS = list(enumerate(hours.DAY_NAMES))


def access_or_404(request: HttpRequest, thread_id: int) -> rules.Access:
    access = rules.thread_access(request.user, thread_id)
    if access is None:
        raise Http404
    return access


def file_limits() -> dict[str, str]:
    from django.conf import settings

    return {
        "types": allowed_labels(),
        "max_mb": megabytes(settings.COMMS_ATTACHMENT_MAX_BYTES),
        "max_files": str(services.MAX_ATTACHMENTS),
    }


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("pagina"))
    roles = roles_for_user(request.user)
    context = {
        "page": page,
        "may_write": rules.may_write_messages(request.user),
        "may_broadcast": rules.may_broadcast(request.user),
        "sets_hours": roles.is_office or roles.is_teacher,
    }
    return render(request, "comms/messages/inbox.html", context)


@login_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """The thread with its messages; opening it marks it read for this login."""
    access = access_or_404(request, thread_id)
    services.thread_read(user=request.user, thread=access.thread)  # type: ignore[arg-type]
    teacher = access.thread.teacher
    closed = ""
    if access.side == Side.FAMILY and teacher is not None:  # told before the family writes
        closed = hours.closed_now(teacher.user_id, access.thread.institute_id, timezone.now())
    context = {
        "closed_now": closed,
        "thread": access.thread,
        "side": access.side,
        "thread_messages": selectors.thread_messages(access.thread),
        "limits": file_limits(),
    }
    return render(request, "comms/messages/thread.html", context)


@require_POST
@login_required
def reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    try:
        services.message_send(
            user=request.user,  # type: ignore[arg-type]
            thread_id=thread_id,
            body=request.POST.get("testo", ""),
            files=request.FILES.getlist("allegati"),
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.MessageError as error:
        flash.error(request, error.message)
        return redirect("comms:message_thread", thread_id=thread_id)
    flash.success(request, _("Messaggio inviato."))
    return redirect("comms:message_thread", thread_id=thread_id)


@login_required
def attachment(request: HttpRequest, thread_id: int, attachment_id: int) -> FileResponse:
    access = access_or_404(request, thread_id)
    found = get_object_or_404(MessageAttachment, pk=attachment_id, thread=access.thread)
    return private_file(found.file, found.name, found.content_type)


# --- starting a thread ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class ChoiceGroup:
    label: str
    choices: list[Choice]


def family_choices(user: Any) -> list[ChoiceGroup]:
    """For a family: each child's teachers and the office."""
    groups = []
    for child in rules.own_children(user).order_by("surname", "name"):
        choices = [Choice(f"{child.pk}:segreteria", _("Segreteria"))]
        choices += [
            Choice(f"{child.pk}:{teacher.pk}", _("Prof. %(name)s") % {"name": teacher.full_name})
            for teacher in rules.child_teachers(user, child.pk)
        ]
        groups.append(ChoiceGroup(_("Per %(name)s") % {"name": child.full_name}, choices))
    return groups


def staff_choices(user: Any) -> list[ChoiceGroup]:
    """For a teacher or the office: the families of their students, by classroom."""
    enrollments = (
        rules.reachable_enrollments(user)
        .select_related("student", "classroom")
        .order_by("classroom__year", "classroom__section", "student__surname", "student__name")
    )
    groups: dict[int, ChoiceGroup] = {}
    for row in enrollments:
        group = groups.setdefault(
            row.classroom_id, ChoiceGroup(_("Classe %(name)s") % {"name": row.classroom.name}, [])
        )
        label = _("Famiglia di %(name)s") % {"name": row.student.full_name}
        group.choices.append(Choice(f"{row.student_id}:famiglia", label))
    return list(groups.values())


def parse_target(value: str) -> tuple[int, int | None, bool] | None:
    """«alunno:segreteria|famiglia|docente id» as (student id, teacher id, to the office)."""
    student_text, _sep, target = value.partition(":")
    student_id = parse_id(student_text)
    if student_id is None:
        return None
    if target == "segreteria":
        return student_id, None, True
    if target == "famiglia":
        return student_id, None, False
    teacher_id = parse_id(target)
    return None if teacher_id is None else (student_id, teacher_id, False)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    if not rules.may_write_messages(request.user):
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        target = parse_target(request.POST.get("destinatario", ""))
        if target is None:
            errors.append(_("Scegliere a chi scrivere."))
        else:
            student_id, teacher_id, to_office = target
            try:
                message = services.thread_start(
                    user=user, student_id=student_id, teacher_id=teacher_id, to_office=to_office,
                    subject=request.POST.get("oggetto", ""), body=request.POST.get("testo", ""),
                    files=request.FILES.getlist("allegati"),
                )  # fmt: skip
            except services.Unreachable as error:
                errors.append(error.message)
                status = 404  # as for a family that does not exist
            except services.MessageError as error:
                errors.append(error.message)
            else:
                flash.success(request, _("Messaggio inviato."))
                return redirect("comms:message_thread", thread_id=message.thread_id)
    is_family = rules.own_children(user).exists()
    groups = family_choices(user) if is_family else []
    if rules.reachable_enrollments(user).exists():
        groups += staff_choices(user)
    context = {
        "groups": groups,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else request.GET,
        "limits": file_limits(),
    }
    return render(request, "comms/messages/start.html", context, status=status)


@login_required
def broadcast(request: HttpRequest) -> HttpResponse:
    """The office writes to the families of whole classrooms (one thread per student)."""
    institute_id = rules.office_institute_id(request.user)
    if institute_id is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    errors: list[str] = []
    status = 200
    chosen = {i for i in (parse_id(v) for v in request.POST.getlist("classe")) if i is not None}
    if request.method == "POST":
        try:
            sent = services.broadcast_send(
                user=user, classroom_ids=sorted(chosen), subject=request.POST.get("oggetto", ""),
                body=request.POST.get("testo", ""), files=request.FILES.getlist("allegati"),
            )  # fmt: skip
        except services.Unreachable as error:
            errors.append(error.message)
            status = 404 if chosen else 200
        except services.MessageError as error:
            errors.append(error.message)
        else:
            flash.success(
                request,
                _("Messaggio inviato alle famiglie di %(count)s alunni.")
                % {"count": sent.thread_count},
            )
            return redirect("comms:message_list")
    year = current_school_year(institute_id)
    rooms = (
        Classroom.objects.filter(school_year=year, school__institute_id=institute_id)
        .select_related("school")
        .order_by("school__name", "year", "section")
        if year is not None
        else Classroom.objects.none()
    )
    context = {
        "classrooms": rooms,
        "chosen": chosen,
        "errors": errors,
        "posted": request.POST,
        "limits": file_limits(),
    }
    return render(request, "comms/messages/broadcast.html", context, status=status)


# --- hours --------------------------------------------------------------------------------


def parse_time(text: str) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        return None


@login_required
def hours_page(request: HttpRequest) -> HttpResponse:
    """The office sets the hours; a teacher sees them and chooses whether to receive outside."""
    institute_id = rules.hours_institute_id(request.user)
    if institute_id is None:
        raise Http404
    roles = roles_for_user(request.user)
    errors: list[str] = []
    if request.method == "POST":
        if not roles.is_office:
            raise Http404
        opens, closes = (parse_time(request.POST.get(n, "")) for n in ("dalle", "alle"))
        days = [d for d in (parse_id(v) for v in request.POST.getlist("giorno")) if d is not None]
        if opens is None or closes is None:
            errors.append(_("Indicare l'orario di inizio e di fine (ore:minuti)."))
        else:
            try:
                services.message_hours_set(
                    user=request.user,  # type: ignore[arg-type]
                    weekdays=days,
                    opens_at=opens,
                    closes_at=closes,
                )
            except services.MessageError as error:
                errors.append(error.message)
            else:
                flash.success(request, _("Orario dei messaggi salvato."))
                return redirect("comms:message_hours")
    current = hours.hours_of(institute_id)
    inbox_row = TeacherInbox.objects.filter(user_id=roles.user_id or 0).first()
    context = {
        "hours": current,
        "described": hours.describe(current),
        "days": DAYS,
        "is_office": roles.is_office,
        "is_teacher": roles.is_teacher,
        "closed_off_hours": inbox_row is not None and inbox_row.closed_off_hours,
        "open_now": hours.is_open(current, timezone.now()),
        "errors": errors,
    }
    return render(request, "comms/messages/hours.html", context)


@require_POST
@login_required
def teacher_inbox(request: HttpRequest) -> HttpResponse:
    """A teacher's own choice (no one else's record can be named)."""
    try:
        inbox_row = services.teacher_inbox_set(
            user=request.user,  # type: ignore[arg-type]
            closed_off_hours=request.POST.get("fuori_orario") == "chiuso",
        )
    except services.NotAllowed:
        raise Http404 from None
    if inbox_row.closed_off_hours:
        flash.success(request, _("Fuori orario le famiglie non potranno scriverle."))
    else:
        flash.success(request, _("Le famiglie potranno scriverle a ogni ora."))
    return redirect("comms:message_hours")
