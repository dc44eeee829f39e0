from django.urls import path

from campanella.grades import views

app_name = "grades"
urlpatterns = [
    path("<id:classroom_id>/", views.class_overview, name="classroom"),
    path("<id:classroom_id>/<id:subject_id>/", views.grade_book, name="book"),
    path("<id:classroom_id>/<id:subject_id>/salva/", views.grade_book_save, name="book_save"),
    path(
        "<id:classroom_id>/<id:subject_id>/voti.xlsx",
        views.grade_book_export,
        name="book_export",
    ),
    path("alunno/<id:student_id>/", views.student_grades, name="student"),
    path("voto/<id:grade_id>/", views.grade_detail, name="detail"),
]
