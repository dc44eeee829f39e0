"""Reads of notices, scoped by `rules`: the unread count (one indexed query), a login's
notices, the ones it follows, and the tracking per classroom (a fixed number of queries)."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from campanella.comms.notices import rules
from campanella.comms.notices.models import (
    Notice,
    NoticeConsent,
    NoticeRecipient,
    NoticeRecipientStudent,
    RecipientKind,
)
from campanella.lib.spreadsheets import append_row
from campanella.orm.compiled import Compiled
from campanella.people.models import Guardian, Staff, Student, User


def unread_count(user: Any) -> int:
    """The header's count: one query on the partial index of unread rows."""
    return rules.received(user).filter(read_at__isnull=True).count()


def received_notices(
    user: Any, *, now: datetime.datetime | None = None
) -> QuerySet[NoticeRecipient]:
    """This login's notices, newest first, each with its notice (one query a page)."""
    return (
        rules.received(user, now=now)
        .select_related("notice")
        .order_by("-visible_from", "-notice_id")
    )


HOME_UNREAD = 5  # the unread notices the home lists

# Every home view of a login asks it: compiled once per process (campanella.orm.compiled).
_unread_for_home = Compiled(
    lambda user_id, now: received_notices(User(pk=user_id), now=now).filter(
        read_at__isnull=True
    )[:HOME_UNREAD],
    int, datetime.datetime,
)  # fmt: skip


def unread_for_home(user: Any) -> list[NoticeRecipient]:
    """The newest unread notices of this login the home lists."""
    if user is None or not user.is_authenticated:
        return []
    return list(_unread_for_home(int(user.pk), timezone.now()))


def followed_overview(user: Any) -> QuerySet[Notice]:
    """The notices this login follows, with how many recipients read and answered."""
    return (
        rules.followed_notices(user)
        .annotate(
            read_count=Count("recipients", filter=Q(recipients__read_at__isnull=False)),
            confirmed_count=Count("recipients", filter=Q(recipients__confirmed_at__isnull=False)),
        )
        .order_by("-publish_at", "-pk")
    )


def own_consents(recipient: NoticeRecipient) -> dict[int | None, NoticeConsent]:
    """The recipient's answers, by child (None: for themselves)."""
    return {c.student_id: c for c in NoticeConsent.objects.filter(recipient=recipient)}


# --- tracking --------------------------------------------------------------------------------

STATUS_LABELS = {
    "aderisce": _("aderisce"),
    "non_aderisce": _("non aderisce"),
    "confermata": _("lettura confermata"),
    "letta": _("letta"),
    "non_letta": _("non letta"),
}


@dataclass
class Line:
    """One answer expected: a recipient (for a child, or themselves)."""

    recipient: NoticeRecipient
    person: str
    student: Student | None
    consent: NoticeConsent | None

    @property
    def status(self) -> str:
        if self.consent is not None:
            return "aderisce" if self.consent.agrees else "non_aderisce"
        if self.recipient.confirmed_at is not None:
            return "confermata"
        return "letta" if self.recipient.read_at is not None else "non_letta"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def missing(self, notice: Notice) -> bool:
        if notice.asks_consent:
            return self.consent is None
        if notice.requires_confirmation:
            return self.recipient.confirmed_at is None
        return self.recipient.read_at is None


@dataclass
class Group:
    title: str
    lines: list[Line] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUS_LABELS}


def _names(recipients: list[NoticeRecipient]) -> dict[int, str]:
    """A display name per login: its guardian, staff or student record, else the username."""
    user_ids = [r.user_id for r in recipients]
    names: dict[int, str] = {}
    for user_id, surname, name in Student.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "surname", "name"
    ):
        names[user_id] = f"{surname} {name}"
    for user_id, surname, name in Staff.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "surname", "name"
    ):
        names[user_id] = f"{surname} {name}"
    for user_id, surname, name in Guardian.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "surname", "name"
    ):
        names[user_id] = f"{surname} {name}"
    return names


def tracking(notice: Notice) -> list[Group]:
    """Per classroom (then the staff), who has read, confirmed, agreed or not answered."""
    recipients = list(
        NoticeRecipient.objects.filter(notice=notice).select_related("user").order_by("pk")
    )
    names = _names(recipients)
    by_id = {r.pk: r for r in recipients}
    consents = {
        (c.recipient_id, c.student_id): c for c in NoticeConsent.objects.filter(notice=notice)
    }
    through = (
        NoticeRecipientStudent.objects.filter(notice=notice)
        .select_related("student", "classroom")
        .order_by("classroom__year", "classroom__section", "student__surname", "student__name")
    )
    groups: dict[int, Group] = {}
    for row in through:
        group = groups.setdefault(row.classroom_id, Group(row.classroom.name))
        recipient = by_id[row.recipient_id]
        consent = consents.get((recipient.pk, row.student_id if notice.consent_per_child else None))
        person = names.get(recipient.user_id, recipient.user.get_username())
        group.lines.append(Line(recipient, person, row.student, consent))
    ordered = list(groups.values())
    staff = Group(str(_("Personale")))
    for recipient in recipients:
        if recipient.kind == RecipientKind.STAFF:
            person = names.get(recipient.user_id, recipient.user.get_username())
            staff.lines.append(Line(recipient, person, None, consents.get((recipient.pk, None))))
    if staff.lines:
        staff.lines.sort(key=lambda line: line.person)
        ordered.append(staff)
    return ordered


def missing_recipients(notice: Notice) -> list[tuple[int, str, str]]:
    """(recipient id, name, e-mail) of each login that has not done what the notice asks."""
    missing: dict[int, NoticeRecipient] = {}
    for group in tracking(notice):
        for line in group.lines:
            if line.missing(notice):
                missing[line.recipient.pk] = line.recipient
    user_ids = [r.user_id for r in missing.values()]
    guardian_mail = dict(
        Guardian.objects.filter(user_id__in=user_ids)
        .exclude(email="")
        .values_list("user_id", "email")
    )
    staff_mail = dict(
        Staff.objects.filter(user_id__in=user_ids).exclude(email="").values_list("user_id", "email")
    )
    names = _names(list(missing.values()))
    found = []
    for recipient in missing.values():
        user = recipient.user
        address = (
            guardian_mail.get(user.pk) or staff_mail.get(user.pk) or user.login_email or user.email
        )
        found.append((recipient.pk, names.get(user.pk, user.get_username()), address or ""))
    return found


def tracking_xlsx(notice: Notice) -> bytes:
    """The tracking as a spreadsheet: one row per expected answer, texts kept inert."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Situazione"
    append_row(sheet, [f"{notice.label} – {notice.title}"])
    append_row(
        sheet,
        [
            _("Classe"), _("Alunno"), _("Destinatario"), _("Stato"), _("Letta il"),
            _("Confermata il"), _("Adesione"), _("Note"), _("Risposta del"),
        ],
    )  # fmt: skip
    for group in tracking(notice):
        for line in group.lines:
            consent = line.consent
            append_row(
                sheet,
                [
                    group.title,
                    line.student.full_name if line.student else "",
                    line.person,
                    line.status_label,
                    local(line.recipient.read_at),
                    local(line.recipient.confirmed_at),
                    "" if consent is None else (_("sì") if consent.agrees else _("no")),
                    consent.text if consent else "",
                    local(consent.answered_at) if consent else "",
                ],
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def local(moment: Any) -> str:
    return "" if moment is None else timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def consent_students_by_recipient(recipient: NoticeRecipient) -> list[Student] | None:
    return rules.consent_students(recipient)


def counts_by_status(groups: list[Group]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for group in groups:
        for status, n in group.counts().items():
            total[status] += n
    return dict(total)
