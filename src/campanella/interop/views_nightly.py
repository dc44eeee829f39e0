"""The office's nightly run for the back-office (interop.nightly): its settings and the files
made, to download."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from campanella.interop.forms import NightlyForm
from campanella.interop.models import NightlyFile, NightlySchedule
from campanella.interop.nightly import schedule_set
from campanella.interop.rules import office_or_404
from campanella.people.models import User

FILES_SHOWN = 30


@never_cache
@login_required
def nightly(request: HttpRequest) -> HttpResponse:
    staff = office_or_404(request.user)
    schedule = NightlySchedule.objects.filter(institute_id=staff.institute_id).first()
    initial = {
        "attiva": schedule.enabled if schedule else False,
        "scuole": schedule.school_ids if schedule else [],
        "assenze": schedule.attendance if schedule else True,
        "esiti": schedule.results if schedule else True,
    }
    bound = request.method == "POST"
    form = NightlyForm(
        request.POST if bound else None, initial=initial, institute_id=staff.institute_id
    )
    if bound and form.is_valid():
        data = form.cleaned_data
        schedule_set(
            user=cast(User, request.user), institute_id=staff.institute_id,
            enabled=data["attiva"], school_ids=[school.pk for school in data["scuole"]],
            attendance=data["assenze"], results=data["esiti"],
        )  # fmt: skip
        messages.success(request, _("Esportazione notturna salvata."))
        return redirect("interop:nightly")
    files = NightlyFile.objects.filter(institute_id=staff.institute_id)[:FILES_SHOWN]
    context = {"form": form, "schedule": schedule, "files": files}
    return render(request, "interop/nightly.html", context, status=400 if bound else 200)


@login_required
def nightly_file(request: HttpRequest, pk: int) -> FileResponse:
    staff = office_or_404(request.user)
    found = get_object_or_404(NightlyFile, pk=pk, institute_id=staff.institute_id)
    return file_response(found)


def file_response(found: NightlyFile) -> FileResponse:
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=f"{found.kind}_{found.night:%Y%m%d}.csv",
        content_type="text/csv; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
