from django.urls import path

from campanella.people import office, views

app_name = "people"
urlpatterns = [
    path("classi/", views.classroom_list, name="classroom_list"),
    path("classi/<id:pk>/", views.classroom_detail, name="classroom_detail"),
    path("classi/<id:pk>/docenti/", views.classroom_teacher_list, name="classroom_teachers"),
    path("alunni/<id:pk>/", views.student_detail, name="student_detail"),
    path("segreteria/alunni/<id:pk>/", office.student, name="office_student"),
    path("segreteria/alunni/<id:pk>/ritiro/", office.withdraw, name="office_withdraw"),
    path("segreteria/alunni/<id:pk>/trasferimento/", office.transfer, name="office_transfer"),
    path("segreteria/alunni/<id:pk>/cambio-classe/", office.move, name="office_move"),
    path(
        "segreteria/alunni/<id:pk>/genitori/aggiungi/",
        office.guardian_add,
        name="office_guardian_add",
    ),
    path(
        "segreteria/alunni/<id:pk>/genitori/<id:link>/scollega/",
        office.guardian_remove,
        name="office_guardian_remove",
    ),
    path("segreteria/calendario/", office.calendar, name="office_calendar"),
    path(
        "segreteria/calendario/patrono/", office.calendar_province, name="office_calendar_province"
    ),
    path(
        "segreteria/calendario/chiusura/", office.calendar_closure, name="office_calendar_closure"
    ),
]
