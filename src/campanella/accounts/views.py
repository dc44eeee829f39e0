"""Login, 2-step code, logout, home, password change, profile (e-mail, portfolio, 2-step)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from campanella.accounts import services, totp
from campanella.accounts.forms import (
    ChangePasswordForm,
    EmailLinkForm,
    LoginForm,
    PasswordConfirmForm,
    TotpForm,
)
from campanella.accounts.login import LoginRefused, code_attempt, login_succeeded
from campanella.accounts.mailing import school_name
from campanella.accounts.offline import offline_copy_allowed
from campanella.accounts.oidc.gateways import login_gateways
from campanella.accounts.oidc.views import gateway_logout_url
from campanella.accounts.policy import totp_required
from campanella.accounts.portfolio import children_choices, page_for_child, set_current_child
from campanella.accounts.selectors import home_for_user
from campanella.accounts.tasks import send_mail
from campanella.accounts.whats_new import home_visit_record
from campanella.comms.notices.selectors import unread_for_home
from campanella.lib.ids import parse_id
from campanella.people.models import User
from campanella.people.redirects import same_site

PENDING_TOTP = "campanella-pending-totp"
PENDING_SECRET = "campanella-totp-secret"  # noqa: S105 - a session key name
PENDING_MERGE = "campanella-pending-merge"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "gateways": login_gateways()}

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if user.totp_confirmed:
            # Password right; the session is opened only after the code.
            self.request.session[PENDING_TOTP] = {"user": user.pk, "next": self.get_success_url()}
            return redirect("accounts:login_code")
        response = super().form_valid(form)
        login_succeeded(self.request, user)
        return response


@sensitive_post_parameters()
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_TOTP)
    if not pending:
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        raise Http404
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            code_attempt(request, user, form.cleaned_data["code"])
        except LoginRefused as refused:
            if refused.code == "locked":
                # Locked: this half-open login is over; the next try starts from the password.
                del request.session[PENDING_TOTP]
            form.add_error("code", refused.message)
        else:
            del request.session[PENDING_TOTP]
            auth_login(request, user, backend="campanella.accounts.backends.UsernameOrEmailBackend")
            login_succeeded(request, user, detail="con codice di verifica")
            return HttpResponseRedirect(pending["next"])
    return render(request, "accounts/login_code.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A session opened through SPID/CIE ends at the gateway too (read before the flush).
        at_gateway = gateway_logout_url(request)
        response = super().post(request, *args, **kwargs)
        if at_gateway:
            response = HttpResponseRedirect(at_gateway)
        # The browser's own HTTP cache too; the service worker drops its offline copies when
        # it sees the login page that follows (accounts/offline.py), after the gateway's.
        response["Clear-Site-Data"] = '"cache"'
        return response


@offline_copy_allowed
@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    since, first_visit = home_visit_record(request.user, timezone.now())
    context = home_for_user(
        request.user, today=timezone.localdate(), since=since, first_visit=first_visit
    )
    notices = unread_for_home(request.user)
    return render(request, "accounts/home.html", {"home": context, "home_notices": notices})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(request=self.request, user=form.user)
        messages.success(self.request, _("Password cambiata."))
        return response


@require_POST
@login_required
def switch_child(request: HttpRequest) -> HttpResponse:
    """Make another child current and show the same page for them (portfolio.page_for_child)."""
    chosen = parse_id(request.POST.get("student", ""))
    child = set_current_child(request, chosen) if chosen is not None else None
    if child is None:
        raise Http404
    shown = same_site(request, request.POST.get("next"), reverse("accounts:home"))
    return redirect(page_for_child(shown, child))


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/profile.html",
        {
            "email_form": EmailLinkForm(),
            "children": children_choices(request),
            "addresses": services.addresses_on_file(user),
        },
    )


@require_POST
@login_required
def email_link_request(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = EmailLinkForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/profile.html",
            {"email_form": form, "children": children_choices(request)},
        )
    email = form.cleaned_data["email"]
    link = request.build_absolute_uri(
        reverse("accounts:email_confirm", args=[services.email_link_token(user, email)])
    )
    send_mail.enqueue(
        to=email,
        template="accounts/email/verify_email",
        context={"username": user.username, "link": link, "days": 3},
        school=school_name(user),
    )
    messages.info(
        request,
        _("Ti abbiamo inviato un messaggio a %(email)s: apri il collegamento entro 3 giorni.")
        % {"email": email},
    )
    return redirect("accounts:profile")


@never_cache
@login_required
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Opened from the e-mail, logged in as the login that asked (the login page comes first)."""
    try:
        check = services.email_link_check(token, opened_by=request.user)
    except services.EmailLinkInvalid:
        return render(request, "accounts/link_invalid.html", status=400)
    if check.user.login_email == check.email:
        messages.info(request, _("Questo indirizzo è già collegato al tuo accesso."))
        return redirect("accounts:profile")
    if check.holder is None:
        try:
            services.email_link_confirm(request=request, check=check)
        except services.EmailLinkInvalid:
            return render(request, "accounts/link_invalid.html", status=400)
        messages.success(
            request,
            _("Indirizzo verificato: da ora puoi accedere anche con %(email)s.")
            % {"email": check.email},
        )
        return redirect("accounts:profile")
    # The address already opens another account: joining them needs that account's password.
    request.session[PENDING_MERGE] = token
    return redirect("accounts:merge")


@sensitive_post_parameters()
@never_cache
@login_required
def merge(request: HttpRequest) -> HttpResponse:
    token = request.session.get(PENDING_MERGE)
    if not token:
        raise Http404
    try:
        check = services.email_link_check(token, opened_by=request.user)
    except services.EmailLinkInvalid:
        return render(request, "accounts/link_invalid.html", status=400)
    if check.holder is None:
        raise Http404
    allowed = services.can_be_absorbed(check.user)
    holder_name = services.person_name(check.holder)
    form = PasswordConfirmForm(request.POST or None, login=check.holder.username)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            kept = services.accounts_merge(
                request=request, check=check, password=form.cleaned_data["password"]
            )
        except services.MergeRefused as refused:
            form.add_error("password", str(refused))
        else:
            del request.session[PENDING_MERGE]
            auth_login(request, kept, backend="campanella.accounts.backends.UsernameOrEmailBackend")
            messages.success(
                request, _("Accessi uniti: ora vedi tutti i tuoi figli con un solo accesso.")
            )
            return redirect("accounts:home")
    context: dict[str, Any] = {
        "form": form,
        "email": check.email,
        "absorbed": check.user.username,
        "holder": check.holder.username,
        "holder_name": holder_name,
        "allowed": allowed,
    }
    return render(request, "accounts/merge.html", context)


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(request=request, user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Hai chiuso l'accesso su tutti gli altri dispositivi."))
    return redirect("accounts:profile")


@sensitive_post_parameters()
@never_cache
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.totp_confirmed:
        return redirect("accounts:profile")
    secret = request.session.get(PENDING_SECRET) or totp.new_secret()
    request.session[PENDING_SECRET] = secret
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_enable(
            request=request, user=user, secret=secret, code=form.cleaned_data["code"]
        ):
            del request.session[PENDING_SECRET]
            messages.success(request, _("Verifica in due passaggi attivata."))
            return redirect("accounts:profile")
        form.add_error("code", _("Codice non valido: controlla l'ora del telefono e riprova."))
    uri = totp.provisioning_uri(user, secret)
    context = {"form": form, "qr": totp.qr_data_uri(uri), "secret": totp.spaced(secret)}
    return render(request, "accounts/totp_setup.html", context)


@require_POST
@login_required
def totp_off(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if totp_required(user):
        messages.error(request, _("Per il tuo ruolo la verifica in due passaggi è obbligatoria."))
    else:
        services.totp_disable(request=request, user=user)
        messages.success(request, _("Verifica in due passaggi disattivata."))
    return redirect("accounts:profile")
