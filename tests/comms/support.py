"""Notices of the cast (tests.conftest): to 1ª A's families, asking consent per child."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from campanella.comms.notices.models import AudienceScope, Notice
from campanella.comms.notices.services import NoticeDraft, audience_of, notice_publish
from tests.conftest import Cast


def draft(c: Cast, **changes: Any) -> NoticeDraft:
    now = timezone.now()
    values: dict[str, Any] = {
        "title": "Uscita didattica al museo",
        "body": "Il 12 si va al museo di scienze.",
        "audience": audience_of(
            AudienceScope.CLASSROOMS, ["famiglie"], classroom_ids=[c.classroom_1a.pk]
        ),
        "publish_at": now - datetime.timedelta(minutes=1),
        "asks_consent": True,
        "consent_question": "Autorizzate la partecipazione?",
        "consent_deadline": now + datetime.timedelta(days=3),
        "consent_per_child": True,
    }
    values.update(changes)
    return NoticeDraft(**values)


def trip(c: Cast, **changes: Any) -> Notice:
    return notice_publish(user=c.office, draft=draft(c, **changes))


def to_1a(c: Cast) -> Notice:
    """A notice to 1ª A's families and students needing a read confirmation."""
    return trip(
        c,
        title="Orario provvisorio",
        audience=audience_of(
            AudienceScope.CLASSROOMS, ["famiglie", "studenti"], classroom_ids=[c.classroom_1a.pk]
        ),
        asks_consent=False,
        consent_deadline=None,
        consent_per_child=False,
        requires_confirmation=True,
    )
