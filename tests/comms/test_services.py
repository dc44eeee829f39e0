"""Publication, recipients, read, confirmation, consent and their history."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campanella.audit.models import Change
from campanella.comms.notices import services
from campanella.comms.notices.models import (
    AudienceScope,
    NoticeConsent,
    NoticeRecipient,
    NoticeRecipientStudent,
    RecipientKind,
)
from campanella.comms.notices.selectors import tracking, unread_count
from campanella.comms.notices.services import audience_of, notice_publish
from tests.comms.support import draft, to_1a, trip
from tests.conftest import Cast, guardian_of

pytestmark = pytest.mark.django_db


def test_numbers_follow_per_school_year(cast: Cast) -> None:
    assert [trip(cast).number for _ in range(3)] == [1, 2, 3]


def test_a_guardian_is_one_recipient_with_each_child_of_the_audience(cast: Cast) -> None:
    # the sibling is in 2ª B: the whole institute's families reach the guardian once, with both
    notice = trip(cast, audience=audience_of(AudienceScope.INSTITUTE, ["famiglie"]))
    mine = NoticeRecipient.objects.get(notice=notice, user=cast.guardian)
    assert mine.kind == RecipientKind.FAMILY
    rooms = dict(mine.students.values_list("student_id", "classroom_id"))
    assert rooms == {cast.child.pk: cast.classroom_1a.pk, cast.sibling.pk: cast.classroom_2b.pk}
    assert NoticeRecipient.objects.filter(notice=notice, user=cast.guardian).count() == 1


def test_classroom_audience_reaches_only_that_classroom(cast: Cast) -> None:
    notice = to_1a(cast)
    users = set(NoticeRecipient.objects.filter(notice=notice).values_list("user_id", flat=True))
    assert cast.guardian.pk in users and cast.other_guardian.pk in users
    assert cast.child_user.pk in users and cast.adult_user.pk in users
    assert cast.teacher.pk not in users and cast.office.pk not in users
    # the guardian is reached through the child of 1ª A only (the sibling is in 2ª B)
    mine = NoticeRecipient.objects.get(notice=notice, user=cast.guardian)
    assert list(mine.students.values_list("student_id", flat=True)) == [cast.child.pk]
    assert notice.recipient_count == len(users)


def test_staff_audiences(cast: Cast) -> None:
    everyone = trip(cast, audience=audience_of(AudienceScope.INSTITUTE, ["personale"]))
    users = set(everyone.recipients.values_list("user_id", flat=True))
    assert {cast.office.pk, cast.principal.pk, cast.teacher.pk, cast.other_teacher.pk} <= users
    assert cast.guardian.pk not in users and cast.foreign_office.pk not in users
    teachers_1a = trip(
        cast,
        audience=audience_of(
            AudienceScope.CLASSROOMS, ["docenti"], classroom_ids=[cast.classroom_1a.pk]
        ),
    )
    users = set(teachers_1a.recipients.values_list("user_id", flat=True))
    assert users == {cast.teacher.pk, cast.coordinator.pk}


def test_unread_count_read_and_history(cast: Cast) -> None:
    notice = to_1a(cast)
    trip(cast, publish_at=timezone.now() + datetime.timedelta(days=1))  # not yet published
    assert unread_count(cast.guardian) == 1
    recipient = NoticeRecipient.objects.select_related("notice").get(
        notice=notice, user=cast.guardian
    )
    assert services.notice_read(user=cast.guardian, recipient=recipient)
    assert not services.notice_read(user=cast.guardian, recipient=recipient)
    assert unread_count(cast.guardian) == 0
    recipient.refresh_from_db()
    first = recipient.read_at
    assert first is not None
    assert Change.objects.filter(object_id=recipient.pk, reason="Lettura").count() == 1


def test_confirmation_is_kept_once(cast: Cast) -> None:
    notice = to_1a(cast)
    row, created = services.notice_confirm(user=cast.guardian, notice_id=notice.pk)
    assert created and row.confirmed_at is not None and row.read_at is not None
    again, created = services.notice_confirm(user=cast.guardian, notice_id=notice.pk)
    assert not created and again.confirmed_at == row.confirmed_at


def test_consent_per_child_changed_before_the_deadline_keeps_history(cast: Cast) -> None:
    notice = trip(cast)
    consent, created = services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
    )
    assert created and consent.agrees
    changed, created = services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=False, text="Ha la febbre",
        student_id=cast.child.pk,
    )  # fmt: skip
    assert not created and changed.pk == consent.pk and not changed.agrees
    history = Change.objects.filter(object_id=consent.pk, content_type__model="noticeconsent")
    assert history.count() == 2
    assert history.order_by("pk").last().before["agrees"] is True  # type: ignore[union-attr]
    lines = [line for group in tracking(notice) for line in group.lines]
    mine = next(line for line in lines if line.recipient.user_id == cast.guardian.pk)
    assert mine.status == "non_aderisce" and mine.student == cast.child


def test_tracking_groups_by_classroom(cast: Cast) -> None:
    notice = trip(
        cast, audience=audience_of(AudienceScope.INSTITUTE, ["famiglie"]), consent_per_child=True
    )
    groups = {g.title: g for g in tracking(notice)}
    assert set(groups) == {cast.classroom_1a.name, cast.classroom_2b.name}
    students_2b = [line.student for line in groups[cast.classroom_2b.name].lines]
    assert students_2b == [cast.sibling]
    # one answer per child: the sibling's line waits while the child's is answered
    services.notice_consent(
        user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
    )
    groups = {g.title: g for g in tracking(notice)}
    assert groups[cast.classroom_2b.name].lines[0].consent is None
    child_line = next(
        line for line in groups[cast.classroom_1a.name].lines if line.student == cast.child
    )
    assert child_line.status == "aderisce"
    assert NoticeRecipientStudent.objects.filter(notice=notice).count() >= 3


def test_own_consent_when_not_per_child(cast: Cast) -> None:
    notice = trip(cast, consent_per_child=False)
    consent, _ = services.notice_consent(user=cast.guardian, notice_id=notice.pk, agrees=True)
    assert consent.student_id is None
    with pytest.raises(services.NotAllowed):
        services.notice_consent(
            user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
        )


def test_draft_refusals(cast: Cast) -> None:
    now = timezone.now()
    cases = {
        "scadenza_non_valida": draft(cast, expires_at=now - datetime.timedelta(days=2)),
        "termine_mancante": draft(cast, consent_deadline=None),
        "termine_non_valido": draft(cast, consent_deadline=now - datetime.timedelta(hours=1)),
        "testo_mancante": draft(cast, title="  "),
    }
    for code, bad in cases.items():
        with pytest.raises(services.NoticeError) as refused:
            notice_publish(user=cast.office, draft=bad)
        assert refused.value.code == code
    assert not NoticeConsent.objects.exists()
    assert not NoticeRecipient.objects.exists()


def test_guardian_of_helper_sanity(cast: Cast) -> None:
    assert guardian_of(cast.child).user == cast.guardian
