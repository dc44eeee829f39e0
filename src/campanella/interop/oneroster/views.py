"""The office downloads its roster and grade book as a OneRoster 1.2 CSV bundle."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from campanella.interop.oneroster.bundle import bundle_file
from campanella.interop.oneroster.forms import OneRosterExportForm
from campanella.interop.oneroster.mapping import Scope
from campanella.interop.rules import office_staff

ZIP = "application/zip"


def bundle_response(scope: Scope) -> FileResponse:
    """The zip, streamed from its temporary file (closed, so deleted, once sent)."""
    written, name = bundle_file(scope)
    return FileResponse(written, as_attachment=True, filename=name, content_type=ZIP)


@never_cache
@login_required
def oneroster_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The form; once schools and year are chosen (a GET: the export writes nothing), the
    bundle."""
    staff = office_staff(request.user)
    if staff is None:
        raise Http404
    chosen = request.GET if "anno" in request.GET else None
    form = OneRosterExportForm(chosen, institute_id=staff.institute_id)
    if form.is_bound and form.is_valid():
        scope = Scope(
            institute_id=staff.institute_id,
            school_ids=tuple(sorted(school.pk for school in form.cleaned_data["scuole"])),
            school_year_id=form.cleaned_data["anno"].pk,
        )
        return bundle_response(scope)
    status = 400 if form.is_bound else 200
    return render(request, "interop/oneroster_export.html", {"form": form}, status=status)
