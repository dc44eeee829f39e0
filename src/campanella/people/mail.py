"""Sending e-mail: plain-text Italian messages rendered from templates, optional attachments.

Every message names the school: its name is the sender's display name (the address stays
DEFAULT_FROM_EMAIL's) and the templates get it as `school` for the subject and the signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def sender(school: str) -> str:
    """DEFAULT_FROM_EMAIL's address under the school's name ("IIS Galilei" <noreply@…>)."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((school or default_name, address))


def send_templated_mail(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    school: str = "",
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """`template`.subject.txt holds the subject line, `template`.txt the body."""
    context = {**context, "school": school}
    subject = render_to_string(f"{template}.subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    message = EmailMessage(subject, body, sender(school), [to])
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send(fail_silently=False)
