"""What a logged-in user must do before using the register: change a temporary password, and
(when the institute requires it for their role) turn on the two-step verification."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from campanella.people.models import User
from campanella.people.roles import roles_for_user


def totp_required(user: User) -> bool:
    """The institute requires the two-step verification of this office or principal login
    (read with the user's roles, no query of its own: people.roles.roles_query)."""
    return roles_for_user(user).totp_required


ALWAYS_ALLOWED = ("/static/", "/api/", "/esci/")


class AccessPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(ALWAYS_ALLOWED):
            assert isinstance(user, User)
            target = self.required_step(user)
            if target is not None and request.path != target:
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def required_step(user: User) -> str | None:
        if user.must_change_password:
            return reverse("accounts:password_change")
        if not user.totp_confirmed and totp_required(user):
            return reverse("accounts:totp_setup")
        return None
