"""Pages of the scrutinio under /scrutini/ (each module adds its own patterns below)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = []
