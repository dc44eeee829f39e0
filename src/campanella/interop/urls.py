from django.urls import path, re_path

from campanella.interop import views, views_jobs, views_keys, views_nightly, views_results
from campanella.interop.oneroster import importing_views as oneroster_import_views
from campanella.interop.oneroster import views as oneroster_views

app_name = "interop"
KIND = r"(?P<kind>alunni|personale|cattedre|voti|assenze)"

urlpatterns = [
    path("", views.index, name="index"),
    path("esporta/assenze/", views.attendance_export, name="attendance_export"),
    path("esporta/esiti/", views_results.results_export, name="results_export"),
    path("assenze/intervallo/", views_jobs.attendance_range, name="attendance_range"),
    path("lotti/<id:pk>/avvia/", views_jobs.job_create, name="job_create"),
    path("lavori/<id:pk>/", views_jobs.job_detail, name="job"),
    path("lavori/<id:pk>/annulla/", views_jobs.job_cancel, name="job_cancel"),
    path("esporta/oneroster/", oneroster_views.oneroster_export, name="oneroster_export"),
    path("oneroster/", oneroster_import_views.oneroster_import, name="oneroster_import"),
    path("notturno/", views_nightly.nightly, name="nightly"),
    path("notturno/<id:pk>/", views_nightly.nightly_file, name="nightly_file"),
    path("chiavi/", views_keys.api_keys, name="api_keys"),
    path("chiavi/<id:pk>/revoca/", views_keys.api_key_revoke_view, name="api_key_revoke"),
    re_path(rf"^{KIND}/$", views.upload, name="upload"),
    re_path(
        rf"^{KIND}/modello\.(?P<extension>csv|xlsx)$", views.template_download, name="template"
    ),
    path("lotti/<id:pk>/", views.preview, name="preview"),
    path("lotti/<id:pk>/applica/", views.apply, name="apply"),
    path("lotti/<id:pk>/esito/", views.result, name="result"),
]
