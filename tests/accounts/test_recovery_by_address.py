"""Recovery with the address the school has on file, through a real SMTP server (aiosmtpd).

The address recovers the logins it belongs to (guardians' and staff's records, linked e-mails),
never a child's login through a guardian's address; one mail lists each login with its own
link; each link works once, for its login only, and dies with the credential.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlparse

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from campanella.accounts.recovery import REQUESTS_PER_HOUR, REQUESTS_PER_HOUR_FROM_ONE_CLIENT
from campanella.people.access import disable_login
from campanella.people.models import AccessEvent, AccessEventKind, Guardian, Staff, User
from tests import factories as f
from tests.conftest import PASSWORD, Cast, build_cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
ON_FILE = "paola.rossi@famiglia.example"
NEW_PASSWORD = "Una-Nuova-Password-2026"
SECOND_PASSWORD = "Un-Altra-Password-2027"


def on_file(cast: Cast, address: str = ON_FILE) -> Guardian:
    """The office imported the guardian with this address; nothing linked in the profile."""
    guardian = Guardian.objects.get(user=cast.guardian)
    guardian.email = address
    guardian.save()
    assert cast.guardian.login_email is None
    return guardian


def ask(address: str, client: Client | None = None, ip: str = "10.0.0.1") -> Any:
    return (client or Client()).post(
        reverse("accounts:recover"), {"identifier": address}, REMOTE_ADDR=ip
    )


def links_by_username(body: str) -> dict[str, str]:
    """Each "Nome utente: X" of the mail with the link listed under it."""
    found = re.findall(r"Nome utente: (\S+)\s*\n[^\n]*\n(https?://\S+)", body)
    return {username: urlparse(link).path for username, link in found}


def set_password(client: Client, link: str, password: str = NEW_PASSWORD) -> Any:
    """Open the link (its token goes into the session), then submit the new password."""
    opened = client.get(link)
    if opened.status_code != 302:
        return opened
    return client.post(opened.url, {"new_password1": password, "new_password2": password})


def logs_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


def test_the_address_on_file_recovers_the_guardian(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    on_file(cast)
    response = ask("Paola.Rossi@Famiglia.example")
    assert response.url == reverse("accounts:recover_sent")
    [message] = mailbox.wait_for(1)
    assert message["To"] == ON_FILE
    assert "Istituto A" in message["Subject"]
    assert message["From"].addresses[0].display_name == "Istituto A"  # type: ignore[union-attr]
    body = mailbox.body(message)
    assert "Genitore o tutore di" in body
    assert cast.child.full_name in body and cast.sibling.full_name in body
    links = links_by_username(body)
    assert list(links) == ["guardian"]
    done = set_password(Client(), links["guardian"])
    assert done.status_code == 302
    assert logs_in("guardian", NEW_PASSWORD)
    assert AccessEvent.objects.filter(kind="password_reset", user=cast.guardian).exists()


def test_one_mail_lists_each_login_of_the_address_with_its_own_link(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    on_file(cast)
    # The same parent has another login for a child in another institute, same address on file.
    elsewhere = f.EnrollmentFactory().student
    second = f.UserFactory(username="G200001K")
    f.GuardianshipFactory(
        student=elsewhere,
        guardian=f.GuardianFactory(institute=elsewhere.institute, user=second, email=ON_FILE),
    )
    # A teacher of the school with the same address in the staff record.
    Staff.objects.filter(user=cast.teacher).update(email=ON_FILE.upper())
    ask(ON_FILE)
    [message] = mailbox.wait_for(1)
    body = mailbox.body(message)
    links = links_by_username(body)
    assert sorted(links) == ["G200001K", "guardian", "teacher"]
    assert len(set(links.values())) == 3
    assert elsewhere.full_name in body and "Personale (docente)" in body
    assert elsewhere.institute.name in message["Subject"] and "Istituto A" in message["Subject"]
    # Each link sets the password of its own login only.
    assert set_password(Client(), links["G200001K"]).status_code == 302
    assert logs_in("G200001K", NEW_PASSWORD)
    assert logs_in("guardian", PASSWORD) and logs_in("teacher", PASSWORD)
    # One login's token does not open another login (uid swapped).
    guardian_uid = links["guardian"].split("/")[2]
    teacher_token = links["teacher"].split("/")[3]
    swapped = f"/password-dimenticata/{guardian_uid}/{teacher_token}/"
    assert "scaduto o è già stato usato" in Client().get(swapped, follow=True).content.decode()


def test_a_guardians_address_never_recovers_the_childs_login(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    on_file(cast)
    cast.child_user.email = ON_FILE  # even a copy on the child's login does not make it theirs
    cast.child_user.save()
    ask(ON_FILE)
    body = mailbox.body(mailbox.wait_for(1)[0])
    assert list(links_by_username(body)) == ["guardian"]
    assert "child" not in links_by_username(body)


def test_an_adult_student_recovers_with_their_own_linked_address(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    cast.adult_user.login_email = "studente@example.net"
    cast.adult_user.save()
    ask("studente@example.net")
    body = mailbox.body(mailbox.wait_for(1)[0])
    assert list(links_by_username(body)) == ["adult"]
    assert f"Alunno: {cast.adult_student.full_name}" in body


def test_unknown_ended_or_joined_addresses_get_the_same_answer_and_no_mail(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    guardian = on_file(cast)
    known = ask(ON_FILE)
    mailbox.wait_for(1)
    disable_login(cast.guardian, "uscita", institute_id=guardian.institute_id)
    ended = ask(ON_FILE)
    unknown = ask("nessuno@example.org")
    for other in (ended, unknown):
        assert (other.status_code, other.url) == (known.status_code, known.url)
    page = Client().get(known.url).content.decode()
    assert "Controlla la posta" in page
    assert len(mailbox.messages) == 1


def test_the_same_work_is_queued_whatever_the_address(cast: Cast, settings: Any) -> None:
    """With the production queue the request only enqueues one job, for any address."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    on_file(cast)
    ask(ON_FILE)
    ask("nessuno@example.org")
    jobs = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [job.task_path for job in jobs] == [
        "campanella.accounts.tasks.recover_by_address",
        "campanella.accounts.tasks.recover_by_address",
    ]
    assert [job.args_kwargs["kwargs"]["address"] for job in jobs] == [
        ON_FILE,
        "nessuno@example.org",
    ]


def test_requests_are_throttled_per_address(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    on_file(cast)
    for index in range(REQUESTS_PER_HOUR):
        ask(ON_FILE, ip=f"10.0.1.{index}")
    mailbox.wait_for(REQUESTS_PER_HOUR)
    response = ask(ON_FILE, ip="10.0.2.1")
    assert response.url == reverse("accounts:recover_sent")
    assert len(mailbox.messages) == REQUESTS_PER_HOUR


def test_requests_are_throttled_per_client_address(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    on_file(cast)
    for index in range(REQUESTS_PER_HOUR_FROM_ONE_CLIENT):
        AccessEvent.objects.create(
            kind=AccessEventKind.RESET_REQUESTED,
            username=f"tentativo{index}@example.org",
            ip_address="10.7.7.7",
        )
    assert ask(ON_FILE, ip="10.7.7.7").url == reverse("accounts:recover_sent")
    assert mailbox.messages == []
    ask(ON_FILE, ip="10.7.7.8")  # another client is not held back
    assert len(mailbox.wait_for(1)) == 1


def test_a_link_works_once(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    on_file(cast)
    ask(ON_FILE)
    link = links_by_username(mailbox.body(mailbox.wait_for(1)[0]))["guardian"]
    assert set_password(Client(), link).status_code == 302
    again = set_password(Client(), link, SECOND_PASSWORD)
    assert "scaduto o è già stato usato" in again.content.decode()
    assert logs_in("guardian", NEW_PASSWORD) and not logs_in("guardian", SECOND_PASSWORD)


def test_a_link_dies_when_the_password_changes_otherwise(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    on_file(cast)
    ask(ON_FILE)
    link = links_by_username(mailbox.body(mailbox.wait_for(1)[0]))["guardian"]
    client = cast.client_for(cast.guardian)
    changed = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    refused = set_password(Client(), link, SECOND_PASSWORD)
    assert "scaduto o è già stato usato" in refused.content.decode()
    assert logs_in("guardian", NEW_PASSWORD)


def test_a_link_opened_by_two_clients_sets_the_password_once(
    cast: Cast,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    on_file(cast)
    ask(ON_FILE)
    link = links_by_username(mailbox.body(mailbox.wait_for(1)[0]))["guardian"]
    first, second = Client(), Client()
    form_url = first.get(link).url
    assert second.get(link).url == form_url  # both hold the form
    assert first.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    ).status_code == 302  # fmt: skip
    late = second.post(
        form_url, {"new_password1": SECOND_PASSWORD, "new_password2": SECOND_PASSWORD}
    )
    assert "scaduto o è già stato usato" in late.content.decode()
    assert logs_in("guardian", NEW_PASSWORD)


def test_a_link_dies_when_the_access_ends(cast: Cast, mailbox: Mailbox) -> None:  # noqa: F811
    guardian = on_file(cast)
    ask(ON_FILE)
    link = links_by_username(mailbox.body(mailbox.wait_for(1)[0]))["guardian"]
    disable_login(cast.guardian, "uscita", institute_id=guardian.institute_id)
    cast.guardian.is_active = True  # even switched on again, the old link stays dead
    User.objects.filter(pk=cast.guardian.pk).update(is_active=True)
    refused = set_password(Client(), link)
    assert "scaduto o è già stato usato" in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_of_one_link_set_the_password_once(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    cast = build_cast()
    on_file(cast)
    ask(ON_FILE)
    link = links_by_username(mailbox.body(mailbox.wait_for(1)[0]))["guardian"]
    clients = [Client(), Client(), Client()]
    passwords = [f"Parallela-{index}-Password-2026" for index in range(len(clients))]
    [form_url] = {client.get(link).url for client in clients}  # each holds the form
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(client: Client, password: str) -> None:
        try:
            start.wait()
            response = client.post(form_url, {"new_password1": password, "new_password2": password})
            spent = "scaduto o è già stato usato" in response.content.decode()
            statuses.append(302 if response.status_code == 302 else 400 if spent else 0)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, passwords, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One saves; the others are told the link is spent, whether they find out while saving
    # (400, under the row lock) or before the form, after the winner committed (Django's 200).
    assert sorted(statuses) == [302, 400, 400]
    assert [logs_in("guardian", password) for password in passwords].count(True) == 1
    assert AccessEvent.objects.filter(kind="password_reset", user=cast.guardian).count() == 1
