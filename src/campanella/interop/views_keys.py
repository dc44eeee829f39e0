"""The office's API keys for the back-office (interop.keys): list, create (shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from campanella.interop.forms import ApiKeyForm
from campanella.interop.keys import KeyRefused, api_key_create, api_key_revoke, keys_of
from campanella.interop.models import ApiKey
from campanella.interop.rules import office_or_404


@never_cache
@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    staff = office_or_404(request.user)
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    created: str | None = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                _key, created = api_key_create(
                    user=request.user,
                    institute_id=staff.institute_id,
                    name=form.cleaned_data["nome"],
                    scopes=form.cleaned_data["permessi"],
                )
            except KeyRefused as refused:
                form.add_error(None, refused.message)
        if created is None:
            status = 400
        else:
            form = ApiKeyForm()
    context = {"form": form, "keys": keys_of(staff.institute_id), "created": created}
    return render(request, "interop/api_keys.html", context, status=status)


@require_POST
@login_required
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff = office_or_404(request.user)
    key = get_object_or_404(ApiKey, pk=pk, institute_id=staff.institute_id)
    api_key_revoke(user=request.user, key=key)
    messages.success(request, _("Chiave «%(name)s» revocata.") % {"name": key.name})
    return redirect("interop:api_keys")
