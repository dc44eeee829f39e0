"""Attendance in for chosen schools and days, as a background job (interop.sync_jobs): the
upload page, the start, the job's page with its progress and log, cancel."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from campanella.interop import sync_jobs
from campanella.interop.forms import ACCEPTED_TYPES, AttendanceRangeForm
from campanella.interop.models import ImportBatch, SyncJob
from campanella.interop.rules import office_or_404
from campanella.interop.views import range_choice, written_lines
from campanella.people.models import Staff, User


@never_cache
@login_required
def attendance_range(request: HttpRequest) -> HttpResponse:
    """Upload the file with the schools and days it is for; then the preview."""
    staff = office_or_404(request.user)
    bound = request.method == "POST"
    form = AttendanceRangeForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        institute_id=staff.institute_id,
    )
    if bound and form.is_valid():
        data = form.cleaned_data
        uploaded = data["file"]
        # The file planned once for its batch and the preview page (`range_preview` shows it).
        batch, _plan = sync_jobs.range_upload(
            institute_id=staff.institute_id,
            user=cast(User, request.user),
            file_name=uploaded.name or "",
            content=uploaded.read(),
            school_ids={school.pk for school in data["scuole"]},
            start=data["dal"],
            end=data["al"],
        )
        query = urlencode(
            {
                "scuole": [school.pk for school in data["scuole"]],
                "dal": data["dal"].isoformat(),
                "al": data["al"].isoformat(),
            },
            doseq=True,
        )
        return redirect(f"{reverse('interop:preview', args=[batch.pk])}?{query}")
    status = 400 if bound else 200
    context = {"form": form, "accept": ACCEPTED_TYPES, "jobs": _recent(staff)}
    return render(request, "interop/attendance_range.html", context, status=status)


def _recent(staff: Staff) -> list[SyncJob]:
    return list(
        SyncJob.objects.filter(institute_id=staff.institute_id).select_related("batch")[:10]
    )


@require_POST
@login_required
def job_create(request: HttpRequest, pk: int) -> HttpResponse:
    staff = office_or_404(request.user)
    batch = get_object_or_404(ImportBatch, pk=pk, institute_id=staff.institute_id)
    request.GET = request.POST  # the same three fields, checked the same way
    chosen = range_choice(request, batch)
    if chosen is None:
        raise Http404
    schools, start, end = chosen
    try:
        job = sync_jobs.job_start(
            batch=batch, user=cast(User, request.user), school_ids=set(schools),
            start=start, end=end,
        )  # fmt: skip
    except sync_jobs.JobRefused as refused:
        messages.error(request, refused.message)  # the preview tells the problems, by line
        query = urlencode(
            {"scuole": schools, "dal": start.isoformat(), "al": end.isoformat()}, doseq=True
        )
        return redirect(f"{reverse('interop:preview', args=[batch.pk])}?{query}")
    return redirect("interop:job", pk=job.pk)


@never_cache
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = office_or_404(request.user)
    job = get_object_or_404(
        SyncJob.objects.select_related("batch"), pk=pk, institute_id=staff.institute_id
    )
    if sync_jobs.resume_stalled(job_ids=[job.pk]):
        job.refresh_from_db()
    partial = bool(getattr(request, "htmx", False))
    template = "interop/_job_status.html" if partial else "interop/job.html"
    rate = job.rows_per_second()
    context = {
        "job": job,
        "rate": None if rate is None else round(rate),
        "seconds_left": job.seconds_left(),
        "log": list(reversed(job.log[-50:])),
        "written": written_lines(job.written),
    }
    return render(request, template, context)


@require_POST
@login_required
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    staff = office_or_404(request.user)
    job = get_object_or_404(SyncJob, pk=pk, institute_id=staff.institute_id)
    sync_jobs.job_cancel(job=job, user=cast(User, request.user))
    messages.info(request, _("Annullamento richiesto: i giorni già importati restano."))
    return redirect("interop:job", pk=job.pk)
