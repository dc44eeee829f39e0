from __future__ import annotations

from typing import Any

import pyotp
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from campanella.accounts import security
from campanella.accounts.models import ApiToken, GatewayKind, IdentityGateway
from campanella.accounts.models import LoginSession as Session
from campanella.accounts.oidc.gateways import gateway_save
from campanella.accounts.tokens import recovery_tokens
from campanella.accounts.views import PENDING_SECRET
from campanella.people.credentials import IssuePlan, credential_batch_create
from campanella.people.models import (
    AccessEvent,
    AccessEventKind,
    CredentialBatch,
    Guardian,
    Student,
    User,
)
from tests.conftest import PASSWORD, Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)


def nothing(cast: object) -> dict[str, object]:
    return {}


def a_batch(c: Cast) -> dict[str, object]:
    """A real credential batch of the cast's office (its institute A)."""
    batch = credential_batch_create(
        actor=c.office,
        institute=c.institute,
        plan=IssuePlan(student_ids=[c.child.pk]),
        description="Credenziali 1A",
        login_url="http://testserver/accedi/",
    )
    return {"pk": batch.pk}


def a_gateway(c: Cast) -> IdentityGateway:
    """A real SPID gateway of the cast's institute A (its issuer is not reached: nothing listens
    on the discard port of this machine)."""
    gateway = IdentityGateway(
        institute=c.institute,
        kind=GatewayKind.SPID,
        name="Gateway di A",
        issuer="http://127.0.0.1:9",
        client_id="campanella-a",
    )
    return gateway_save(actor=c.office, gateway=gateway, client_secret="segreto-di-a")


def gateway_body(name: str) -> dict[str, str]:
    return {
        "kind": "spid",
        "name": name,
        "issuer": "https://gateway.example/oidc",
        "client_id": "campanella",
        "client_auth": "client_secret_basic",
        "client_secret": "un-segreto",
        "scopes": "openid profile",
        "fiscal_number_claim": "fiscalNumber",
        "allow_guardians": "on",
        "allow_staff": "on",
        "enabled": "on",
    }


def guardian_uid(c: Cast) -> str:
    return urlsafe_base64_encode(force_bytes(c.guardian.pk))


PAGES: PageTable = {
    "accounts:home": (nothing, 200, 302),  # their own (empty) home
    "accounts:login": (nothing, 302, 200),
    "accounts:login_code": (nothing, 302, 302),  # no password step pending
    # Logged in: sent home; anonymous: to the gateway, here unreachable (the page says so).
    "accounts:spid_start": (lambda c: {"pk": a_gateway(c).pk}, 302, 503),
    "accounts:spid_callback": (nothing, 400, 400),  # no SPID login started in this session
    "accounts:logout": (posted, 302, 302),  # ends only one's own session (PAGE_WRITES)
    "accounts:password_change": (nothing, 200, 302),  # one's own password
    "accounts:switch_child": (posted, 404, 302),  # another family's child
    "accounts:profile": (nothing, 200, 302),  # one's own profile
    "accounts:email_link": (nothing, 405, 405),  # POST only, one's own login: SELF_SERVICE
    "accounts:email_confirm": (lambda c: {"token": "forged"}, 400, 302),  # logged in first
    "accounts:merge": (nothing, 404, 302),  # nothing pending in this session
    "accounts:logout_everywhere": (posted, 302, 302),  # one's own other sessions only
    "accounts:totp_setup": (nothing, 200, 302),  # one's own 2-step setup
    "accounts:totp_off": (posted, 302, 302),  # one's own 2-step only
    "accounts:recover": (nothing, 200, 200),  # public by nature
    "accounts:recover_choose": (nothing, 302, 302),  # no username given yet
    "accounts:recover_sent": (nothing, 200, 200),
    "accounts:recover_confirm": (
        lambda c: {"uidb64": guardian_uid(c), "token": "forged"},
        200,
        200,
    ),
    "accounts:office_credentials": (nothing, 404, 302),
    "accounts:office_issue_classroom": (posted, 404, 302),
    "accounts:office_issue_new": (posted, 404, 302),
    "accounts:office_batch": (a_batch, 404, 302),
    "accounts:office_batch_pdf": (lambda c: {**a_batch(c), "kind": "alunni"}, 404, 302),
    "accounts:office_access": (nothing, 404, 302),
    "accounts:office_gateways": (nothing, 404, 302),
    "accounts:office_gateway": (lambda c: {"pk": a_gateway(c).pk}, 404, 302),
    "accounts:office_unlock": (posted, 404, 302),
    "accounts:office_reset_password": (posted, 404, 302),
}

API: ApiTable = {
    # With the body of API_WRITES: the guardian's username and a wrong password.
    ("post", "/api/v1/auth/token"): 401,
    ("delete", "/api/v1/auth/token"): 204,  # revoking one's own token is always allowed
    ("get", "/api/v1/me"): 200,  # one's own identity, with no students
}

# --- writes ----------------------------------------------------------------------------------

SELF_SERVICE: SelfServiceTable = {
    "accounts:email_link": "asks a verification link for the requester's own login; it only "
    "sends an e-mail (tests/accounts/test_recovery_and_portfolio.py)",
    "accounts:merge": "acts on the merge pending in the requester's own session, with the "
    "other account's password (tests/accounts/test_recovery_and_portfolio.py)",
    "accounts:recover": "public: only sends a recovery e-mail, never says whether the account "
    "exists (tests/accounts/test_recovery_and_portfolio.py)",
    "accounts:recover_choose": "public: only sends a recovery e-mail to an address on file "
    "(tests/accounts/test_recovery_and_portfolio.py)",
}

SECRET = pyotp.random_base32()


def login_of(user: User) -> tuple[Any, ...]:
    """What an outsider must not change of someone's login: its columns and its sessions."""
    fresh = User.objects.get(pk=user.pk)
    sessions = sorted(
        (s.session_key, sorted(s.get_decoded().items()))
        for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )
    return (
        fresh.password,
        fresh.last_login,
        fresh.is_active,
        fresh.login_email,
        fresh.totp_secret,
        fresh.totp_confirmed,
        fresh.session_epoch,
        sessions,
    )


def all_sessions() -> list[Any]:
    return sorted((s.session_key, sorted(s.get_decoded().items())) for s in Session.objects.all())


def own_login(c: Cast, name: str, body: dict[str, Any], **more: Any) -> Write:
    """A page that acts on the requester's own login: another family doing the same changes
    nothing of the guardian's (it only acts on its own login: `refused` is its answer)."""
    return Write(
        reverse(f"accounts:{name}"),
        body,
        c.guardian,
        (c.other_guardian,),
        (lambda: login_of(c.guardian),),
        **more,
    )


def with_totp(c: Cast) -> str:
    c.guardian.totp_secret = SECRET
    c.guardian.totp_confirmed = True
    c.guardian.save(update_fields=["totp_secret", "totp_confirmed"])
    return pyotp.TOTP(SECRET).now()


def page_login_code(c: Cast) -> Write:
    code = with_totp(c)

    def password_step(client: Client) -> None:
        client.post(reverse("accounts:login"), {"username": "guardian", "password": PASSWORD})

    # With no password step pending in the session, the code opens nothing.
    return Write(
        reverse("accounts:login_code"),
        {"code": code},
        None,
        (None, c.other_guardian),
        (lambda: login_of(c.guardian),),
        refused=302,
        prepare=password_step,
    )


def page_totp_setup(c: Cast) -> Write:
    def pending_secret(client: Client) -> None:
        session = client.session
        session[PENDING_SECRET] = SECRET
        session.save()

    return own_login(
        c, "totp_setup", {"code": pyotp.TOTP(SECRET).now()}, refused=200, prepare=pending_secret
    )


def page_totp_off(c: Cast) -> Write:
    with_totp(c)
    return own_login(c, "totp_off", {}, refused=302)


def page_recover_confirm(c: Cast) -> Write:
    uid = guardian_uid(c)
    token = recovery_tokens.make_token(c.guardian)
    new = {"new_password1": "nuova-password-lunga-42", "new_password2": "nuova-password-lunga-42"}
    # The link's token goes into the visitor's session; without it the form is refused.
    return Write(
        reverse("accounts:recover_confirm", args=[uid, "set-password"]),
        new,
        None,
        (None, c.other_guardian),
        (lambda: login_of(c.guardian),),
        refused=200,
        prepare=lambda client: client.get(reverse("accounts:recover_confirm", args=[uid, token])),
    )


def locked_guardian(c: Cast) -> None:
    for _ in range(security.USERNAME_LIMIT):
        AccessEvent.objects.create(
            kind=AccessEventKind.LOGIN_FAILED,
            user=c.guardian,
            username="guardian",
            institute=c.institute,
        )


def office_outsiders(c: Cast) -> tuple[Any, ...]:
    """Another institute's office, the principal and a teacher of A (not the office), a family."""
    return (c.foreign_office, c.principal, c.teacher, c.guardian)


def credentials_of_a(c: Cast) -> tuple[Any, ...]:
    return (
        CredentialBatch.objects.filter(institute=c.institute),
        Student.objects.filter(institute=c.institute),
        Guardian.objects.filter(institute=c.institute),
        User.objects.filter(pk__in=[c.guardian.pk, c.child_user.pk]),
    )


def page_unlock(c: Cast) -> Write:
    locked_guardian(c)
    return Write(
        reverse("accounts:office_unlock"),
        {"username": "guardian"},
        c.office,
        office_outsiders(c),
        (lambda: security.locked_usernames(c.institute.pk),),
    )


def page_office_gateway(c: Cast) -> Write:
    gateway = a_gateway(c)
    return Write(
        reverse("accounts:office_gateway", args=[gateway.pk]),
        gateway_body("Gateway rinominato"),
        c.office,
        office_outsiders(c),
        (IdentityGateway.objects.filter(institute=c.institute),),
    )


PAGE_WRITES: WriteTable = {
    "accounts:login": lambda c: Write(
        reverse("accounts:login"),
        {"username": "guardian", "password": PASSWORD},
        None,
        (None, c.other_guardian),
        (lambda: login_of(c.guardian),),
        refused=200,
        refused_for={"other_guardian": 302},  # already logged in: sent home
        outsider_body={"username": "guardian", "password": "non-la-sua-password"},
    ),
    "accounts:login_code": page_login_code,
    "accounts:logout": lambda c: own_login(c, "logout", {}, refused=302),
    "accounts:password_change": lambda c: own_login(
        c,
        "password_change",
        {
            "old_password": PASSWORD,
            "new_password1": "nuova-password-lunga-42",
            "new_password2": "nuova-password-lunga-42",
        },
        refused=302,  # the other family changes its own password, never the guardian's
    ),
    "accounts:switch_child": lambda c: Write(
        reverse("accounts:switch_child"),
        {"student": c.sibling.pk},
        c.guardian,
        (c.other_guardian, c.teacher, c.child_user),
        (all_sessions,),
    ),
    "accounts:logout_everywhere": lambda c: own_login(c, "logout_everywhere", {}, refused=302),
    "accounts:totp_setup": page_totp_setup,
    "accounts:totp_off": page_totp_off,
    "accounts:recover_confirm": page_recover_confirm,
    "accounts:office_issue_classroom": lambda c: Write(
        reverse("accounts:office_issue_classroom", args=[c.classroom_1a.pk]),
        {},
        c.office,
        office_outsiders(c),
        credentials_of_a(c),
    ),
    "accounts:office_issue_new": lambda c: Write(
        reverse("accounts:office_issue_new"),
        {},
        c.office,
        office_outsiders(c),
        credentials_of_a(c),
        refused_for={"foreign_office": 302},  # issues for its own institute, nothing of A
    ),
    "accounts:office_unlock": page_unlock,
    "accounts:office_gateways": lambda c: Write(
        reverse("accounts:office_gateways"),
        gateway_body("Gateway nuovo"),
        c.office,
        # Another institute's office adds gateways to its own institute only (no object of A
        # can be named here; editing A's gateway is refused: accounts:office_gateway).
        (c.principal, c.teacher, c.guardian),
        (IdentityGateway.objects.filter(institute=c.institute),),
    ),
    "accounts:office_gateway": page_office_gateway,
    "accounts:office_reset_password": lambda c: Write(
        reverse("accounts:office_reset_password", args=[c.guardian.pk]),
        {"confirm": "1"},
        c.office,
        (c.foreign_office, c.principal, c.teacher, c.other_guardian),
        (*credentials_of_a(c), lambda: login_of(c.guardian)),
    ),
}

API_WRITES: ApiWriteTable = {
    ("post", "/api/v1/auth/token"): lambda c: Write(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        None,
        (None, c.other_guardian),
        (ApiToken.objects.filter(user=c.guardian),),
        refused=401,
        outsider_body={"username": "guardian", "password": "non-la-sua-password"},
    ),
    ("delete", "/api/v1/auth/token"): lambda c: Write(
        "/api/v1/auth/token",
        {},
        c.guardian,
        (c.other_guardian,),
        (ApiToken.objects.filter(user=c.guardian),),
        refused=204,  # revokes its own token
    ),
}
