"""Withdrawing a notice (annullare una circolare): once, with the reason, by whoever follows
it; recipients keep a published one marked as withdrawn and are told; one not yet published
never shows; a withdrawn notice asks nothing any more (confirmation, consent, reminders)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.comms.notices import services
from campanella.comms.notices.models import Notice, NoticeConsent, NoticeRecipient
from campanella.comms.notices.rules import received
from campanella.comms.notifications.models import Notification
from tests.comms.support import to_1a, trip
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def withdrawn(cast: Cast, notice: Notice, captured: Any, reason: str = "Data sbagliata") -> Notice:
    with captured(execute=True):
        return services.notice_withdraw(user=cast.office, notice_id=notice.pk, reason=reason)


def test_a_published_notice_stays_marked_and_its_recipients_are_told(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    notice = to_1a(cast)
    recipients = set(
        NoticeRecipient.objects.filter(notice=notice).values_list("user_id", flat=True)
    )
    done = withdrawn(cast, notice, django_capture_on_commit_callbacks, "  Orario cambiato  ")
    notice.refresh_from_db()
    assert notice.withdrawn_at == done.withdrawn_at is not None
    assert notice.withdrawn_by == cast.office
    assert notice.withdrawal_reason == "Orario cambiato"
    assert notice.withdrawn_by_name
    # Still in the recipients' list.
    assert received(cast.guardian).filter(notice=notice).exists()
    told = Notification.objects.filter(key=f"notice:{notice.pk}:withdrawn")
    assert set(told.values_list("user_id", flat=True)) == recipients
    row = told.get(user=cast.guardian)
    assert row.title == "Comunicazione annullata: Orario provvisorio"
    assert "Orario cambiato" in row.body
    history = Change.objects.get(object_id=notice.pk, reason="Orario cambiato")
    assert history.before["withdrawn_at"] is None and history.after["withdrawn_at"]


def test_it_asks_nothing_any_more(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    confirmable = to_1a(cast)
    with_consent = trip(cast)
    for notice in (confirmable, with_consent):
        withdrawn(cast, notice, django_capture_on_commit_callbacks)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_confirm(user=cast.guardian, notice_id=confirmable.pk)
    assert refused.value.code == "comunicazione_annullata"
    with pytest.raises(services.NoticeError) as refused:
        services.notice_consent(
            user=cast.guardian, notice_id=with_consent.pk, agrees=True, student_id=cast.child.pk
        )
    assert refused.value.code == "comunicazione_annullata"
    with pytest.raises(services.NoticeError) as refused:
        services.reminder_create(user=cast.office, notice_id=confirmable.pk, login_url="/")
    assert refused.value.code == "comunicazione_annullata"
    assert not NoticeRecipient.objects.filter(confirmed_at__isnull=False).exists()
    assert not NoticeConsent.objects.exists()


def test_a_reminder_asked_before_the_withdrawal_sends_nothing(
    cast: Cast, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    notice = to_1a(cast)
    reminder = services.reminder_create(user=cast.office, notice_id=notice.pk, login_url="/")
    withdrawn(cast, notice, django_capture_on_commit_callbacks)
    services.reminder_send(reminder.pk)
    assert mailoutbox == []
    assert not NoticeRecipient.objects.filter(reminded_at__isnull=False).exists()


def test_once_and_with_a_reason(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    notice = to_1a(cast)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_withdraw(user=cast.office, notice_id=notice.pk, reason="   ")
    assert refused.value.code == "motivo_mancante"
    with pytest.raises(services.NoticeError) as refused:
        services.notice_withdraw(user=cast.office, notice_id=notice.pk, reason="x" * 501)
    assert refused.value.code == "motivo_troppo_lungo"
    assert Notice.objects.get(pk=notice.pk).withdrawn_at is None
    first = withdrawn(cast, notice, django_capture_on_commit_callbacks)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_withdraw(user=cast.principal, notice_id=notice.pk, reason="Di nuovo")
    assert refused.value.code == "gia_annullata"
    again = Notice.objects.get(pk=notice.pk)
    assert (again.withdrawn_at, again.withdrawn_by_id) == (first.withdrawn_at, cast.office.pk)
    assert Notification.objects.filter(key__endswith=":withdrawn", user=cast.guardian).count() == 1


def test_not_yet_published_it_never_shows_and_its_pending_news_are_dropped(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    publish_at = timezone.now() + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        notice = trip(
            cast, publish_at=publish_at, consent_deadline=publish_at + datetime.timedelta(days=3)
        )
    pending = Notification.objects.filter(key=f"notice:{notice.pk}")
    assert pending.filter(user=cast.guardian).exists()  # waiting for the publication
    withdrawn(cast, notice, django_capture_on_commit_callbacks)
    assert not pending.exists()
    assert not Notification.objects.filter(key__endswith=":withdrawn").exists()
    later = publish_at + datetime.timedelta(hours=1)
    assert not received(cast.guardian, now=later).filter(notice=notice).exists()
    # The office still follows it.
    client = Client()
    client.force_login(cast.office)
    page = client.get(reverse("comms:notice_tracking", args=[notice.pk]))
    assert page.status_code == 200 and 'data-testid="withdrawn"' in page.content.decode()


def test_the_author_teacher_withdraws_their_own_and_the_office_anyones(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    from campanella.comms.notices.models import AudienceScope
    from campanella.comms.notices.services import NoticeDraft, audience_of, notice_publish

    to_families = audience_of(
        AudienceScope.CLASSROOMS, ["famiglie"], classroom_ids=[cast.classroom_1a.pk]
    )
    own = notice_publish(
        user=cast.teacher,
        draft=NoticeDraft(
            title="Verifica", body="Martedì.", publish_at=timezone.now(), audience=to_families
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_withdraw(user=cast.teacher, notice_id=own.pk, reason="Rinviata")
    offices = to_1a(cast)
    with pytest.raises(services.NotAllowed):
        services.notice_withdraw(user=cast.teacher, notice_id=offices.pk, reason="Rinviata")
    assert Notice.objects.get(pk=offices.pk).withdrawn_at is None
    assert Notice.objects.get(pk=own.pk).withdrawn_by_id == cast.teacher.pk


def test_pages_show_the_withdrawal_and_hide_the_answers(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    notice = to_1a(cast)
    office = Client()
    office.force_login(cast.office)
    tracking = reverse("comms:notice_tracking", args=[notice.pk])
    assert 'data-testid="withdraw"' in office.get(tracking).content.decode()
    empty = office.post(reverse("comms:notice_withdraw", args=[notice.pk]), {"motivo": ""})
    assert empty.status_code == 302
    assert "Indicare il motivo" in office.get(tracking).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = office.post(
            reverse("comms:notice_withdraw", args=[notice.pk]), {"motivo": "Orario cambiato"}
        )
    assert done.status_code == 302 and done["Location"] == tracking
    page = office.get(tracking).content.decode()
    assert "Comunicazione annullata." in page and 'data-testid="remind"' not in page
    family = Client()
    family.force_login(cast.guardian)
    detail = family.get(reverse("comms:notice_detail", args=[notice.pk])).content.decode()
    assert "Motivo: Orario cambiato" in detail
    assert 'data-testid="confirm"' not in detail
    listing = family.get(reverse("comms:notice_list")).content.decode()
    assert "annullata" in listing
    _token, raw = api_token_issue(user=cast.guardian)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = family.get(f"/api/v1/notices/{notice.pk}", **bearer).json()  # type: ignore[arg-type]
    assert body["withdrawal_reason"] == "Orario cambiato" and body["withdrawn_at"]
    refused = family.post(f"/api/v1/notices/{notice.pk}/confirmation", **bearer)  # type: ignore[arg-type]
    assert refused.json()["code"] == "comunicazione_annullata"
    assert not NoticeRecipient.objects.filter(confirmed_at__isnull=False).exists()
