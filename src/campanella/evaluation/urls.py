"""Pages of the scrutinio under /scrutini/ (each module adds its own patterns below)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = []

# Proposals (evaluation.views_proposals)
from django.urls import path  # noqa: E402

from campanella.evaluation import views_proposals  # noqa: E402

urlpatterns += [
    path("<id:session_id>/proposte/", views_proposals.proposals_page, name="proposals"),
    path("<id:session_id>/proposte/salva/", views_proposals.proposals_save, name="proposals_save"),
    path(
        "<id:session_id>/proposte/leggi/",
        views_proposals.proposals_session_read,
        name="proposals_read",
    ),
    path("proposte/lettura/", views_proposals.proposals_bulk_read, name="proposals_bulk"),
]

# The class council: one page per step, the deliberations' votes, the documents.
from campanella.evaluation import views_council  # noqa: E402

urlpatterns += [
    path("<id:session_id>/consiglio/apertura/", views_council.opening, name="council_opening"),
    path(
        "<id:session_id>/consiglio/frequenza/",
        views_council.attendance,
        name="council_attendance",
    ),
    path("<id:session_id>/consiglio/voti/", views_council.marks, name="council_marks"),
    path("<id:session_id>/consiglio/condotta/", views_council.behaviour, name="council_behaviour"),
    path(
        "<id:session_id>/consiglio/educazione-civica/",
        views_council.civics,
        name="council_civics",
    ),
    path("<id:session_id>/consiglio/esiti/", views_council.outcomes, name="council_outcomes"),
    path("<id:session_id>/consiglio/crediti/", views_council.credits, name="council_credits"),
    path("<id:session_id>/consiglio/verbale/", views_council.minutes, name="council_minutes"),
    path("<id:session_id>/consiglio/delibera/", views_council.council_vote, name="council_vote"),
    path("<id:session_id>/documenti/", views_council.document_list, name="council_documents"),
    path(
        "<id:session_id>/documenti/<id:document_id>/",
        views_council.document_download,
        name="council_document",
    ),
]

# Sessions: the list, opening them, a session's overview and its steps, the lock, reopening.
from django.urls import path  # noqa: E402

from campanella.evaluation import views_sessions  # noqa: E402

urlpatterns += [
    path("", views_sessions.session_list, name="index"),
    path("apri/", views_sessions.session_create, name="create"),
    path("<id:session_id>/", views_sessions.session_detail, name="session"),
    path("<id:session_id>/avanti/", views_sessions.session_advance, name="advance"),
    path("<id:session_id>/indietro/", views_sessions.session_undo, name="undo"),
    path("<id:session_id>/chiusura/", views_sessions.session_lock_confirm, name="lock"),
    path("<id:session_id>/riapertura/", views_sessions.session_reopen_view, name="reopen"),
    path("<id:session_id>/rinvio/", views_sessions.session_defer_view, name="defer"),
]
