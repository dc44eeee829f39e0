"""SPID/CIE login through a real OpenID provider (tests/oidc/provider.mjs): who comes in, who
is refused, and what is traced."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from campanella.accounts import security
from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.views import OIDC_LOGIN, PENDING_OIDC
from campanella.people.models import AccessEvent, AccessEventKind, Guardian, Staff, Student
from tests.accounts.oidc.conftest import (
    BASE,
    GUARDIAN_CF,
    TEACHER_CF,
    a_gateway,
    returned,
    spid_login,
    start,
)
from tests.conftest import Cast
from tests.oidc.provider import RunningProvider, a_codice_fiscale, sign_in

pytestmark = pytest.mark.django_db


def logged_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def test_authorization_request_carries_pkce_state_and_nonce(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    location = start(client, gateway)
    query = parse_qs(urlsplit(location).query)
    pending = client.session[PENDING_OIDC]
    assert location.startswith(f"{gateway.issuer}/auth?")
    assert query["state"] == [pending["state"]]
    assert query["nonce"] == [pending["nonce"]]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["code_challenge"][0] != pending["code_verifier"]
    assert query["redirect_uri"] == [f"{BASE}/accedi/spid/ritorno/"]
    assert query["client_id"] == ["campanella"]


def test_guardian_with_two_children_lands_on_the_portfolio(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    client.get("/accedi/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response: Any = spid_login(client, gateway, GUARDIAN_CF)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == cast.guardian.pk
    assert client.cookies["sessionid"].value != before  # a new session key, as a password login
    event = AccessEvent.objects.filter(user=cast.guardian, kind=AccessEventKind.LOGIN).get()
    assert event.detail == "con SPID (Gateway di prova)"
    assert event.institute_id == cast.institute.pk
    home = client.get("/")
    assert home.status_code == 200
    switcher = [child["pk"] for child in home.context["nav"]["children"]]
    assert sorted(switcher) == sorted([cast.child.pk, cast.sibling.pk])


def test_teacher_comes_in(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    response: Any = spid_login(client, gateway, TEACHER_CF)
    assert response.status_code == 302
    assert logged_in_as(client) == cast.teacher.pk
    assert client.get("/").status_code == 200


def test_next_page_of_this_site_is_kept(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    back = sign_in(start(client, gateway, "/profilo/"), GUARDIAN_CF, BASE)
    response: Any = returned(client, back)
    assert response["Location"] == "/profilo/"


def test_another_site_as_next_page_is_ignored(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    back = sign_in(start(client, gateway, "https://evil.example/"), GUARDIAN_CF, BASE)
    response: Any = returned(client, back)
    assert response["Location"] == "/"


def test_private_key_jwt_client(cast: Cast, provider: RunningProvider) -> None:
    Guardian.objects.filter(user=cast.guardian).update(codice_fiscale=GUARDIAN_CF)
    gateway = a_gateway(
        provider, cast.institute, client_id="chiave", secret="",
        client_auth=ClientAuthMethod.PRIVATE_KEY_JWT,
    )  # fmt: skip
    client = Client()
    response: Any = spid_login(client, gateway, GUARDIAN_CF)
    assert response.status_code == 302
    assert logged_in_as(client) == cast.guardian.pk


def refused_events(cast: Cast) -> list[str]:
    return list(
        AccessEvent.objects.filter(
            kind=AccessEventKind.LOGIN_FAILED, institute=cast.institute
        ).values_list("detail", flat=True)
    )


def test_tampered_state_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    tampered = back.replace("state=", "state=x")
    response: Any = returned(client, tampered)
    assert response.status_code == 400
    assert "Accesso non riuscito" in response.content.decode()
    assert logged_in_as(client) is None
    assert refused_events(cast) == ["SPID (Gateway di prova): parametro state non corrispondente"]
    # The pending login is spent: the true answer cannot be used after a forged one.
    assert returned(client, back).status_code == 400  # type: ignore[attr-defined]
    assert logged_in_as(client) is None


def test_replayed_callback_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    assert returned(client, back).status_code == 302  # type: ignore[attr-defined]
    stolen = Client()  # someone else with the same address (from a log, a history)
    assert returned(stolen, back).status_code == 400  # type: ignore[attr-defined]
    assert logged_in_as(stolen) is None


def test_code_used_twice_is_refused_by_the_provider(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    start(client, gateway)
    pending = client.session[PENDING_OIDC]
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    pending = client.session[PENDING_OIDC]
    assert returned(client, back).status_code == 302  # type: ignore[attr-defined]
    # The same pending login put back (as a copied session would): the code is spent.
    replay = Client()
    session = replay.session
    session[PENDING_OIDC] = pending
    session.save()
    replay.cookies["sessionid"] = session.session_key
    response: Any = returned(replay, back)
    assert response.status_code == 400
    assert logged_in_as(replay) is None
    assert refused_events(cast)[0].startswith("SPID (Gateway di prova): scambio del codice")


def test_unknown_codice_fiscale_gets_a_clear_page_and_is_traced(
    cast: Cast, gateway: IdentityGateway
) -> None:
    unknown = a_codice_fiscale("VRDGPP70B01L219")
    client = Client()
    response: Any = spid_login(client, gateway, unknown)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nessun accesso con questo codice fiscale" in page
    assert "Rivolgiti alla segreteria" in page
    assert logged_in_as(client) is None
    assert refused_events(cast) == [
        f"SPID (Gateway di prova): codice fiscale {unknown} non trovato"
    ]


def test_codice_fiscale_of_two_logins_is_ambiguous(cast: Cast, gateway: IdentityGateway) -> None:
    Guardian.objects.filter(user=cast.other_guardian).update(codice_fiscale=TEACHER_CF)
    client = Client()
    response: Any = spid_login(client, gateway, TEACHER_CF)
    assert response.status_code == 403
    assert "Più accessi con questo codice fiscale" in response.content.decode()
    assert logged_in_as(client) is None
    assert refused_events(cast) == [
        f"SPID (Gateway di prova): codice fiscale {TEACHER_CF} di più accessi"
    ]


def test_student_under_the_schools_age_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    gateway.students_from_age = 16
    gateway.save()
    child_cf = Student.objects.get(pk=cast.child.pk).codice_fiscale  # 14 years old
    client = Client()
    response: Any = spid_login(client, gateway, child_cf)
    assert response.status_code == 403
    assert "Accesso non consentito con questo servizio" in response.content.decode()
    assert logged_in_as(client) is None
    assert refused_events(cast) == ["SPID (Gateway di prova): ruolo non ammesso per child"]
    # Not a guess at the child's password: their password login is not nearer a lock-out.
    assert security.failures(cast.child_user, "child", None, timezone.now()).account == 0


def test_student_of_the_schools_age_comes_in(cast: Cast, gateway: IdentityGateway) -> None:
    gateway.students_from_age = 18
    gateway.save()
    client = Client()
    spid_login(client, gateway, cast.adult_student.codice_fiscale)
    assert logged_in_as(client) == cast.adult_user.pk


def test_students_are_refused_by_default(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    response: Any = spid_login(client, gateway, cast.adult_student.codice_fiscale)
    assert response.status_code == 403
    assert logged_in_as(client) is None


def test_staff_refused_when_the_gateway_is_for_families(
    cast: Cast, gateway: IdentityGateway
) -> None:
    gateway.allow_staff = False
    gateway.save()
    client = Client()
    assert spid_login(client, gateway, TEACHER_CF).status_code == 403  # type: ignore[attr-defined]
    assert logged_in_as(client) is None


def test_ended_access_is_told_so(cast: Cast, gateway: IdentityGateway) -> None:
    cast.guardian.is_active = False
    cast.guardian.save()
    client = Client()
    response: Any = spid_login(client, gateway, GUARDIAN_CF)
    assert response.status_code == 403
    assert "Il tuo accesso è terminato" in response.content.decode()
    assert logged_in_as(client) is None


def test_gateway_of_another_institute_opens_nothing_here(
    cast: Cast, gateway: IdentityGateway, provider: RunningProvider
) -> None:
    foreign = Staff.objects.get(user=cast.foreign_office).institute
    theirs = a_gateway(provider, foreign, name="Gateway di B")
    client = Client()
    response: Any = spid_login(client, theirs, GUARDIAN_CF)  # a guardian of A only
    assert response.status_code == 403
    assert logged_in_as(client) is None
    event = AccessEvent.objects.get(kind=AccessEventKind.LOGIN_FAILED)
    assert event.institute_id == foreign.pk  # traced for B, whose gateway it is


def test_disabled_gateway_is_not_offered_nor_usable(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    assert "Entra con SPID" in client.get("/accedi/").content.decode()
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    gateway.enabled = False
    gateway.save()
    assert "Entra con SPID" not in client.get("/accedi/").content.decode()
    assert client.get(f"/accedi/spid/{gateway.pk}/").status_code == 404
    assert returned(client, back).status_code == 400  # type: ignore[attr-defined]
    assert logged_in_as(client) is None


def test_provider_error_answer_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    start(client, gateway)
    state = client.session[PENDING_OIDC]["state"]
    response: Any = client.get(f"/accedi/spid/ritorno/?error=access_denied&state={state}")
    assert response.status_code == 400
    assert refused_events(cast) == [
        "SPID (Gateway di prova): il servizio ha risposto access_denied"
    ]


def test_callback_without_a_login_started(cast: Cast, gateway: IdentityGateway) -> None:
    response: Any = Client().get("/accedi/spid/ritorno/?code=x&state=y")
    assert response.status_code == 400
    assert "Accesso non riuscito" in response.content.decode()


def test_logout_ends_the_session_here_and_at_the_gateway(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    spid_login(client, gateway, GUARDIAN_CF)
    id_token = client.session[OIDC_LOGIN]["id_token"]
    # Its pages let the logout form's answer go on to the gateway (CSP form-action).
    policy = client.get("/profilo/")["Content-Security-Policy"].split("; ")
    assert f"form-action 'self' {gateway.issuer}" in policy
    response: Any = client.post("/esci/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{gateway.issuer}/session/end"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [f"{BASE}/accedi/"]
    assert query["client_id"] == ["campanella"]
    assert logged_in_as(client) is None
    assert client.get("/").status_code == 302


def test_password_logout_stays_here(cast: Cast, gateway: IdentityGateway) -> None:
    client = cast.client_for(cast.guardian)
    policy = client.get("/profilo/")["Content-Security-Policy"].split("; ")
    assert "form-action 'self'" in policy
    response: Any = client.post("/esci/")
    assert response["Location"] == "/accedi/"


def test_no_two_step_code_after_spid(cast: Cast, gateway: IdentityGateway) -> None:
    """SPID level 2 is already two-factor (docs/decisions.md): no TOTP step after it."""
    cast.teacher.totp_secret = "JBSWY3DPEHPK3PXP"
    cast.teacher.totp_confirmed = True
    cast.teacher.save()
    client = Client()
    response: Any = spid_login(client, gateway, TEACHER_CF)
    assert response["Location"] == "/"
    assert logged_in_as(client) == cast.teacher.pk


def test_a_login_left_too_long_at_the_gateway_is_refused(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    session = client.session
    session[PENDING_OIDC] = {**session[PENDING_OIDC], "started_at": 0.0}
    session.save()
    assert returned(client, back).status_code == 400  # type: ignore[attr-defined]
    assert logged_in_as(client) is None
    assert refused_events(cast) == ["SPID (Gateway di prova): accesso iniziato da troppo tempo"]


def test_cie_gateway_has_its_button(cast: Cast, provider: RunningProvider) -> None:
    Guardian.objects.filter(user=cast.guardian).update(codice_fiscale=GUARDIAN_CF)
    cie = a_gateway(provider, cast.institute, kind="cie", name="CIE regionale")
    page = Client().get("/accedi/").content.decode()
    assert "Entra con CIE" in page and f"/accedi/spid/{cie.pk}/" in page
    client = Client()
    spid_login(client, cie, GUARDIAN_CF)
    assert logged_in_as(client) == cast.guardian.pk
    event = AccessEvent.objects.get(kind=AccessEventKind.LOGIN)
    assert event.detail == "con CIE (CIE regionale)"
