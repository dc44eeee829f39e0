"""Writes of notices: publication (recipients in bulk), read, read confirmation, consent and
reminders. Each is one atomic action, authorized through `rules`, kept in the history."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.comms.notices import rules
from campanella.comms.notices.audience import Audience, describe, resolve
from campanella.comms.notices.files import CheckedFile, FileRefused, checked_file
from campanella.comms.notices.models import (
    AudienceRole,
    AudienceScope,
    Notice,
    NoticeAttachment,
    NoticeConsent,
    NoticeCounter,
    NoticeKind,
    NoticeRecipient,
    NoticeRecipientStudent,
    NoticeReminder,
)
from campanella.comms.notifications.emit import notice_published, notice_withdrawn
from campanella.people.models import User
from campanella.people.roles import roles_for_user
from campanella.school.models import SchoolYear
from campanella.school.selectors import current_school_year

BATCH = 2_000
MAX_ATTACHMENTS = 10


class NoticeError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """The login may not do this to this notice: answered 404, as for a missing one."""


@dataclass(frozen=True)
class NoticeDraft:
    title: str
    body: str
    audience: Audience
    publish_at: datetime.datetime
    kind: str = NoticeKind.CIRCULAR
    protocol: str = ""
    expires_at: datetime.datetime | None = None
    requires_confirmation: bool = False
    asks_consent: bool = False
    consent_question: str = ""
    consent_deadline: datetime.datetime | None = None
    consent_per_child: bool = False


def audience_of(
    scope: str,
    roles: Sequence[str],
    *,
    school_ids: Sequence[int] = (),
    years: Sequence[int] = (),
    classroom_ids: Sequence[int] = (),
    student_ids: Sequence[int] = (),
) -> Audience:
    """An audience keeping only the choices its scope uses."""
    keep = {
        AudienceScope.SCHOOLS: {"school_ids"},
        AudienceScope.YEARS: {"years", "school_ids"},
        AudienceScope.CLASSROOMS: {"classroom_ids"},
        AudienceScope.FAMILIES: {"student_ids"},
    }.get(AudienceScope(scope), set())
    family_scope = scope == AudienceScope.FAMILIES
    chosen_roles = [AudienceRole.FAMILIES.value] if family_scope else list(roles)
    return Audience(
        scope=scope,
        roles=tuple(sorted(set(chosen_roles))),
        school_ids=tuple(sorted(set(school_ids))) if "school_ids" in keep else (),
        years=tuple(sorted(set(years))) if "years" in keep else (),
        classroom_ids=tuple(sorted(set(classroom_ids))) if "classroom_ids" in keep else (),
        student_ids=tuple(sorted(set(student_ids))) if "student_ids" in keep else (),
    )


def draft_refusal(draft: NoticeDraft) -> NoticeError | None:
    if not draft.title.strip() or not draft.body.strip():
        return NoticeError(
            _("Indicare l'oggetto e il testo della comunicazione."), "testo_mancante"
        )
    if not draft.audience.roles:
        return NoticeError(_("Scegliere a chi è rivolta la comunicazione."), "destinatari_mancanti")
    if draft.expires_at is not None and draft.expires_at <= draft.publish_at:
        return NoticeError(
            _("La scadenza deve essere successiva alla pubblicazione."), "scadenza_non_valida"
        )
    if draft.asks_consent:
        if draft.consent_deadline is None:
            return NoticeError(
                _("Per chiedere l'adesione indicare il termine entro cui rispondere."),
                "termine_mancante",
            )
        if draft.consent_deadline <= max(draft.publish_at, timezone.now()):
            return NoticeError(
                _("Il termine per l'adesione deve essere successivo alla pubblicazione."),
                "termine_non_valido",
            )
    return None


def next_number(institute_id: int, year: SchoolYear) -> int:
    counter, _created = NoticeCounter.objects.get_or_create(
        institute_id=institute_id, school_year=year
    )
    counter = NoticeCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def author_name(user: User) -> str:
    roles = roles_for_user(user)
    if roles.staff is not None:
        role = _("Il dirigente") if roles.is_principal else _("La segreteria")
        if not (roles.is_principal or roles.is_office):
            role = _("Prof.")
        return f"{role} {roles.staff.full_name}".strip()
    return user.get_username()


def notice_publish(
    *,
    user: User,
    draft: NoticeDraft,
    files: Sequence[UploadedFile] = (),
    today: datetime.date | None = None,
) -> Notice:
    """Write the notice, number it, attach its files and create its recipients (in bulk).
    Refused (NotAllowed) unless this login may address the audience; bad input raises
    NoticeError; files are checked before anything is written."""
    institute_id = rules.writer_institute_id(user)
    if institute_id is None:
        raise NotAllowed
    day = today or timezone.localdate()
    year = current_school_year(institute_id, day)
    if year is None or not rules.may_address(user, draft.audience, year):
        raise NotAllowed
    refusal = draft_refusal(draft)
    if refusal is not None:
        raise refusal
    if len(files) > MAX_ATTACHMENTS:
        raise NoticeError(
            _("Al massimo %(max)s allegati.") % {"max": MAX_ATTACHMENTS}, "troppi_allegati"
        )
    try:
        checked = [checked_file(upload) for upload in files]
    except FileRefused as error:
        raise NoticeError(error.message, error.code) from None
    return _publish(user, draft, checked, institute_id, year, day)


@transaction.atomic
def _publish(
    user: User,
    draft: NoticeDraft,
    checked: Sequence[CheckedFile],
    institute_id: int,
    year: SchoolYear,
    day: datetime.date,
) -> Notice:
    notice = Notice.objects.create(
        institute_id=institute_id,
        school_year=year,
        number=next_number(institute_id, year),
        protocol=draft.protocol.strip(),
        kind=draft.kind,
        title=draft.title.strip(),
        body=draft.body.strip(),
        author=user,
        author_name=author_name(user),
        audience=draft.audience.as_json(),
        audience_label=describe(draft.audience, institute_id, year),
        publish_at=draft.publish_at,
        expires_at=draft.expires_at,
        requires_confirmation=draft.requires_confirmation,
        asks_consent=draft.asks_consent,
        consent_question=draft.consent_question.strip() if draft.asks_consent else "",
        consent_deadline=draft.consent_deadline if draft.asks_consent else None,
        consent_per_child=draft.consent_per_child and draft.asks_consent,
    )
    for one in checked:
        NoticeAttachment.objects.create(
            notice=notice,
            file=one.as_content_file(),
            name=one.name,
            content_type=one.kind.content_type,
            size=len(one.content),
            sha256=one.sha256,
        )
    notice.recipient_count = recipients_create(notice, draft.audience, day)
    Notice.objects.filter(pk=notice.pk).update(recipient_count=notice.recipient_count)
    notice_published(notice.pk)  # the recipients' notifications, once this commits
    change_record(
        instance=notice,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=institute_id,
        reason=_("Pubblicazione a %(count)s destinatari") % {"count": notice.recipient_count},
    )
    return notice


def recipients_create(notice: Notice, audience: Audience, day: datetime.date) -> int:
    """The notice's recipients and the students they are reached through, in bulk inserts."""
    reached = resolve(audience, notice.institute_id, notice.school_year, day)
    rows = NoticeRecipient.objects.bulk_create(
        (
            NoticeRecipient(
                notice=notice,
                user_id=one.user_id,
                kind=one.kind,
                visible_from=notice.publish_at,
                visible_until=notice.expires_at,
            )
            for one in reached
        ),
        batch_size=BATCH,
    )
    NoticeRecipientStudent.objects.bulk_create(
        (
            NoticeRecipientStudent(
                recipient_id=row.pk, notice=notice, student_id=student_id, classroom_id=room_id
            )
            for row, one in zip(rows, reached, strict=True)
            for student_id, room_id in one.students.items()
        ),
        batch_size=BATCH,
    )
    return len(rows)


# --- what recipients do --------------------------------------------------------------------


def recipient_or_404(user: User, notice_id: int) -> NoticeRecipient:
    access = rules.notice_access(user, notice_id)
    if access is None or access.recipient is None:
        raise NotAllowed
    return access.recipient


def notice_read(*, user: User, recipient: NoticeRecipient) -> bool:
    """Mark the recipient's notice as read, once (the first opening's time is kept)."""
    if recipient.read_at is not None or recipient.user_id != user.pk:
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = NoticeRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(
            read_at=now
        )
        if not updated:
            return False
        recipient.read_at = now
        change_record(
            instance=recipient,
            action=ChangeAction.UPDATE,
            actor=user,
            before={"read_at": None},
            after=snapshot(recipient, ["read_at"]),
            institute_id=recipient.notice.institute_id,
            reason=_("Lettura"),
        )
    return True


def notice_read_by_id(*, user: User, notice_id: int) -> NoticeRecipient:
    recipient = recipient_or_404(user, notice_id)
    notice_read(user=user, recipient=recipient)
    return recipient


@transaction.atomic
def notice_confirm(*, user: User, notice_id: int) -> tuple[NoticeRecipient, bool]:
    """The explicit read confirmation (presa visione), timestamped: (recipient, whether new)."""
    recipient = recipient_or_404(user, notice_id)
    refuse_if_withdrawn(recipient.notice)
    if not recipient.notice.requires_confirmation:
        raise NoticeError(
            _("Questa comunicazione non richiede la conferma di lettura."),
            "conferma_non_richiesta",
        )
    recipient = (
        NoticeRecipient.objects.select_for_update().select_related("notice").get(pk=recipient.pk)
    )
    if recipient.confirmed_at is not None:
        return recipient, False
    before = snapshot(recipient, ["read_at", "confirmed_at"])
    now = timezone.now()
    recipient.confirmed_at = now
    recipient.read_at = recipient.read_at or now
    recipient.save(update_fields=["confirmed_at", "read_at"])
    change_record(
        instance=recipient,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        after=snapshot(recipient, ["read_at", "confirmed_at"]),
        institute_id=recipient.notice.institute_id,
        reason=_("Conferma di lettura"),
    )
    return recipient, True


def notice_consent(
    *,
    user: User,
    notice_id: int,
    agrees: bool,
    text: str = "",
    student_id: int | None = None,
    upload: UploadedFile | None = None,
) -> tuple[NoticeConsent, bool]:
    """Answer (or change, until the deadline) a consent: (the answer, whether new). Refused
    after the deadline (NoticeError `termine_scaduto`); for a child the login may not answer
    for: NotAllowed (404), nothing written."""
    recipient = recipient_or_404(user, notice_id)
    notice = recipient.notice
    refuse_if_withdrawn(notice)
    if not notice.asks_consent:
        raise NoticeError(
            _("Questa comunicazione non chiede un'adesione."), "adesione_non_richiesta"
        )
    if not rules.may_consent_for(recipient, student_id):
        raise NotAllowed
    if not notice.consent_open():
        deadline = timezone.localtime(notice.consent_deadline)
        raise NoticeError(
            _("Il termine per rispondere è scaduto il %(day)s alle %(time)s: la risposta non "
              "può più essere registrata.")
            % {"day": deadline.strftime("%d/%m/%Y"), "time": deadline.strftime("%H:%M")},
            "termine_scaduto",
        )  # fmt: skip
    if len(text) > 1000:
        raise NoticeError(_("Le note superano i 1000 caratteri."), "note_troppo_lunghe")
    try:
        checked = checked_file(upload) if upload is not None else None
    except FileRefused as error:
        raise NoticeError(error.message, error.code) from None
    try:
        with transaction.atomic():
            return _consent_save(user, recipient, agrees, text.strip(), student_id, checked)
    except IntegrityError:  # the same answer sent twice at once: the first one stands
        found = NoticeConsent.objects.get(for_student(student_id), recipient=recipient)
        return found, False


def for_student(student_id: int | None) -> Q:
    """An answer for this child, or (None) for oneself."""
    return Q(student__isnull=True) if student_id is None else Q(student_id=student_id)


def consent_snapshot(consent: NoticeConsent) -> dict[str, object]:
    """The answer for the history (the file by its stored name)."""
    values = snapshot(consent, ["notice", "recipient", "student", "agrees", "text", "answered_at"])
    values["file"] = consent.file.name or ""
    return values


def _consent_save(
    user: User,
    recipient: NoticeRecipient,
    agrees: bool,
    text: str,
    student_id: int | None,
    checked: CheckedFile | None,
) -> tuple[NoticeConsent, bool]:
    consent = (
        NoticeConsent.objects.select_for_update()
        .filter(for_student(student_id), recipient=recipient)
        .first()
    )
    before = consent_snapshot(consent) if consent is not None else None
    created = consent is None
    if consent is None:
        consent = NoticeConsent(notice=recipient.notice, recipient=recipient, student_id=student_id)
    consent.agrees = agrees
    consent.text = text
    consent.answered_at = timezone.now()
    if checked is not None:
        consent.file = checked.as_content_file()
        consent.file_name = checked.name
    consent.save()
    if recipient.read_at is None:
        NoticeRecipient.objects.filter(pk=recipient.pk).update(read_at=consent.answered_at)
    change_record(
        instance=consent,
        action=ChangeAction.CREATE if created else ChangeAction.UPDATE,
        actor=user,
        before=before,
        after=consent_snapshot(consent),
        institute_id=recipient.notice.institute_id,
        reason=_("Adesione") if agrees else _("Mancata adesione"),
    )
    return consent, created


# --- withdrawal ---------------------------------------------------------------------------

WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawn_by_name", "withdrawal_reason"]
REASON_MAX = 500


def refuse_if_withdrawn(notice: Notice) -> None:
    """A withdrawn notice asks nothing any more: no confirmation, no answer, no reminder."""
    if notice.withdrawn_at is not None:
        raise NoticeError(
            _("La comunicazione è stata annullata: non serve più rispondere."),
            "comunicazione_annullata",
        )


@transaction.atomic
def notice_withdraw(*, user: User, notice_id: int, reason: str) -> Notice:
    """Withdraw (annullare) a notice, with the reason, once: by whoever follows it (its author,
    the institute's office and principal; anyone else NotAllowed, nothing written). Recipients
    of a published notice keep it, marked withdrawn, and are told; one not yet published never
    shows to them."""
    followed = rules.followed_notice(user, notice_id)
    if followed is None:
        raise NotAllowed
    reason = reason.strip()
    if not reason:
        raise NoticeError(_("Indicare il motivo dell'annullamento."), "motivo_mancante")
    if len(reason) > REASON_MAX:
        raise NoticeError(
            _("Il motivo supera i %(max)s caratteri.") % {"max": REASON_MAX}, "motivo_troppo_lungo"
        )
    notice = Notice.objects.select_for_update().get(pk=followed.pk)
    if notice.withdrawn_at is not None:
        at = timezone.localtime(notice.withdrawn_at)
        raise NoticeError(
            _("La comunicazione è già stata annullata il %(day)s alle %(time)s.")
            % {"day": at.strftime("%d/%m/%Y"), "time": at.strftime("%H:%M")},
            "gia_annullata",
        )
    before = snapshot(notice, WITHDRAWAL_FIELDS)
    now = timezone.now()
    notice.withdrawn_at = now
    notice.withdrawn_by = user
    notice.withdrawn_by_name = author_name(user)
    notice.withdrawal_reason = reason
    notice.save(update_fields=WITHDRAWAL_FIELDS)
    published = notice.publish_at <= now
    if not published:
        # The recipients' visibility is derived from the notice (whose history records the
        # withdrawal): a window that closes where it opens never shows.
        NoticeRecipient.objects.filter(notice=notice).update(visible_until=F("visible_from"))
    notice_withdrawn(notice.pk, published=published)
    change_record(
        instance=notice,
        action=ChangeAction.UPDATE,
        actor=user,
        before=before,
        after=snapshot(notice, WITHDRAWAL_FIELDS),
        institute_id=notice.institute_id,
        reason=reason,
    )
    return notice


# --- reminders ----------------------------------------------------------------------------


def reminder_create(*, user: User, notice_id: int, login_url: str) -> NoticeReminder:
    """Queue an e-mail to the recipients who have not done what the notice asks (the job is
    `tasks.send_notice_reminder`). Not twice within COMMS_REMINDER_INTERVAL_MINUTES."""
    notice = rules.followed_notice(user, notice_id)
    if notice is None:
        raise NotAllowed
    refuse_if_withdrawn(notice)
    if notice.publish_at > timezone.now():
        raise NoticeError(
            _("La comunicazione non è ancora pubblicata: il promemoria si invia dopo."),
            "non_pubblicata",
        )
    interval = datetime.timedelta(minutes=settings.COMMS_REMINDER_INTERVAL_MINUTES)
    with transaction.atomic():
        Notice.objects.select_for_update().filter(pk=notice.pk).first()
        last = NoticeReminder.objects.filter(notice=notice).order_by("-requested_at").first()
        if last is not None and timezone.now() - last.requested_at < interval:
            at = timezone.localtime(last.requested_at).strftime("%H:%M")
            raise NoticeError(
                _("Un promemoria è già stato inviato alle %(time)s: se ne può inviare un altro "
                  "dopo %(minutes)s minuti.")
                % {"time": at, "minutes": settings.COMMS_REMINDER_INTERVAL_MINUTES},
                "promemoria_recente",
            )  # fmt: skip
        reminder = NoticeReminder.objects.create(notice=notice, sent_by=user, login_url=login_url)
        change_record(
            instance=reminder,
            action=ChangeAction.CREATE,
            actor=user,
            institute_id=notice.institute_id,
            reason=_("Promemoria"),
        )
    return reminder


def reminder_send(reminder_id: int) -> NoticeReminder:
    """Send the reminder's e-mails, once (a second run sends nothing)."""
    from campanella.comms.notices.selectors import missing_recipients
    from campanella.people.mail import send_templated_mail

    with transaction.atomic():
        reminder = (
            NoticeReminder.objects.select_for_update()
            .select_related("notice__institute")
            .get(pk=reminder_id)
        )
        if reminder.finished_at is not None:
            return reminder
        reminder.finished_at = timezone.now()
        reminder.save(update_fields=["finished_at"])
    notice = reminder.notice
    sent = 0
    reminded: list[int] = []
    if Notice.objects.filter(pk=notice.pk, withdrawn_at__isnull=False).exists():
        return reminder  # withdrawn after the reminder was asked for: nothing to remind
    for recipient_id, name, address in missing_recipients(notice):
        if address:
            send_templated_mail(
                to=address,
                template="comms/notices/email/reminder",
                school=notice.institute.name,
                context={"notice": notice, "person_name": name, "login_url": reminder.login_url},
            )
            sent += 1
            reminded.append(recipient_id)
    NoticeRecipient.objects.filter(pk__in=reminded).update(reminded_at=timezone.now())
    NoticeReminder.objects.filter(pk=reminder.pk).update(messages_sent=sent)
    reminder.messages_sent = sent
    return reminder
