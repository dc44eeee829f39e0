"""The refused-form page (CSRF): Django's own is in English and outside the site's look."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason is for developers (it is logged by Django); the visitor gets what to do next.
    return render(request, "403_csrf.html", status=403)
