"""The demo's notices: the office writes, through the same service a school uses, a circular to
the whole institute's families and staff asking a read confirmation, and a trip to one first
class's families asking their consent per child, so a demo family finds both unread."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campanella.comms.notices.models import AudienceScope, Notice
from campanella.comms.notices.services import NoticeDraft, audience_of, notice_publish
from campanella.people.models import Staff
from campanella.school.models import Classroom, SchoolYear


def generate_notices(*, institute_id: int, year: SchoolYear, today: datetime.date) -> int:
    """Notices written (none if the institute has some already, or no office)."""
    office = (
        Staff.objects.select_related("user")
        .filter(institute_id=institute_id, is_office=True, user__isnull=False)
        .first()
    )
    if office is None or office.user is None or Notice.objects.filter(institute_id=institute_id):
        return 0
    published = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(9, 0))
    )
    # A week from now (the generator may be given a day in the past): still open.
    deadline = max(today, timezone.localdate()) + datetime.timedelta(days=7)
    deadline_at = timezone.make_aware(datetime.datetime.combine(deadline, datetime.time(12, 0)))
    drafts = [
        NoticeDraft(
            title="Calendario dei colloqui generali",
            body=(
                "Si comunica che i colloqui generali con le famiglie si terranno nelle date "
                "indicate nel calendario allegato al registro. Si chiede di confermare la "
                "lettura."
            ),
            audience=audience_of(AudienceScope.INSTITUTE, ["famiglie", "personale"]),
            publish_at=published,
            requires_confirmation=True,
        )
    ]
    first = (
        Classroom.objects.filter(school_year=year, year=1).order_by("school_id", "section").first()
    )
    if first is not None:
        drafts.append(
            NoticeDraft(
                title=f"Uscita didattica della {first.name} al museo",
                body=(
                    "La classe visiterà il museo di storia naturale accompagnata dai docenti. "
                    "Partenza alle 8:30 dalla scuola, rientro alle 13:00."
                ),
                audience=audience_of(
                    AudienceScope.CLASSROOMS, ["famiglie"], classroom_ids=[first.pk]
                ),
                publish_at=published,
                asks_consent=True,
                consent_question="Autorizzate la partecipazione all'uscita?",
                consent_deadline=deadline_at,
                consent_per_child=True,
            )
        )
    for draft in drafts:
        notice_publish(user=office.user, draft=draft, today=today)
    return len(drafts)
