"""What the other areas tell families, turned into notifications: the teller that
campanella.people.news calls (plugged in by CommsConfig.ready), and the notices' own emitter.

Recipients of news about a student: the guardians who receive communications (access not
revoked) and the student's own login; each one's preferences decide the channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.comms.notifications.models import Notification, NotificationKind
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
    after_commit(lambda: _tell_notice_recipients(notice_id, withdrawn=False))


def notice_withdrawn(notice_id: int, *, published: bool) -> None:
    """Within a notice's withdrawal. Not yet published: the notifications waiting for its
    publication are dropped with it (in the same transaction: none may go out for it).
    Published: once the withdrawal commits, its recipients are told, with the reason."""
    if not published:
        Notification.objects.filter(
            key=f"notice:{notice_id}", visible_from__gt=timezone.now()
        ).delete()  # their deliveries with them (cascade)
        return
    after_commit(lambda: _tell_notice_recipients(notice_id, withdrawn=True))


def _tell_notice_recipients(notice_id: int, *, withdrawn: bool) -> None:
    """Every recipient of the notice, told of its publication or of its withdrawal."""
    from campanella.comms.notices.models import Notice, NoticeRecipient

    notice = Notice.objects.get(pk=notice_id)
    school = School.objects.filter(institute_id=notice.institute_id).order_by("pk").first()
    recipients = NoticeRecipient.objects.filter(notice_id=notice_id).values_list(
        "user_id", flat=True
    )
    if withdrawn:
        title = _("Comunicazione annullata: %(title)s") % {"title": notice.title}
        body = f"{notice.label} · {notice.withdrawal_reason}"[:500]
        key, not_before = f"notice:{notice.pk}:withdrawn", None
    else:
        title = _("Nuova comunicazione: %(title)s") % {"title": notice.title}
        body, key, not_before = notice.label, f"notice:{notice.pk}", notice.publish_at
    notify(
        recipients=list(recipients), kind=NotificationKind.NOTICE, title=title, body=body,
        url=f"/comunicazioni/{notice.pk}/", key=key, school=school, not_before=not_before,
    )  # fmt: skip


def after_commit(send: Callable[[], object]) -> None:
    """Notify once the write commits (nothing on a rollback); a failure never fails the write."""
    transaction.on_commit(send, robust=True)


def message_written(message_id: int) -> None:
    """A message in a thread: everyone it is new for (the other side) is told."""
    from campanella.comms.messages.models import Message

    def send() -> None:
        message = Message.objects.select_related("thread").get(pk=message_id)
        notify(
            recipients=list(message.recipients().values_list("pk", flat=True)),
            kind=NotificationKind.MESSAGE,
            title=_("Nuovo messaggio da %(author)s") % {"author": message.author_name},
            body=message.thread.subject,
            url=reverse("comms:message_thread", args=[message.thread_id]),
            key=f"message:{message.pk}",
        )

    after_commit(send)


def broadcast_written(broadcast_id: int, family_user_ids: Sequence[int]) -> None:
    """The office's message to whole classrooms: one notification each, to the inbox."""
    from campanella.comms.messages.models import Broadcast

    def send() -> None:
        broadcast = Broadcast.objects.get(pk=broadcast_id)
        notify(
            recipients=family_user_ids,
            kind=NotificationKind.MESSAGE,
            title=_("Nuovo messaggio dalla segreteria"),
            body=broadcast.subject,
            url=reverse("comms:message_list"),
            key=f"broadcast:{broadcast.pk}",
        )

    after_commit(send)


def meeting_booked(booking_id: int) -> None:
    """A family booked a teacher's meeting: the teacher is told."""
    from campanella.comms.meetings.models import MeetingBooking

    def send() -> None:
        booking = MeetingBooking.objects.select_related("slot__teacher", "student").get(
            pk=booking_id
        )
        teacher = booking.slot.teacher
        if teacher.user_id is None:
            return
        when = timezone.localtime(booking.slot.starts_at)
        notify(
            recipients=[teacher.user_id],
            kind=NotificationKind.MEETING,
            title=_("Colloquio prenotato per %(student)s il %(day)s alle %(time)s")
            % {
                "student": booking.student.full_name,
                "day": when.strftime("%d/%m/%Y"),
                "time": when.strftime("%H:%M"),
            },
            url=f"{reverse('comms:meeting_day')}?giorno={when.date().isoformat()}",
            key=f"meeting-booked:{booking.pk}",
        )

    after_commit(send)


def meetings_cancelled_by_teacher(booking_ids: Sequence[int]) -> None:
    """A teacher cancelled a slot: the families of its bookings are told."""
    from campanella.comms.meetings.models import MeetingBooking

    def send() -> None:
        bookings = list(
            MeetingBooking.objects.filter(pk__in=list(booking_ids)).select_related(
                "slot__teacher", "student"
            )
        )
        logins = family_logins(sorted({b.student_id for b in bookings}))
        for booking in bookings:
            when = timezone.localtime(booking.slot.starts_at)
            notify(
                recipients=logins.get(booking.student_id, set()),
                kind=NotificationKind.MEETING,
                title=_("Colloquio annullato: %(teacher)s, %(day)s alle %(time)s")
                % {
                    "teacher": booking.slot.teacher.full_name,
                    "day": when.strftime("%d/%m/%Y"),
                    "time": when.strftime("%H:%M"),
                },
                url=reverse("comms:meeting_index"),
                key=f"meeting-cancelled:{booking.pk}",
            )

    after_commit(send)


def material_shared(
    material_id: int, user_ids: Sequence[int], when: datetime | None, url: str
) -> None:
    """New teaching material: the classroom's students and families, from when it shows."""
    from campanella.comms.materials.models import Material

    def send() -> None:
        material = Material.objects.select_related("subject").get(pk=material_id)
        notify(
            recipients=user_ids,
            kind=NotificationKind.MATERIAL,
            title=_("Nuovo materiale di %(subject)s: %(title)s")
            % {"subject": material.subject.name, "title": material.title},
            url=url,
            key=f"material:{material.pk}",
            not_before=when,
        )

    after_commit(send)
