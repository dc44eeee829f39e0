"""What mail and access messages say: the school's name, the sender, the Date's time zone, the
deployment warning for a placeholder sender; the merge page naming the other login; a login
whose access ended told so after its right password only."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from campanella.accounts.security import USERNAME_LIMIT
from campanella.people.access import disable_login
from campanella.people.models import AccessEvent, Guardian
from tests.accounts.test_recovery_and_portfolio import link_email, path_of, second_child_account
from tests.conftest import PASSWORD, Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_mail_names_the_school_and_dates_in_italian_time(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
    settings: Any,
) -> None:
    settings.DEFAULT_FROM_EMAIL = "Campanella <registro@scuola.example.it>"
    link_email(cast.client_for(cast.guardian), "paola@example.org")
    [message] = mailbox.wait_for(1)
    sender = message["From"].addresses[0]  # type: ignore[union-attr]
    assert (sender.display_name, sender.addr_spec) == ("Istituto A", "registro@scuola.example.it")
    assert message["Subject"].endswith("– Istituto A")
    assert mailbox.body(message).rstrip().endswith("Istituto A")
    # RFC 5322 date with the Italian offset, never "-0000" (time zone unknown).
    offset = re.search(r"[+-]\d{4}$", message["Date"])
    assert offset is not None and offset.group(0) in {"+0100", "+0200"}, message["Date"]
    assert message["Date"].datetime.utcoffset() == timezone.localtime().utcoffset()  # type: ignore[union-attr]


def test_names_with_apostrophes_are_not_escaped_in_mail(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    cast.institute.name = 'I.C. "Sant\'Anna" & Co.'
    cast.institute.save()
    Guardian.objects.filter(user=cast.guardian).update(email="paola@example.org")
    cast.child.surname = "D'Angelo"
    cast.child.save()
    Client().post(reverse("accounts:recover"), {"identifier": "paola@example.org"})
    [message] = mailbox.wait_for(1)
    body = mailbox.body(message)
    assert "D'Angelo" in body and "&#x27;" not in body and "&amp;" not in body
    assert message["From"].addresses[0].display_name == cast.institute.name  # type: ignore[union-attr]


def deploy_warnings() -> list[str]:
    return [message.id or "" for message in run_checks(include_deployment_checks=True)]


def test_deploy_check_warns_about_a_placeholder_sender(settings: Any) -> None:
    for placeholder in ("Campanella <noreply@localhost>", "", "registro@example.org"):
        settings.DEFAULT_FROM_EMAIL = placeholder
        assert "campanella.W001" in deploy_warnings(), placeholder
    settings.DEFAULT_FROM_EMAIL = "IIS Galilei <registro@galilei.edu.it>"
    assert "campanella.W001" not in deploy_warnings()


def test_the_warning_shows_in_check_deploy_only(settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "Campanella <noreply@localhost>"
    plain, deploy = io.StringIO(), io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=plain)
    call_command("check", "--deploy", stdout=io.StringIO(), stderr=deploy)
    assert "campanella.W001" not in plain.getvalue()
    assert "campanella.W001" in deploy.getvalue() and "EMAIL_FROM" in deploy.getvalue()


def test_merge_page_names_the_other_login(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    first = cast.client_for(cast.guardian)
    link_email(first, "paola@example.org")
    first.get(path_of(mailbox.link(mailbox.wait_for(1)[0])))
    second = cast.client_for(second_child_account(cast))
    link_email(second, "paola@example.org")
    second.get(path_of(mailbox.link(mailbox.wait_for(2)[1])))
    page = second.get(reverse("accounts:merge")).content.decode()
    holder_name = Guardian.objects.get(user=cast.guardian).full_name
    assert "<strong>guardian</strong>" in page and holder_name in page
    assert "Password dell&#x27;accesso guardian" in page
    wrong = second.post(reverse("accounts:merge"), {"password": "sbagliata"}).content.decode()
    assert "La password dell&#x27;accesso guardian non è corretta" in wrong


def login_page(username: str, password: str) -> str:
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    assert response.status_code == 200
    return response.content.decode()


def ended(cast: Cast) -> str:
    disable_login(cast.guardian, "uscita", institute_id=cast.institute.pk)
    return date_format(timezone.localdate(), "j F Y")


def test_an_ended_access_is_told_after_the_right_password_only(cast: Cast) -> None:
    day = ended(cast)
    right = login_page("guardian", PASSWORD)
    assert f"Il tuo accesso è terminato il {day}" in right
    wrong = login_page("guardian", "sbagliata")
    assert "terminato" not in wrong and "Nome utente o password non corretti" in wrong
    assert "Nome utente o password non corretti" in login_page("nessuno", "sbagliata")


def test_right_passwords_of_an_ended_access_do_not_lock_it(cast: Cast) -> None:
    day = ended(cast)
    for _ in range(USERNAME_LIMIT + 2):
        assert f"Il tuo accesso è terminato il {day}" in login_page("guardian", PASSWORD)
    traced = AccessEvent.objects.filter(user=cast.guardian, kind="access_ended_login")
    assert traced.count() == USERNAME_LIMIT + 2


def test_wrong_passwords_of_an_ended_access_still_lock_it(cast: Cast) -> None:
    ended(cast)
    for _ in range(USERNAME_LIMIT):
        login_page("guardian", "sbagliata")
    page = login_page("guardian", PASSWORD)
    assert "Troppi tentativi" in page and "terminato" not in page


def test_the_api_says_the_access_ended(cast: Cast) -> None:
    ended(cast)
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "access_ended"
