from django.urls import path, register_converter

from campanella.register import history_views, views


class IsoDate:
    """Days in URLs as 2026-11-23 (kept as text; the view parses and refuses bad dates)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IsoDate, "isodate")

app_name = "register"
DAY = "<id:pk>/<isodate:day>/"
urlpatterns = [
    path("", views.today, name="today"),
    path("storico/", history_views.history, name="history"),
    path(
        "storico/<slug:kind>/<id:pk>/",
        history_views.record_history_page,
        name="record_history",
    ),
    path(DAY, views.class_day, name="class_day"),
    path(f"{DAY}firma/", views.sign, name="sign"),
    path(f"{DAY}appello/", views.roll_call, name="roll_call"),
    path(f"{DAY}ritardo/", views.late, name="late"),
    path(f"{DAY}uscita/", views.early_exit, name="early_exit"),
    path(f"{DAY}nota/", views.note, name="note"),
    path(f"{DAY}agenda/", views.agenda, name="agenda"),
    path(f"{DAY}assenza-oraria/", views.hour_absence, name="hour_absence"),
    path(f"{DAY}fuori-classe/", views.off_site, name="off_site"),
    path(f"{DAY}annotazione/", views.annotation, name="annotation"),
    path("<id:pk>/note/<id:note_id>/provvedimento/", views.measure, name="measure"),
    path("<id:pk>/deroghe/", views.waiver, name="waiver"),
    path("<id:pk>/annulla/<str:kind>/<id:event_id>/", views.cancel_event, name="cancel_event"),
    path("<id:pk>/note/<id:note_id>/annulla/", views.note_cancel, name="note_cancel"),
    path(
        "<id:pk>/giustificazioni/<id:justification_id>/",
        views.decide,
        name="decide",
    ),
    path("<id:pk>/assenze/", views.attendance, name="attendance"),
    path("alunno/<id:pk>/", views.student_register, name="student"),
    path("alunno/<id:pk>/giustifica/", views.justify, name="justify"),
    path(
        "<id:pk>/annotazioni/<id:annotation_id>/annulla/",
        views.annotation_cancel,
        name="annotation_cancel",
    ),
    path(
        "alunno/<id:pk>/giustificazioni/<id:justification_id>/modifica/",
        views.justification_edit,
        name="justification_edit",
    ),
    path(
        "alunno/<id:pk>/giustificazioni/<id:justification_id>/ritira/",
        views.justification_withdraw,
        name="justification_withdraw",
    ),
]
