"""Background jobs of accounts: e-mails leave the request path."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from campanella.accounts import mailing
from campanella.people.mail import send_templated_mail


@task()
def send_mail(*, to: str, template: str, context: dict[str, Any], school: str = "") -> None:
    send_templated_mail(to=to, template=template, context=context, school=school)


@task()
def recover_by_address(*, address: str, site: str) -> int:
    """Enqueued for every address typed, known or not: the request does the same work."""
    return mailing.recover_by_address(address=address, site=site)


@task()
def recover_account(*, user_id: int | None, address: str, site: str) -> bool:
    return mailing.recover_account(user_id=user_id, address=address, site=site)
