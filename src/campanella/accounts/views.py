"""Login, logout and the role-aware home page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from campanella.accounts.forms import LoginForm
from campanella.accounts.selectors import home_for_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = home_for_user(request.user, today=timezone.localdate())
    return render(request, "accounts/home.html", {"home": context})
