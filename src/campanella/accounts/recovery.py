"""Password recovery that never reveals whether an account exists.

- By e-mail: the linked (verified) e-mail gets a single-use link valid 3 days.
- By username: the user picks one of the addresses the school has on file, shown masked; an
  unknown username gets stable made-up masks, so the page looks the same.
Otherwise the office resets the password and prints a new letter (see office.py).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from campanella.accounts import services
from campanella.accounts.backends import find_login
from campanella.accounts.forms import ChooseAddressForm, ChooseNewPasswordForm, IdentifierForm
from campanella.accounts.security import normalize_username, record
from campanella.accounts.tasks import send_mail
from campanella.people.models import AccessEvent, AccessEventKind, User

PENDING_USERNAME = "campanella-recovery-username"
REQUESTS_PER_HOUR = 5


def too_many_requests(username: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = AccessEvent.objects.filter(
        kind=AccessEventKind.RESET_REQUESTED, username__iexact=username, at__gte=since
    )
    return recent.count() >= REQUESTS_PER_HOUR


def send_recovery_link(request: HttpRequest, user: User, address: str) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(reverse("accounts:recover_confirm", args=[uid, token]))
    send_mail.enqueue(
        to=address,
        template="accounts/email/recovery",
        context={"username": user.username, "link": link, "days": 3},
    )


def request_from(
    request: HttpRequest, user: User | None, username: str, address: str | None
) -> None:
    """Trace the request; send only when the account exists, is active and not flooded."""
    flooded = too_many_requests(username)
    record(AccessEventKind.RESET_REQUESTED, request=request, user=user, username=username)
    if user is not None and user.is_active and address and not flooded:
        send_recovery_link(request, user, address)


@never_cache
def recover(request: HttpRequest) -> HttpResponse:
    form = IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        if "@" in identifier:
            user = find_login(identifier)
            linked = user is not None and (user.login_email or "").lower() == identifier.lower()
            request_from(request, user if linked else None, identifier.lower(), identifier)
            return redirect("accounts:recover_sent")
        request.session[PENDING_USERNAME] = normalize_username(identifier)
        return redirect("accounts:recover_choose")
    return render(request, "accounts/recover.html", {"form": form})


def masked_choices(username: str) -> tuple[User | None, list[str], list[tuple[str, str]]]:
    user = find_login(username)
    real = services.addresses_on_file(user) if user is not None and user.is_active else []
    shown = [services.mask_email(address) for address in real] or services.decoy_addresses(username)
    return user, real, [(str(index), mask) for index, mask in enumerate(shown)]


@never_cache
def recover_choose(request: HttpRequest) -> HttpResponse:
    username = request.session.get(PENDING_USERNAME)
    if not username:
        return redirect("accounts:recover")
    user, real, choices = masked_choices(username)
    form = ChooseAddressForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        index = int(form.cleaned_data["address"])
        address = real[index] if index < len(real) else None
        request_from(request, user, username, address)
        del request.session[PENDING_USERNAME]
        return redirect("accounts:recover_sent")
    return render(request, "accounts/recover_choose.html", {"form": form, "username": username})


def recover_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/recover_sent.html")


class RecoverConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/recover_confirm.html"
    form_class = ChooseNewPasswordForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.password_changed(request=self.request, user=form.user, via_link=True)
        messages.success(self.request, _("Password impostata: ora puoi accedere."))
        return response
