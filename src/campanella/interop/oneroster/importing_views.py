"""The office uploads a OneRoster 1.2 roster bundle (.zip): the preview, the confirmation and
the result are the pages of every import (interop.views), the batch being an ImportBatch of
kind `oneroster`."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from campanella.interop.limits import MAX_UPLOAD_BYTES, upload_too_big
from campanella.interop.models import ImportKind
from campanella.interop.rules import office_or_404
from campanella.interop.services import import_upload
from campanella.people.models import User

ACCEPTED = ".zip,application/zip,application/x-zip-compressed"


class BundleUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Archivio OneRoster 1.2 (.zip)"),
        help_text=_(
            "L'archivio con manifest.csv e i file CSV dell'anagrafica (orgs.csv, "
            "academicSessions.csv, courses.csv, classes.csv, users.csv, roles.csv, "
            "enrollments.csv). Al massimo 10 MB."
        ),
        error_messages={
            "required": _("Scegliere l'archivio da importare."),
            "empty": _("Il file è vuoto."),
        },
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(str(upload_too_big()))
        return upload


@never_cache
@login_required
def oneroster_import(request: HttpRequest) -> HttpResponse:
    staff = office_or_404(request.user)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    bound = request.method == "POST"
    form = BundleUploadForm(request.POST, request.FILES) if bound else BundleUploadForm()
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        batch, _plan = import_upload(
            institute_id=staff.institute_id, user=cast(User, request.user),
            kind=ImportKind.ONEROSTER, file_name=uploaded.name or "oneroster.zip",
            content=uploaded.read(),
        )  # fmt: skip
        return redirect("interop:preview", pk=batch.pk)
    context = {"form": form, "accept": ACCEPTED}
    return render(request, "interop/oneroster_import.html", context)
