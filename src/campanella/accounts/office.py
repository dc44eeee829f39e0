"""The office's access pages: issue credentials and letters, reset, unlock, see the traces."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.accounts import security
from campanella.accounts.backends import find_login
from campanella.people.credentials import IssuePlan, credential_batch_create
from campanella.people.models import (
    AccessEvent,
    CredentialBatch,
    Enrollment,
    Guardian,
    Staff,
    Student,
    User,
)
from campanella.people.roles import roles_for_user
from campanella.people.selectors import active_enrollments_on, classroom_overview, enrolled_students
from campanella.people.tasks import run_credential_batch
from campanella.school.models import Classroom, Institute
from campanella.school.selectors import current_school_year

PDF_KINDS = {"alunni": "students_pdf", "genitori": "guardians_pdf", "personale": "staff_pdf"}


def office_institute(request: HttpRequest) -> Institute:
    """The office's institute; anyone else is told the page does not exist."""
    roles = roles_for_user(request.user)
    if not roles.is_office or roles.staff is None:
        raise Http404
    return roles.staff.institute


def login_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("accounts:login"))


def start_batch(
    request: HttpRequest, institute: Institute, plan: IssuePlan, description: str
) -> HttpResponse:
    batch = credential_batch_create(
        actor=request.user,  # type: ignore[arg-type]
        institute=institute,
        plan=plan,
        description=description,
        login_url=login_url(request),
        email_guardians=request.POST.get("email_guardians") == "1",
    )
    run_credential_batch.enqueue(batch.pk)
    return redirect("accounts:office_batch", pk=batch.pk)


@login_required
def credentials(request: HttpRequest) -> HttpResponse:
    institute = office_institute(request)
    year = current_school_year(institute)
    day = timezone.localdate()
    classrooms = list(classroom_overview(institute.pk, year.pk)) if year else []
    missing = dict(
        Classroom.objects.filter(pk__in=[c.pk for c in classrooms])
        .annotate(
            missing=Count(
                "enrollments",
                filter=Q(enrollments__student__user__isnull=True)
                & Q(enrollments__entry_date__lte=day)
                & (Q(enrollments__exit_date__isnull=True) | Q(enrollments__exit_date__gte=day)),
            )
        )
        .values_list("pk", "missing")
    )
    for classroom in classrooms:
        classroom.missing_credentials = missing.get(classroom.pk, 0)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "institute": institute,
        "classrooms": classrooms,
        "new_students": Student.objects.filter(institute=institute, user__isnull=True).count(),
        "new_staff": Staff.objects.filter(
            institute=institute, user__isnull=True, active=True
        ).count(),
        "batches": CredentialBatch.objects.filter(institute=institute).select_related("issued_by")[
            :10
        ],
    }
    return render(request, "accounts/office/credentials.html", context)


@require_POST
@login_required
def issue_classroom(request: HttpRequest, pk: int) -> HttpResponse:
    institute = office_institute(request)
    classroom = get_object_or_404(Classroom, pk=pk, school__institute=institute)
    reissue = request.POST.get("reissue") == "1"
    if reissue and request.POST.get("confirm") != "1":
        # Reissuing invalidates a whole class's passwords: ask once more.
        return render(request, "accounts/office/confirm_reissue.html", {"classroom": classroom})
    ids = list(enrolled_students(classroom).values_list("pk", flat=True))
    plan = IssuePlan(student_ids=ids, reissue=reissue)
    verb = _("Nuove credenziali") if reissue else _("Credenziali")
    return start_batch(
        request, institute, plan, f"{verb} {classroom.name} – {classroom.school.name}"
    )


@require_POST
@login_required
def issue_new(request: HttpRequest) -> HttpResponse:
    """Everyone enrolled or in service who has no credentials yet (e.g. after an import)."""
    institute = office_institute(request)
    day = timezone.localdate()
    students = Student.objects.filter(institute=institute).filter(
        Q(user__isnull=True)
        | Q(
            guardianships__guardian__user__isnull=True,
            guardianships__access_revoked_on__isnull=True,
        )
    )
    enrolled = students.filter(enrollments__in=active_enrollment_ids(day)).distinct()
    staff = Staff.objects.filter(institute=institute, user__isnull=True, active=True)
    plan = IssuePlan(
        student_ids=list(enrolled.values_list("pk", flat=True)),
        staff_ids=list(staff.values_list("pk", flat=True))
        if request.POST.get("staff") == "1"
        else [],
    )
    return start_batch(request, institute, plan, _("Nuovi iscritti e nuovo personale"))


def active_enrollment_ids(day: datetime.date) -> QuerySet[Enrollment, Any]:
    return Enrollment.objects.filter(active_enrollments_on(day)).values("pk")


@login_required
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    institute = office_institute(request)
    item = get_object_or_404(CredentialBatch, pk=pk, institute=institute)
    partial = bool(getattr(request, "htmx", False))  # htmx polling asks for the status only
    template = "accounts/office/_batch_status.html" if partial else "accounts/office/batch.html"
    return render(request, template, {"batch": item, "expired": item.expires_at <= timezone.now()})


@login_required
def batch_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    institute = office_institute(request)
    item = get_object_or_404(CredentialBatch, pk=pk, institute=institute)
    field = PDF_KINDS.get(kind)
    content = getattr(item, field) if field else None
    if content is None or item.expires_at <= timezone.now():
        raise Http404
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credenziali-{kind}-{item.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def person_of(user: User, institute: Institute) -> tuple[str, IssuePlan] | None:
    """What a single reset re-issues, if this login belongs to the office's institute."""
    student = Student.objects.filter(user=user, institute=institute).first()
    if student is not None:
        return student.full_name, IssuePlan(
            student_ids=[student.pk], guardian_links=False, reissue=True
        )
    staff = Staff.objects.filter(user=user, institute=institute).first()
    if staff is not None:
        return staff.full_name, IssuePlan(staff_ids=[staff.pk], reissue=True)
    return None


@login_required
def access(request: HttpRequest) -> HttpResponse:
    institute = office_institute(request)
    query = request.GET.get("q", "").strip()
    events = AccessEvent.objects.filter(institute=institute).select_related("user", "actor")
    found = None
    if query:
        found = find_login(query)
        if found is not None and security.institute_of(found) != institute.pk:
            found = None
        events = events.filter(
            Q(username__iexact=security.normalize_username(query)) | Q(user=found)
        )
    page = Paginator(events, 50).get_page(request.GET.get("pagina"))
    context = {
        "page": page,
        "query": query,
        "found": found,
        "guardian_of": Guardian.objects.filter(user=found).prefetch_related(
            "guardianships__student"
        )
        if found
        else [],
        "locked": security.locked_usernames(institute.pk),
        "locked_addresses": security.locked_addresses(institute.pk),
    }
    return render(request, "accounts/office/access.html", context)


@require_POST
@login_required
def unlock(request: HttpRequest) -> HttpResponse:
    institute = office_institute(request)
    username = request.POST.get("username", "")
    address = request.POST.get("address", "")
    actor: User = request.user  # type: ignore[assignment]
    if address:
        if address not in security.locked_addresses(institute.pk):
            raise Http404
        security.unlock_address(address=address, actor=actor, request=request)
        messages.success(request, _("Indirizzo %(address)s sbloccato.") % {"address": address})
        return redirect("accounts:office_access")
    locked = {security.normalize_username(name) for name in security.locked_usernames(institute.pk)}
    if security.normalize_username(username) not in locked:
        raise Http404
    security.unlock(username=username, actor=actor, request=request)
    messages.success(request, _("Accesso %(username)s sbloccato.") % {"username": username})
    return redirect("accounts:office_access")


@require_POST
@login_required
def reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    institute = office_institute(request)
    user = get_object_or_404(User, pk=user_id)
    name, plan = reset_plan(user, institute)
    if request.POST.get("confirm") != "1":
        # A reset ends the person's current password and sessions at once: ask once more.
        context = {"person": user, "name": name}
        return render(request, "accounts/office/confirm_reset.html", context)
    return start_batch(request, institute, plan, _("Nuova password per %(name)s") % {"name": name})


def reset_plan(user: User, institute: Institute) -> tuple[str, IssuePlan]:
    """Whose password a reset renews and how; 404 unless the login is of this institute."""
    target = person_of(user, institute)
    if target is not None:
        return target
    guardian = Guardian.objects.filter(user=user, institute=institute).first()
    if guardian is None:
        raise Http404
    link = guardian.guardianships.filter(access_revoked_on__isnull=True).first()
    if link is None:
        raise Http404
    plan = IssuePlan(student_ids=[link.student_id], reissue=True, guardian_only_ids=[guardian.pk])
    return guardian.full_name, plan
