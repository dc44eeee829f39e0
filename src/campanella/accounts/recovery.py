"""Password recovery that never reveals whether an account exists.

- By e-mail: the logins that address belongs to (a linked e-mail, or the address the school has
  on file for a guardian or a staff member; accounts/mailing.py) get one mail listing each of
  them with its own single-use link, valid 3 days. The request only enqueues the job, for any
  address typed: the page, and the work done while answering, are the same whatever the address.
- By username: the user picks one of the addresses the school has on file, shown masked; an
  unknown username gets stable made-up masks, so the page looks the same.
Requests are throttled per name or address typed and per client address. Otherwise the office
resets the password and prints a new letter (see office.py).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from campanella.accounts import services
from campanella.accounts.backends import find_login
from campanella.accounts.forms import ChooseAddressForm, ChooseNewPasswordForm, IdentifierForm
from campanella.accounts.security import client_ip, normalize_username, record
from campanella.accounts.tasks import recover_account, recover_by_address
from campanella.accounts.tokens import recovery_tokens
from campanella.people.models import AccessEvent, AccessEventKind, User

PENDING_USERNAME = "campanella-recovery-username"
REQUESTS_PER_HOUR = 5
# A family office or a school's shared connection may ask for several families; beyond this
# one client address is guessing.
REQUESTS_PER_HOUR_FROM_ONE_CLIENT = 30


def too_many_requests(request: HttpRequest, identifier: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = AccessEvent.objects.filter(kind=AccessEventKind.RESET_REQUESTED, at__gte=since)
    if recent.filter(username__iexact=identifier).count() >= REQUESTS_PER_HOUR:
        return True
    ip = client_ip(request)
    return ip is not None and (
        recent.filter(ip_address=ip).count() >= REQUESTS_PER_HOUR_FROM_ONE_CLIENT
    )


def site_of(request: HttpRequest) -> str:
    """Scheme and host the links in the mail start with (the host is one of ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/").rstrip("/")


def request_by_address(request: HttpRequest, address: str) -> None:
    """Trace the request and hand the address to the job, whether or not it belongs to anyone."""
    flooded = too_many_requests(request, address)
    record(AccessEventKind.RESET_REQUESTED, request=request, username=address)
    if not flooded:
        recover_by_address.enqueue(address=address, site=site_of(request))


def request_for_username(
    request: HttpRequest, user: User | None, username: str, address: str | None
) -> None:
    """Trace the request; the job mails only an active account's own address, if not flooded."""
    flooded = too_many_requests(request, username)
    record(AccessEventKind.RESET_REQUESTED, request=request, user=user, username=username)
    if flooded:
        return
    eligible = user is not None and user.is_active and address
    recover_account.enqueue(
        user_id=user.pk if eligible and user is not None else None,
        address=address or "",
        site=site_of(request),
    )


@never_cache
def recover(request: HttpRequest) -> HttpResponse:
    form = IdentifierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        if "@" in identifier:
            request_by_address(request, identifier.lower())
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
        request_for_username(request, user, username, address)
        del request.session[PENDING_USERNAME]
        return redirect("accounts:recover_sent")
    return render(request, "accounts/recover_choose.html", {"form": form, "username": username})


def recover_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/recover_sent.html")


class RecoverConfirmView(auth_views.PasswordResetConfirmView):
    """The link's page: a new password, once. The login is locked and the link re-checked
    inside the transaction that saves, so of two parallel submissions only one succeeds."""

    template_name = "accounts/recover_confirm.html"
    form_class = ChooseNewPasswordForm
    success_url = reverse_lazy("accounts:login")
    token_generator = recovery_tokens

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        session_token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN, "")
        hashed = make_password(form.cleaned_data["new_password1"])  # slow: outside the lock
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=self.user.pk, is_active=True).first()
            if user is None or not self.token_generator.check_token(user, session_token):
                return self.link_spent()
            user.password = hashed
            user.save(update_fields=["password"])
            services.password_changed(request=self.request, user=user, via_link=True)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Password impostata: ora puoi accedere."))
        return HttpResponseRedirect(self.get_success_url())

    def link_spent(self) -> HttpResponse:
        self.validlink = False
        return self.render_to_response(self.get_context_data(), status=400)
