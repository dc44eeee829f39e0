"""What the other areas tell families, turned into notifications: the teller that
campanella.people.news calls (plugged in by CommsConfig.ready), and the notices' own emitter.

Recipients of news about a student: the guardians who receive communications (access not
revoked) and the student's own login; each one's preferences decide the channels.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from campanella.comms.notifications.models import NotificationKind
from campanella.comms.notifications.services import notify
from campanella.people.models import Guardianship, Student
from campanella.people.news import StudentNews
from campanella.school.models import School


def family_logins(student_ids: Sequence[int]) -> dict[int, set[int]]:
    """Per student: the logins told about them (two queries)."""
    logins: dict[int, set[int]] = {student_id: set() for student_id in student_ids}
    for student_id, user_id in Guardianship.objects.filter(
        student_id__in=list(student_ids),
        access_revoked_on__isnull=True,
        receives_communications=True,
        guardian__user__isnull=False,
    ).values_list("student_id", "guardian__user_id"):
        logins[student_id].add(user_id)
    for student_id, user_id in Student.objects.filter(
        pk__in=list(student_ids), user__isnull=False
    ).values_list("pk", "user_id"):
        logins[student_id].add(user_id)
    return logins


def tell_families(news: Sequence[StudentNews], school_id: int | None) -> int:
    """Notify each piece of news to its students' families and the students; how many
    notifications were created."""
    logins = family_logins(sorted({s for item in news for s in item.student_ids}))
    school = School.objects.filter(pk=school_id).first() if school_id else None
    created = 0
    for item in news:
        recipients = set().union(*(logins.get(s, set()) for s in item.student_ids))
        created += notify(
            recipients=recipients, kind=item.kind, title=item.title, url=item.url,
            key=item.key, body=item.body, school=school, not_before=item.not_before,
        )  # fmt: skip
    return created


def notice_published(notice_id: int) -> None:
    """After a notice's publication commits: its recipients (thousands, in bulk) are told."""
    from campanella.comms.notices.models import Notice, NoticeRecipient

    def send() -> None:
        notice = Notice.objects.get(pk=notice_id)
        school = School.objects.filter(institute_id=notice.institute_id).order_by("pk").first()
        recipients = NoticeRecipient.objects.filter(notice_id=notice_id).values_list(
            "user_id", flat=True
        )
        notify(
            recipients=list(recipients),
            kind=NotificationKind.NOTICE,
            title=_("Nuova comunicazione: %(title)s") % {"title": notice.title},
            body=notice.label,
            url=f"/comunicazioni/{notice.pk}/",
            key=f"notice:{notice.pk}",
            school=school,
            not_before=notice.publish_at,
        )

    transaction.on_commit(send, robust=True)
