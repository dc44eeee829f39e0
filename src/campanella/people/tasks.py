"""Background jobs of people: issuing credentials (slow argon2 hashing) and mailing letters."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from campanella.lib.letters import render_credential_letters
from campanella.people.access import revoke_leavers
from campanella.people.credentials import Issued, credential_batch_run, credential_batches_purge
from campanella.people.mail import send_templated_mail


def mail_letter(issued: Issued) -> bool:
    """Send a guardian their own letter (one page) at the address on file; False if none."""
    email = issued.user.email
    if not email:
        return False
    letter = issued.letter
    pdf = render_credential_letters([letter], title="Credenziali del registro elettronico")
    send_templated_mail(
        to=email,
        template="people/email/credential_letter",
        school=letter.institute_name,
        context={
            "person_name": letter.person_name,
            "institute_name": letter.institute_name,
            "student_name": letter.student_name,
            "login_url": letter.login_url,
        },
        attachments=[("credenziali.pdf", pdf, "application/pdf")],
    )
    return True


@task()
def run_credential_batch(batch_id: int) -> None:
    credential_batch_run(batch_id, send_letter=mail_letter)


@task()
def purge_credential_letters() -> int:
    return credential_batches_purge()


@task()
def revoke_leavers_today() -> int:
    return revoke_leavers(timezone.localdate()).logins_disabled
