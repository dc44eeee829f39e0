from django.urls import path

from campanella.people import views

app_name = "people"
urlpatterns = [
    path("classi/", views.classroom_list, name="classroom_list"),
    path("classi/<int:pk>/", views.classroom_detail, name="classroom_detail"),
    path("alunni/<int:pk>/", views.student_detail, name="student_detail"),
]
