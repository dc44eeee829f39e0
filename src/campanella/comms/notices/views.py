"""Pages of notices under /comunicazioni/ (Italian, server-rendered).

Every read asks `rules` (notice_access, followed_notice); what a login may not see answers
404 like what does not exist. Views parse, authorize, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.comms.notices import rules, selectors, services
from campanella.comms.notices.forms import NoticeForm, draft_from
from campanella.comms.notices.models import (
    AudienceRole,
    AudienceScope,
    Notice,
    NoticeAttachment,
    NoticeConsent,
    NoticeReminder,
)
from campanella.comms.notices.tasks import send_notice_reminder
from campanella.lib.ids import parse_id
from campanella.people.models import Enrollment, User
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import School
from campanella.school.selectors import current_school_year

PAGE_SIZE = 20


def access_or_404(request: HttpRequest, notice_id: int) -> rules.Access:
    access = rules.notice_access(request.user, notice_id)
    if access is None:
        raise Http404
    return access


def followed_or_404(request: HttpRequest, notice_id: int) -> Notice:
    notice = rules.followed_notice(request.user, notice_id)
    if notice is None:
        raise Http404
    return notice


def private_file(stored: Any, name: str, content_type: str) -> FileResponse:
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The login's notices, newest first (unread marked), and for writers a way to write."""
    page = Paginator(selectors.received_notices(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    context = {
        "page": page,
        "may_write": rules.may_write_notices(request.user),
        "follows": rules.followed_notices(request.user).exists(),
    }
    return render(request, "comms/notices/index.html", context)


@login_required
def detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The notice; opening it marks it read. Confirmation and consent forms where asked."""
    access = access_or_404(request, notice_id)
    recipient = access.recipient
    if recipient is not None:
        services.notice_read(user=request.user, recipient=recipient)  # type: ignore[arg-type]
    notice = access.notice
    consent_for = rules.consent_students(recipient) if recipient and notice.asks_consent else None
    answers = selectors.own_consents(recipient) if recipient else {}
    rows: list[dict[str, Any]]
    if recipient is None or not notice.asks_consent:
        rows = []
    elif consent_for is None:
        rows = [{"student": None, "consent": answers.get(None)}]
    else:
        rows = [{"student": s, "consent": answers.get(s.pk)} for s in consent_for]
    context = {
        "notice": notice,
        "recipient": recipient,
        "follows": access.follows,
        "attachments": list(notice.attachments.all()),
        "consent_rows": rows,
        "consent_open": notice.consent_open(),
    }
    return render(request, "comms/notices/detail.html", context)


@require_POST
@login_required
def confirm(request: HttpRequest, notice_id: int) -> HttpResponse:
    try:
        _recipient, created = services.notice_confirm(user=request.user, notice_id=notice_id)  # type: ignore[arg-type]
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        messages.error(request, error.message)
        return redirect("comms:notice_detail", notice_id=notice_id)
    if created:
        messages.success(request, _("Lettura confermata. Grazie."))
    else:
        messages.info(request, _("La lettura era già stata confermata."))
    return redirect("comms:notice_detail", notice_id=notice_id)


@require_POST
@login_required
def consent(request: HttpRequest, notice_id: int) -> HttpResponse:
    answer = request.POST.get("risposta", "")
    student_text = request.POST.get("alunno", "")
    student_id = parse_id(student_text) if student_text else None
    if answer not in {"si", "no"} or (student_text and student_id is None):
        access_or_404(request, notice_id)
        messages.error(request, _("Scegliere «Sì, aderisco» oppure «No, non aderisco»."))
        return redirect("comms:notice_detail", notice_id=notice_id)
    try:
        _consent, created = services.notice_consent(
            user=request.user,  # type: ignore[arg-type]
            notice_id=notice_id,
            agrees=answer == "si",
            text=request.POST.get("note", ""),
            student_id=student_id,
            upload=request.FILES.get("file"),
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        messages.error(request, error.message)
        return redirect("comms:notice_detail", notice_id=notice_id)
    if created:
        messages.success(request, _("Risposta registrata. Grazie."))
    else:
        messages.success(request, _("Risposta modificata."))
    return redirect("comms:notice_detail", notice_id=notice_id)


@login_required
def attachment(request: HttpRequest, notice_id: int, attachment_id: int) -> FileResponse:
    access = access_or_404(request, notice_id)
    found = get_object_or_404(NoticeAttachment, pk=attachment_id, notice=access.notice)
    return private_file(found.file, found.name, found.content_type)


@login_required
def consent_file(request: HttpRequest, notice_id: int, consent_id: int) -> FileResponse:
    """A file sent with a consent: for whoever follows the notice, and for who sent it."""
    access = access_or_404(request, notice_id)
    found = get_object_or_404(NoticeConsent, pk=consent_id, notice=access.notice)
    own = access.recipient is not None and found.recipient_id == access.recipient.pk
    if not (access.follows or own) or not found.file:
        raise Http404
    return private_file(found.file, found.file_name, "application/octet-stream")


def form_context(request: HttpRequest, form: NoticeForm, errors: list[str]) -> dict[str, Any]:
    user = request.user
    institute_id = rules.writer_institute_id(user)
    year = current_school_year(institute_id) if institute_id else None
    rooms = list(rules.addressable_classrooms(user, year)) if year else []
    manages = rules.managed_institute_id(user) is not None
    students = (
        Enrollment.objects.filter(active_enrollments_on(timezone.localdate()), classroom__in=rooms)
        .select_related("student", "classroom")
        .order_by("classroom__year", "classroom__section", "student__surname", "student__name")
    )
    scopes = (
        AudienceScope.choices
        if manages
        else [
            (AudienceScope.CLASSROOMS.value, AudienceScope.CLASSROOMS.label),
            (AudienceScope.FAMILIES.value, AudienceScope.FAMILIES.label),
        ]
    )
    roles = AudienceRole.choices if manages else [
        (r.value, r.label) for r in (AudienceRole.FAMILIES, AudienceRole.STUDENTS,
                                      AudienceRole.TEACHERS)
    ]  # fmt: skip
    return {
        "form": form,
        "errors": errors,
        "scopes": scopes,
        "roles": roles,
        "schools": School.objects.filter(institute_id=institute_id or 0) if manages else [],
        "years": sorted({room.year for room in rooms}),
        "classrooms": rooms,
        "enrollments": students,
        "posted": request.POST,
        "chosen": {
            name: set(request.POST.getlist(name))
            for name in ("ruolo", "scuola", "anno", "classe", "alunno")
        },
    }


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not rules.may_write_notices(request.user):
        raise Http404
    errors: list[str] = []
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(
                user=request.user,  # type: ignore[arg-type]
                draft=draft_from(form, request.POST),
                files=request.FILES.getlist("allegati"),
            )
        except services.NotAllowed:
            raise Http404 from None
        except services.NoticeError as error:
            errors.append(error.message)
        else:
            messages.success(
                request,
                _("%(label)s pubblicata: %(count)s destinatari.")
                % {"label": notice.label, "count": notice.recipient_count},
            )
            return redirect("comms:notice_tracking", notice_id=notice.pk)
    return render(request, "comms/notices/create.html", form_context(request, form, errors))


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    if not rules.may_write_notices(request.user):
        raise Http404
    page = Paginator(selectors.followed_overview(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    return render(request, "comms/notices/sent.html", {"page": page})


@login_required
def tracking(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = followed_or_404(request, notice_id)
    groups = selectors.tracking(notice)
    context = {
        "notice": notice,
        "groups": groups,
        "totals": selectors.counts_by_status(groups),
        "missing": sum(1 for g in groups for line in g.lines if line.missing(notice)),
        "reminders": list(
            NoticeReminder.objects.filter(notice=notice).select_related("sent_by")[:5]
        ),
    }
    return render(request, "comms/notices/tracking.html", context)


@login_required
def export(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = followed_or_404(request, notice_id)
    response = HttpResponse(
        selectors.tracking_xlsx(notice),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"comunicazione-{notice.number}-situazione.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def remind(request: HttpRequest, notice_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    login_url = request.build_absolute_uri(reverse("comms:notice_detail", args=[notice_id]))
    try:
        reminder = services.reminder_create(user=user, notice_id=notice_id, login_url=login_url)
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        messages.error(request, error.message)
        return redirect("comms:notice_tracking", notice_id=notice_id)
    send_notice_reminder.enqueue(reminder.pk)
    messages.success(request, _("Promemoria in invio a chi non ha ancora risposto."))
    return redirect("comms:notice_tracking", notice_id=notice_id)


@require_POST
@login_required
def withdraw(request: HttpRequest, notice_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        services.notice_withdraw(
            user=user, notice_id=notice_id, reason=request.POST.get("motivo", "")
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.NoticeError as error:
        messages.error(request, error.message)
        return redirect("comms:notice_tracking", notice_id=notice_id)
    messages.success(request, _("Comunicazione annullata."))
    return redirect("comms:notice_tracking", notice_id=notice_id)
