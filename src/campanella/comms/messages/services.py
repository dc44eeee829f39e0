"""Writes of messages: start a thread, reply, write to whole classrooms' families, mark read,
set the hours and a teacher's inbox. Each is one atomic action, authorized through `rules`,
kept in the history (campanella.audit); refusals carry an Italian message and a stable code.

For notifications (wired later): every write of a message returns the `Message`, and
`message.recipients()` lists the logins it is new for.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, changes_record_created, snapshot
from campanella.comms.messages import hours, rules
from campanella.comms.messages.models import (
    Broadcast,
    Message,
    MessageAttachment,
    MessageHours,
    Side,
    TeacherInbox,
    Thread,
    ThreadParticipant,
)
from campanella.comms.notices.files import CheckedFile, FileRefused, checked_file
from campanella.comms.notifications import emit
from campanella.people.models import Enrollment, Guardian, Guardianship, Staff, Student, User
from campanella.people.roles import roles_for_user
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom

BATCH = 1_000
MAX_ATTACHMENTS = 5
MAX_BODY = 5_000
MAX_SUBJECT = 200


class MessageError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Unreachable(MessageError):
    """A family (or a teacher) this login may not write to: nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "destinatario_non_raggiungibile")


class NotAllowed(Exception):
    """The login may not see this thread: answered 404, as for a missing one."""


# --- checks -------------------------------------------------------------------------------


def text_refusal(body: str, subject: str | None = None) -> MessageError | None:
    if subject is not None and not subject.strip():
        return MessageError(_("Indicare l'oggetto del messaggio."), "oggetto_mancante")
    if subject is not None and len(subject.strip()) > MAX_SUBJECT:
        return MessageError(
            _("L'oggetto supera i %(max)s caratteri.") % {"max": MAX_SUBJECT},
            "oggetto_troppo_lungo",
        )
    if not body.strip():
        return MessageError(_("Scrivere il testo del messaggio."), "testo_mancante")
    if len(body.strip()) > MAX_BODY:
        return MessageError(
            _("Il messaggio supera i %(max)s caratteri.") % {"max": MAX_BODY}, "testo_troppo_lungo"
        )
    return None


def checked_files(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Every file checked by its content and size before anything is written."""
    if len(files) > MAX_ATTACHMENTS:
        raise MessageError(
            _("Al massimo %(max)s allegati per messaggio.") % {"max": MAX_ATTACHMENTS},
            "troppi_allegati",
        )
    try:
        return [checked_file(upload) for upload in files]
    except FileRefused as error:
        raise MessageError(error.message, error.code) from None


def refuse_off_hours(thread: Thread, side: str, moment: datetime.datetime) -> None:
    """A family writing to a teacher who closed their inbox outside the school's hours."""
    if side != Side.FAMILY or thread.teacher_id is None:
        return
    assert thread.teacher is not None
    why = hours.closed_now(thread.teacher.user_id, thread.institute_id, moment)
    if why:
        raise MessageError(why, "fuori_orario")


# --- who writes, who reads ------------------------------------------------------------------


def author_name(user: User, side: str, institute_id: int) -> str:
    if side == Side.FAMILY:
        guardian = Guardian.objects.filter(user=user, institute_id=institute_id).first()
        return guardian.full_name if guardian is not None else user.get_username()
    staff = roles_for_user(user).staff
    name = staff.full_name if staff is not None else user.get_username()
    if side == Side.OFFICE:
        return _("Segreteria (%(name)s)") % {"name": name}
    return _("Prof. %(name)s") % {"name": name}


def family_user_ids(student_ids: Iterable[int]) -> dict[int, list[int]]:
    """The logins of each student's guardians whose access is not revoked."""
    found: dict[int, list[int]] = defaultdict(list)
    links = Guardianship.objects.filter(
        student_id__in=list(student_ids),
        access_revoked_on__isnull=True,
        guardian__user__isnull=False,
        guardian__user__is_active=True,
    ).values_list("student_id", "guardian__user_id")
    for student_id, user_id in links:
        found[student_id].append(user_id)
    return found


def office_user_ids(institute_id: int) -> list[int]:
    return list(
        Staff.objects.filter(
            institute_id=institute_id, is_office=True, active=True, user__isnull=False
        ).values_list("user_id", flat=True)
    )


def participants_sync(message: Message, now: datetime.datetime) -> None:
    """The thread's participants as they are now (rows added for new ones), the message
    marked unread for every one of them but its author and the author's office colleagues."""
    thread = message.thread
    sides: dict[int, str] = {}
    for user_id in family_user_ids([thread.student_id]).get(thread.student_id, []):
        sides.setdefault(user_id, Side.FAMILY)
    if thread.teacher is not None and thread.teacher.user_id is not None:
        sides.setdefault(thread.teacher.user_id, Side.TEACHER)
    if thread.with_office:
        for user_id in office_user_ids(thread.institute_id):
            sides.setdefault(user_id, Side.OFFICE)
    sides.setdefault(message.author_id, message.author_side)
    ThreadParticipant.objects.bulk_create(
        [ThreadParticipant(thread=thread, user_id=u, side=s) for u, s in sides.items()],
        ignore_conflicts=True,
    )
    rows = ThreadParticipant.objects.filter(thread=thread)
    rows.filter(user__in=message.recipients(), unread_since__isnull=True).update(unread_since=now)
    rows.filter(user_id=message.author_id).update(unread_since=None, last_read_at=now)


def attach(message: Message, checked: Sequence[CheckedFile]) -> None:
    for one in checked:
        MessageAttachment.objects.create(
            message=message,
            thread_id=message.thread_id,
            file=one.as_content_file(),
            name=one.name,
            content_type=one.kind.content_type,
            size=len(one.content),
            sha256=one.sha256,
        )


def message_create(
    thread: Thread, user: User, side: str, body: str, checked: Sequence[CheckedFile]
) -> Message:
    now = timezone.now()
    message = Message.objects.create(
        thread=thread,
        author=user,
        author_side=side,
        author_name=author_name(user, side, thread.institute_id),
        body=body.strip(),
        created_at=now,
    )
    attach(message, checked)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    thread.last_message_at = now
    participants_sync(message, now)
    change_record(
        instance=message,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=thread.institute_id,
        reason=_("Messaggio"),
    )
    emit.message_written(message.pk)
    return message


# --- writes -------------------------------------------------------------------------------


def counterpart(
    user: User, student: Student, teacher_id: int | None, to_office: bool
) -> tuple[str, Staff | None]:
    """The writer's side and the teacher of the new thread (None: the office). Raises
    Unreachable, with the reason in Italian, when this login may not write there."""
    if rules.is_family_of(user, student.pk):
        if to_office and teacher_id is None:
            return Side.FAMILY, None
        teacher = rules.child_teachers(user, student.pk).filter(pk=teacher_id or 0).first()
        if teacher is None:
            raise Unreachable(
                _("Si può scrivere soltanto ai docenti della classe di %(name)s o alla "
                  "segreteria.") % {"name": student.name}
            )  # fmt: skip
        return Side.FAMILY, teacher
    roles = roles_for_user(user)
    if teacher_id is None and rules.may_reach_family_as_staff(user, student.pk):
        if rules.office_institute_id(user) is not None:
            return Side.OFFICE, None
        return Side.TEACHER, roles.staff
    raise Unreachable(
        _("Non è possibile scrivere alla famiglia di questo alunno: non è un alunno delle sue "
          "classi.")
    )  # fmt: skip


def thread_start(
    *,
    user: User,
    student_id: int,
    subject: str,
    body: str,
    teacher_id: int | None = None,
    to_office: bool = False,
    files: Sequence[UploadedFile] = (),
) -> Message:
    """Start a thread about a student between its family and a teacher or the office, with
    its first message. Refused (Unreachable) for a family or a teacher this login may not
    write to; bad input, a refused file or a closed inbox raise MessageError. Nothing is
    written on a refusal."""
    student = Student.objects.filter(pk=student_id).first()
    if student is None:
        raise Unreachable(_("Alunno non trovato."))
    side, teacher = counterpart(user, student, teacher_id, to_office)
    refusal = text_refusal(body, subject)
    if refusal is not None:
        raise refusal
    checked = checked_files(files)
    draft = Thread(
        institute_id=student.institute_id,
        student=student,
        teacher=teacher,
        with_office=teacher is None,
        subject=subject.strip(),
        started_by=user,
    )
    refuse_off_hours(draft, side, timezone.now())
    with transaction.atomic():
        draft.save()
        change_record(
            instance=draft,
            action=ChangeAction.CREATE,
            actor=user,
            institute_id=draft.institute_id,
            reason=_("Nuova conversazione"),
        )
        return message_create(draft, user, side, body, checked)


def message_send(
    *, user: User, thread_id: int, body: str, files: Sequence[UploadedFile] = ()
) -> Message:
    """A reply in a thread by one of its sides (anyone else: NotAllowed, 404)."""
    access = rules.thread_access(user, thread_id)
    if access is None:
        raise NotAllowed
    refusal = text_refusal(body)
    if refusal is not None:
        raise refusal
    checked = checked_files(files)
    refuse_off_hours(access.thread, access.side, timezone.now())
    with transaction.atomic():
        # One reply at a time per thread: the row locked, then read again.
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        return message_create(thread, user, access.side, body, checked)


def thread_read(*, user: User, thread: Thread) -> bool:
    """Mark the thread read for this login (its unread state only: not a record of the
    register, so not kept in the history)."""
    updated = ThreadParticipant.objects.filter(
        thread=thread, user_id=user.pk, unread_since__isnull=False
    ).update(unread_since=None, last_read_at=timezone.now())
    return bool(updated)


def thread_read_by_id(*, user: User, thread_id: int) -> bool:
    access = rules.thread_access(user, thread_id)
    if access is None:
        raise NotAllowed
    return thread_read(user=user, thread=access.thread)


# --- the office to whole classrooms -------------------------------------------------------


def broadcast_send(
    *,
    user: User,
    classroom_ids: Sequence[int],
    subject: str,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> Broadcast:
    """The office writes once to the families of whole classrooms: one thread per student
    enrolled today with a family, all rows written in bulk inserts (a whole school year's
    classrooms in a few queries). Refused (NotAllowed) for a classroom of another institute."""
    institute_id = rules.office_institute_id(user)
    wanted = sorted(set(classroom_ids))
    if institute_id is None:
        raise NotAllowed
    rooms = Classroom.objects.filter(pk__in=wanted, school__institute_id=institute_id)
    if not wanted or rooms.count() != len(wanted):
        raise Unreachable(_("Scegliere una o più classi dell'istituto."))
    refusal = text_refusal(body, subject)
    if refusal is not None:
        raise refusal
    checked = checked_files(files)
    today = timezone.localdate()
    student_ids = sorted(
        set(
            Enrollment.objects.filter(
                active_enrollments_on(today), classroom_id__in=wanted
            ).values_list("student_id", flat=True)
        )
    )
    with_family = set(
        Guardianship.objects.filter(
            student_id__in=student_ids, access_revoked_on__isnull=True
        ).values_list("student_id", flat=True)
    )
    return _broadcast(
        user, institute_id, wanted, [s for s in student_ids if s in with_family],
        subject.strip(), body.strip(), checked,
    )  # fmt: skip


@transaction.atomic
def _broadcast(
    user: User,
    institute_id: int,
    classroom_ids: list[int],
    student_ids: list[int],
    subject: str,
    body: str,
    checked: Sequence[CheckedFile],
) -> Broadcast:
    now = timezone.now()
    broadcast = Broadcast.objects.create(
        institute_id=institute_id,
        author=user,
        subject=subject,
        classroom_ids=classroom_ids,
        created_at=now,
        thread_count=len(student_ids),
    )
    threads = Thread.objects.bulk_create(
        [
            Thread(
                institute_id=institute_id, student_id=student_id, with_office=True,
                subject=subject, started_by=user, broadcast=broadcast, created_at=now,
                last_message_at=now,
            )
            for student_id in student_ids
        ],
        batch_size=BATCH,
    )  # fmt: skip
    name = author_name(user, Side.OFFICE, institute_id)
    messages = Message.objects.bulk_create(
        [
            Message(thread=thread, author=user, author_side=Side.OFFICE, author_name=name,
                    body=body, created_at=now)
            for thread in threads
        ],
        batch_size=BATCH,
    )  # fmt: skip
    stored = [(one, stored_once(one)) for one in checked]
    MessageAttachment.objects.bulk_create(
        [
            MessageAttachment(
                message=message, thread_id=message.thread_id, file=path, name=one.name,
                content_type=one.kind.content_type, size=len(one.content), sha256=one.sha256,
            )
            for message in messages
            for one, path in stored
        ],
        batch_size=BATCH,
    )  # fmt: skip
    families = family_user_ids(student_ids)
    office = office_user_ids(institute_id)
    rows = []
    for thread in threads:
        family = families.get(thread.student_id, [])
        rows += [ThreadParticipant(thread=thread, user_id=u, side=Side.FAMILY, unread_since=now)
                 for u in family]  # fmt: skip
        rows += [
            ThreadParticipant(thread=thread, user_id=u, side=Side.OFFICE,
                              last_read_at=now if u == user.pk else None)
            for u in [*office, *([] if user.pk in office else [user.pk])] if u not in family
        ]  # fmt: skip
    ThreadParticipant.objects.bulk_create(rows, batch_size=BATCH)
    change_record(
        instance=broadcast,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=institute_id,
        reason=_("Messaggio alle famiglie di %(count)s alunni") % {"count": len(threads)},
    )
    changes_record_created(
        instances=messages, actor=user, institute_id=institute_id, reason=_("Messaggio")
    )
    emit.broadcast_written(broadcast.pk, sorted({u for users in families.values() for u in users}))
    return broadcast


def stored_once(one: CheckedFile) -> str:
    """A file sent to many threads, stored once: the stored name every attachment row names."""
    field = MessageAttachment._meta.get_field("file")
    path = field.generate_filename(None, one.name)
    return str(field.storage.save(path, ContentFile(one.content)))


# --- settings -----------------------------------------------------------------------------


def message_hours_set(
    *,
    user: User,
    weekdays: Sequence[int],
    opens_at: datetime.time,
    closes_at: datetime.time,
) -> MessageHours:
    """The office sets when its institute's teachers receive families' messages."""
    institute_id = rules.office_institute_id(user)
    if institute_id is None:
        raise NotAllowed
    days = sorted({d for d in weekdays if 0 <= d <= 6})
    if closes_at <= opens_at:
        raise MessageError(
            _("L'orario di fine deve essere successivo a quello di inizio."), "orario_non_valido"
        )
    fields = ["weekdays", "opens_at", "closes_at"]
    with transaction.atomic():
        found = MessageHours.objects.select_for_update().filter(institute_id=institute_id).first()
        before = snapshot(found, fields) if found is not None else None
        hours_row = found or MessageHours(institute_id=institute_id)
        hours_row.weekdays = days
        hours_row.opens_at = opens_at
        hours_row.closes_at = closes_at
        hours_row.save()
        change_record(
            instance=hours_row,
            action=ChangeAction.UPDATE if found is not None else ChangeAction.CREATE,
            actor=user,
            before=before,
            after=snapshot(hours_row, fields),
            institute_id=institute_id,
            reason=_("Orario dei messaggi"),
        )
    return hours_row


def teacher_inbox_set(*, user: User, closed_off_hours: bool) -> TeacherInbox:
    """A teacher closes (or opens) their inbox to families outside the school's hours."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        raise NotAllowed
    with transaction.atomic():
        inbox, created = TeacherInbox.objects.select_for_update().get_or_create(user=user)
        before = None if created else snapshot(inbox, ["closed_off_hours"])
        inbox.closed_off_hours = closed_off_hours
        inbox.save(update_fields=["closed_off_hours"])
        change_record(
            instance=inbox,
            action=ChangeAction.UPDATE,
            actor=user,
            before=before,
            after=snapshot(inbox, ["closed_off_hours"]),
            institute_id=roles.staff.institute_id,
            reason=_("Ricezione dei messaggi fuori orario"),
        )
    return inbox
