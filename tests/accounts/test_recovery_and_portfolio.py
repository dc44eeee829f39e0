"""Through a real SMTP server: recovery by e-mail and by username, e-mail linking, joining two
children into one login, switching child."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from campanella.people.models import AccessEvent, User
from tests import factories as f
from tests.conftest import PASSWORD, Cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Una-Nuova-Password-2026"


def path_of(link: str) -> str:
    return urlparse(link).path


def test_recovery_by_linked_email(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    cast.guardian.login_email = "paola@example.org"
    cast.guardian.save()
    client = Client()
    response = client.post(reverse("accounts:recover"), {"identifier": "paola@example.org"})
    assert response.url == reverse("accounts:recover_sent")
    [message] = mailbox.wait_for(1)
    assert message["To"] == "paola@example.org"
    assert "Recupero della password" in message["Subject"]
    link = path_of(mailbox.link(message))
    form_page = client.get(link, follow=True)
    assert "Scegli una nuova password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert Client().login(username="guardian", password=NEW_PASSWORD)
    # The same link a second time is refused with a clear message.
    again = Client().get(link, follow=True).content.decode()
    assert "scaduto o è già stato usato" in again
    assert AccessEvent.objects.filter(kind="password_reset", user=cast.guardian).exists()


def test_expired_link_is_refused(cast: Cast, mailbox: Mailbox, settings: object) -> None:  # noqa: F811
    cast.guardian.login_email = "paola@example.org"
    cast.guardian.save()
    Client().post(reverse("accounts:recover"), {"identifier": "paola@example.org"})
    link = path_of(mailbox.link(mailbox.wait_for(1)[0]))
    settings.PASSWORD_RESET_TIMEOUT = -1  # type: ignore[attr-defined]  # 3 days have passed
    page = Client().get(link, follow=True).content.decode()
    assert "scaduto o è già stato usato" in page


def test_unknown_email_sends_nothing_and_looks_the_same(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    response = Client().post(reverse("accounts:recover"), {"identifier": "nessuno@example.org"})
    assert response.url == reverse("accounts:recover_sent")
    assert mailbox.messages == []


def test_recovery_by_username_with_masked_addresses(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    guardian = cast.guardian.guardian_profiles.get()
    guardian.email = "mario.rossi@gmail.example"
    guardian.save()
    client = Client()
    client.post(reverse("accounts:recover"), {"identifier": "guardian"})
    page = client.get(reverse("accounts:recover_choose")).content.decode()
    assert "m***i@g***.example" in page
    assert "mario.rossi" not in page
    client.post(reverse("accounts:recover_choose"), {"address": "0"})
    [message] = mailbox.wait_for(1)
    assert message["To"] == "mario.rossi@gmail.example"


def test_unknown_username_gets_decoys_and_no_mail(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    client = Client()
    client.post(reverse("accounts:recover"), {"identifier": "G999999Z"})
    first = client.get(reverse("accounts:recover_choose")).content.decode()
    masks = re.findall(r"\w\*\*\*\w?@\w\*\*\*\.\w+", first)
    assert masks
    again = Client()
    again.post(reverse("accounts:recover"), {"identifier": "G999999Z"})
    second = again.get(reverse("accounts:recover_choose")).content.decode()
    assert re.findall(r"\w\*\*\*\w?@\w\*\*\*\.\w+", second) == masks  # stable
    response = client.post(reverse("accounts:recover_choose"), {"address": "0"})
    assert response.url == reverse("accounts:recover_sent")
    assert mailbox.messages == []


def link_email(client: Client, email: str) -> None:
    response = client.post(reverse("accounts:email_link"), {"email": email})
    assert response.status_code == 302


def test_link_an_email_then_log_in_with_it(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    client = cast.client_for(cast.guardian)
    link_email(client, "paola@example.org")
    [message] = mailbox.wait_for(1)
    assert "Conferma il tuo indirizzo" in message["Subject"]
    client.get(path_of(mailbox.link(message)))
    cast.guardian.refresh_from_db()
    assert cast.guardian.login_email == "paola@example.org"
    assert Client().login(username="paola@example.org", password=PASSWORD)


def test_forged_verification_link_is_refused(cast: Cast) -> None:
    response = cast.client_for(cast.guardian).get(
        reverse("accounts:email_confirm", args=["abc:def"])
    )
    assert response.status_code == 400
    assert "scaduto o è già stato usato" in response.content.decode()


def second_child_account(cast: Cast) -> User:
    """The same parent, enrolled again for a child in another school of the installation."""
    other_institute_school = f.SchoolFactory()
    classroom = f.ClassroomFactory(school=other_institute_school)
    student = f.EnrollmentFactory(classroom=classroom).student
    user = f.UserFactory(username="G200001K")
    guardian = f.GuardianFactory(institute=student.institute, user=user)
    f.GuardianshipFactory(student=student, guardian=guardian)
    return user


def test_join_a_second_child_into_one_portfolio(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    first = cast.client_for(cast.guardian)
    link_email(first, "paola@example.org")
    first.get(path_of(mailbox.link(mailbox.wait_for(1)[0])))
    second_user = second_child_account(cast)
    second = cast.client_for(second_user)
    link_email(second, "paola@example.org")
    response = second.get(path_of(mailbox.link(mailbox.wait_for(2)[1])))
    assert response.url == reverse("accounts:merge")
    wrong = second.post(reverse("accounts:merge"), {"password": "sbagliata"})
    assert "non è corretta" in wrong.content.decode()
    joined = second.post(reverse("accounts:merge"), {"password": PASSWORD})
    assert joined.status_code == 302
    second_user.refresh_from_db()
    assert second_user.merged_into == cast.guardian and not second_user.is_active
    # One login, three children (two in institute A, one in the other institute).
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": "paola@example.org", "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert len(me["students"]) == 3
    # The old username of the second account opens the joined login.
    assert Client().login(username="G200001K", password=PASSWORD)
    assert AccessEvent.objects.filter(kind="accounts_merged", user=cast.guardian).exists()


def test_a_student_account_is_never_joined(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    first = cast.client_for(cast.guardian)
    link_email(first, "paola@example.org")
    first.get(path_of(mailbox.link(mailbox.wait_for(1)[0])))
    student = cast.client_for(cast.child_user)
    link_email(student, "paola@example.org")
    student.get(path_of(mailbox.link(mailbox.wait_for(2)[1])))
    page = student.get(reverse("accounts:merge")).content.decode()
    assert "Solo gli accessi dei genitori" in page
    assert student.post(reverse("accounts:merge"), {"password": PASSWORD}).status_code == 200
    cast.child_user.refresh_from_db()
    assert cast.child_user.merged_into is None


def test_switch_between_own_children_only(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    home = client.get(reverse("accounts:home")).content.decode()
    assert 'data-testid="child-switch"' in home
    response = client.post(
        reverse("accounts:switch_child"), {"student": cast.sibling.pk, "next": "/"}
    )
    assert response.status_code == 302
    assert client.session["campanella-current-child"] == cast.sibling.pk
    assert (
        client.post(reverse("accounts:switch_child"), {"student": cast.other_child.pk}).status_code
        == 404
    )
    outside = client.post(
        reverse("accounts:switch_child"),
        {"student": cast.child.pk, "next": "https://evil.example/"},
    )
    assert outside.url == reverse("accounts:home")


def test_single_child_families_see_no_switcher(cast: Cast) -> None:
    page = cast.client_for(cast.other_guardian).get(reverse("accounts:home")).content.decode()
    assert 'data-testid="child-switch"' not in page
