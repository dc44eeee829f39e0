"""Background jobs of accounts: e-mails leave the request path."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from campanella.people.mail import send_templated_mail


@task()
def send_mail(*, to: str, template: str, context: dict[str, Any]) -> None:
    send_templated_mail(to=to, template=template, context=context)
