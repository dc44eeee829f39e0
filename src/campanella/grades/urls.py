from django.urls import path

from campanella.grades import views

app_name = "grades"
urlpatterns = [
    path("<int:classroom_id>/", views.class_overview, name="classroom"),
    path("<int:classroom_id>/<int:subject_id>/", views.grade_book, name="book"),
    path("<int:classroom_id>/<int:subject_id>/salva/", views.grade_book_save, name="book_save"),
    path(
        "<int:classroom_id>/<int:subject_id>/voti.xlsx",
        views.grade_book_export,
        name="book_export",
    ),
    path("alunno/<int:student_id>/", views.student_grades, name="student"),
    path("voto/<int:grade_id>/", views.grade_detail, name="detail"),
]
