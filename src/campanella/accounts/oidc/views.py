"""Log in with SPID/CIE: send to the gateway, come back, open the session like the password
login does; the office's gateway pages."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from campanella.accounts.login import access_ended_on, ended_message, login_succeeded
from campanella.accounts.models import IdentityGateway
from campanella.accounts.office import office_institute
from campanella.accounts.oidc import protocol
from campanella.accounts.oidc.forms import GatewayForm
from campanella.accounts.oidc.gateways import gateway_save, gateways_of, public_jwks
from campanella.accounts.oidc.matching import MatchOutcome, login_for_fiscal_code
from campanella.accounts.oidc.middleware import OIDC_LOGIN
from campanella.accounts.oidc.protocol import GatewayError, PendingLogin
from campanella.accounts.security import client_ip, user_agent
from campanella.people.models import AccessEvent, AccessEventKind, User
from campanella.people.redirects import same_site

PENDING_OIDC = "campanella-pending-oidc"
# OIDC_LOGIN: the gateway, the ID token and the gateway's logout origin of a session opened
# through it: logging out ends it there too.
BACKEND = "campanella.accounts.backends.UsernameOrEmailBackend"


def trace(
    request: HttpRequest,
    kind: str,
    detail: str,
    *,
    gateway: IdentityGateway | None = None,
    user: User | None = None,
) -> None:
    """An access event the gateway's institute reads (tokens and secrets are never traced)."""
    AccessEvent.objects.create(
        kind=kind,
        user=user,
        username=user.username if user is not None else "",
        institute_id=gateway.institute_id if gateway is not None else None,
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        detail=detail[:300],
    )


def gateway_label(gateway: IdentityGateway | None) -> str:
    return f"{gateway.get_kind_display()} ({gateway.name})" if gateway is not None else "SPID/CIE"


def refused(
    request: HttpRequest, title: str, message: str, *, status: int, gateway: Any = None
) -> HttpResponse:
    context = {"title": title, "message": message, "gateway": gateway}
    return render(request, "accounts/spid_refused.html", context, status=status)


@never_cache
def spid_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the browser to the gateway with a new state, nonce and PKCE challenge."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    gateway = get_object_or_404(IdentityGateway, pk=pk, enabled=True)
    next_url = same_site(request, request.GET.get("next"), reverse("accounts:home"))
    callback = request.build_absolute_uri(reverse("accounts:spid_callback"))
    try:
        url, pending = protocol.authorization_request(gateway, callback, next_url)
    except GatewayError as error:
        trace(
            request,
            AccessEventKind.LOGIN_FAILED,
            f"{gateway_label(gateway)}: {error.reason}",
            gateway=gateway,
        )
        return refused(
            request,
            _("Servizio non raggiungibile"),
            _(
                "Il servizio di accesso non risponde. Riprova tra qualche minuto oppure accedi "
                "con nome utente e password."
            ),
            status=503,
        )
    request.session[PENDING_OIDC] = pending.as_session()
    return redirect(url)


def _protocol_refused(
    request: HttpRequest, reason: str, gateway: IdentityGateway | None = None
) -> HttpResponse:
    trace(
        request,
        AccessEventKind.LOGIN_FAILED,
        f"{gateway_label(gateway)}: {reason}",
        gateway=gateway,
    )
    return refused(
        request,
        _("Accesso non riuscito"),
        _(
            "L'accesso non è stato completato o non è più valido. Torna alla pagina di accesso "
            "e riprova."
        ),
        status=400,
    )


@never_cache
def spid_callback(request: HttpRequest) -> HttpResponse:
    """The gateway's answer: check state, exchange the code, verify the ID token, find the
    person by codice fiscale in the gateway's institute, open the session."""
    pending = PendingLogin.from_session(request.session.pop(PENDING_OIDC, None))
    if pending is None:
        return _protocol_refused(request, "ritorno senza un accesso in corso")
    gateway = IdentityGateway.objects.filter(pk=pending.gateway_id, enabled=True).first()
    if gateway is None:
        return _protocol_refused(request, "servizio disattivato durante l'accesso")
    state = request.GET.get("state", "")
    if not secrets.compare_digest(state.encode(), pending.state.encode()):
        return _protocol_refused(request, "parametro state non corrispondente", gateway)
    if pending.expired:
        return _protocol_refused(request, "accesso iniziato da troppo tempo", gateway)
    if request.GET.get("error") or not request.GET.get("code"):
        reason = request.GET.get("error", "nessun codice")[:60]
        return _protocol_refused(request, f"il servizio ha risposto {reason}", gateway)
    try:
        token = protocol.exchange_code(gateway, pending, request.GET["code"])
        id_claims = protocol.verified_claims(gateway, token, pending.nonce)
        claims = protocol.identity_claims(gateway, token, id_claims)
        codice_fiscale = protocol.fiscal_code(gateway, claims)
    except GatewayError as error:
        return _protocol_refused(request, error.reason, gateway)
    return _open_session(request, gateway, pending, codice_fiscale, str(token["id_token"]))


def _open_session(
    request: HttpRequest,
    gateway: IdentityGateway,
    pending: PendingLogin,
    codice_fiscale: str,
    id_token: str,
) -> HttpResponse:
    match = login_for_fiscal_code(gateway, codice_fiscale, timezone.localdate())
    label = gateway_label(gateway)
    if match.outcome is MatchOutcome.UNKNOWN:
        trace(
            request,
            AccessEventKind.LOGIN_FAILED,
            f"{label}: codice fiscale {codice_fiscale} non trovato",
            gateway=gateway,
        )
        return refused(
            request,
            _("Nessun accesso con questo codice fiscale"),
            _(
                "La scuola non ha un accesso al registro collegato al tuo codice fiscale. "
                "Rivolgiti alla segreteria: controllerà i tuoi dati."
            ),
            status=403,
            gateway=gateway,
        )
    if match.outcome is MatchOutcome.AMBIGUOUS:
        trace(
            request,
            AccessEventKind.LOGIN_FAILED,
            f"{label}: codice fiscale {codice_fiscale} di più accessi",
            gateway=gateway,
        )
        return refused(
            request,
            _("Più accessi con questo codice fiscale"),
            _(
                "Il tuo codice fiscale è collegato a più accessi al registro, quindi non sappiamo "
                "quale aprire. Rivolgiti alla segreteria, che li unirà; intanto puoi accedere con "
                "nome utente e password."
            ),
            status=403,
            gateway=gateway,
        )
    user = match.user
    assert user is not None
    if match.outcome is MatchOutcome.ROLE_REFUSED:
        trace(
            request,
            AccessEventKind.LOGIN_FAILED,
            # Named in the detail, not as the event's login: a refusal here is no guess at
            # its password and must not count into its lock-out.
            f"{label}: ruolo non ammesso per {user.username}",
            gateway=gateway,
        )
        return refused(
            request,
            _("Accesso non consentito con questo servizio"),
            _(
                "La scuola non consente a chi ha il tuo ruolo di accedere con questo servizio. "
                "Accedi con nome utente e password."
            ),
            status=403,
            gateway=gateway,
        )
    if not user.is_active:
        trace(request, AccessEventKind.ACCESS_ENDED_LOGIN, label, gateway=gateway, user=user)
        return refused(
            request,
            _("Accesso terminato"),
            ended_message(access_ended_on(user)),
            status=403,
            gateway=gateway,
        )
    # The same start as the password login: a new session key, the same trace. No two-step
    # code: SPID level 2 and CIE already are two-factor (docs/decisions.md).
    auth_login(request, user, backend=BACKEND)
    login_succeeded(request, user, detail=f"con {label}")
    request.session[OIDC_LOGIN] = {
        "gateway": gateway.pk,
        "id_token": id_token,
        "logout_origin": protocol.logout_origin(gateway),
    }
    return redirect(pending.next)


def gateway_logout_url(request: HttpRequest) -> str | None:
    """Where to end a session opened through a gateway, at the gateway (read before logout)."""
    login = request.session.get(OIDC_LOGIN)
    if not isinstance(login, dict):
        return None
    gateway = IdentityGateway.objects.filter(pk=int(login.get("gateway") or 0)).first()
    if gateway is None:
        return None
    back = request.build_absolute_uri(reverse("accounts:login"))
    return protocol.logout_url(gateway, str(login.get("id_token", "")), back)


@never_cache
@login_required
def office_gateways(request: HttpRequest) -> HttpResponse:
    """The institute's gateways, and the form to add one."""
    institute = office_institute(request)
    form = GatewayForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            gateway = form.save(commit=False)
            gateway.institute = institute
            gateway_save(
                actor=request.user,
                gateway=gateway,
                client_secret=form.cleaned_data["client_secret"],
                private_key=form.cleaned_data["private_key"],
            )
            messages.success(request, _("Servizio «%(name)s» aggiunto.") % {"name": gateway.name})
            return redirect("accounts:office_gateway", pk=gateway.pk)
    context = {
        "gateways": gateways_of(institute.pk),
        "form": form,
        "callback": request.build_absolute_uri(reverse("accounts:spid_callback")),
        "logout_back": request.build_absolute_uri(reverse("accounts:login")),
    }
    return render(
        request, "accounts/office/gateways.html", context, status=400 if form.errors else 200
    )


@never_cache
@login_required
def office_gateway(request: HttpRequest, pk: int) -> HttpResponse:
    institute = office_institute(request)
    gateway = get_object_or_404(IdentityGateway, pk=pk, institute=institute)
    form = GatewayForm(request.POST or None, instance=gateway)
    if request.method == "POST" and form.is_valid():
        gateway_save(
            actor=request.user,
            gateway=form.save(commit=False),
            client_secret=form.cleaned_data["client_secret"],
            private_key=form.cleaned_data["private_key"],
        )
        messages.success(request, _("Servizio «%(name)s» salvato.") % {"name": gateway.name})
        return redirect("accounts:office_gateway", pk=gateway.pk)
    context = {
        "gateway": gateway,
        "form": form,
        "jwks": public_jwks(gateway),
        "callback": request.build_absolute_uri(reverse("accounts:spid_callback")),
        "logout_back": request.build_absolute_uri(reverse("accounts:login")),
    }
    return render(
        request, "accounts/office/gateway.html", context, status=400 if form.errors else 200
    )
