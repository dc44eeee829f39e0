from django.urls import path

from campanella.people import views

app_name = "people"
urlpatterns = [
    path("classi/", views.classroom_list, name="classroom_list"),
    path("classi/<id:pk>/", views.classroom_detail, name="classroom_detail"),
    path("classi/<id:pk>/docenti/", views.classroom_teacher_list, name="classroom_teachers"),
    path("alunni/<id:pk>/", views.student_detail, name="student_detail"),
]
