from django.urls import path

from campanella.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("accedi/", views.LoginView.as_view(), name="login"),
    path("esci/", views.LogoutView.as_view(), name="logout"),
]
