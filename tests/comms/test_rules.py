"""The rules of notices: who may address whom, who reads, who answers for whom, who follows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campanella.comms.notices import rules, services
from campanella.comms.notices.models import AudienceScope, NoticeConsent, NoticeRecipient
from campanella.comms.notices.services import audience_of
from campanella.school.selectors import current_school_year
from tests.comms.routes import family_notice
from tests.comms.support import draft, trip
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_who_may_address_what(cast: Cast) -> None:
    year = current_school_year(cast.institute)
    assert year is not None
    room_1a = audience_of(
        AudienceScope.CLASSROOMS, ["famiglie"], classroom_ids=[cast.classroom_1a.pk]
    )
    institute = audience_of(AudienceScope.INSTITUTE, ["famiglie", "personale"])
    child_family = audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk])
    expected = {
        cast.office: (True, True, True),
        cast.principal: (True, True, True),
        cast.teacher: (True, False, True),  # teaches maths in 1ª A
        cast.coordinator: (True, False, True),
        cast.other_teacher: (False, False, False),  # 2ª B only
        cast.guardian: (False, False, False),
        cast.child_user: (False, False, False),
        cast.foreign_office: (False, False, False),
        cast.outsider: (False, False, False),
    }
    for user, (classroom, whole, family) in expected.items():
        got = tuple(rules.may_address(user, a, year) for a in (room_1a, institute, child_family))
        assert got == (classroom, whole, family), user.username


def test_the_not_addressed_and_the_author(cast: Cast) -> None:
    notice = family_notice(cast)
    assert rules.notice_access(cast.guardian, notice.pk).recipient is not None  # type: ignore[union-attr]
    office = rules.notice_access(cast.office, notice.pk)
    assert office is not None and office.recipient is None and office.follows
    for user in (cast.other_guardian, cast.teacher, cast.principal, cast.foreign_office):
        access = rules.notice_access(user, notice.pk)
        # the principal follows every notice of the institute; the others see nothing
        assert (access is not None) == (user == cast.principal), user.username
    assert rules.may_follow(cast.office, notice) and not rules.may_follow(cast.teacher, notice)


def test_a_teacher_follows_only_their_own(cast: Cast) -> None:
    own = services.notice_publish(
        user=cast.teacher,
        draft=draft(
            cast, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk])
        ),
    )
    theirs = trip(cast)
    assert set(rules.followed_notices(cast.teacher)) == {own}
    assert set(rules.followed_notices(cast.office)) == {own, theirs}
    assert (
        cast.client_for(cast.teacher)
        .get(reverse("comms:notice_tracking", args=[theirs.pk]))
        .status_code
        == 404
    )


def test_who_answers_for_whom(cast: Cast) -> None:
    notice = trip(
        cast,
        audience=audience_of(
            AudienceScope.CLASSROOMS, ["famiglie", "studenti"], classroom_ids=[cast.classroom_1a.pk]
        ),
    )
    row = NoticeRecipient.objects.select_related("notice")
    guardian = row.get(notice=notice, user=cast.guardian)
    assert rules.may_consent_for(guardian, cast.child.pk)
    assert not rules.may_consent_for(guardian, cast.sibling.pk)  # in 2ª B: not through this
    assert not rules.may_consent_for(guardian, None)
    adult = row.get(notice=notice, user=cast.adult_user)
    assert rules.may_consent_for(adult, cast.adult_student.pk)
    minor = row.get(notice=notice, user=cast.child_user)
    assert not rules.may_consent_for(minor, cast.child.pk)


def test_a_consent_file_is_checked_like_an_attachment(cast: Cast) -> None:
    notice = family_notice(cast)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_consent(
            user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk,
            upload=SimpleUploadedFile("delega.pdf", b"<html>not a pdf</html>"),
        )  # fmt: skip
    assert refused.value.code == "tipo_non_ammesso"
    assert not NoticeConsent.objects.exists()


def test_staff_home_lists_unread_notices(cast: Cast) -> None:
    trip(
        cast,
        title="Collegio dei docenti",
        audience=audience_of(AudienceScope.INSTITUTE, ["docenti"]),
    )
    home = cast.client_for(cast.teacher).get(reverse("accounts:home")).content.decode()
    assert "Collegio dei docenti" in home and 'data-testid="home-notices"' in home
    other = cast.client_for(cast.guardian).get(reverse("accounts:home")).content.decode()
    assert "Collegio dei docenti" not in other
