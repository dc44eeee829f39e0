"""Bad input and outsiders refused clearly, and nothing written."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campanella.audit.models import Change
from campanella.comms.notices import rules, services
from campanella.comms.notices.models import (
    AudienceScope,
    Notice,
    NoticeAttachment,
    NoticeConsent,
    NoticeRecipient,
)
from campanella.comms.notices.services import audience_of, notice_publish
from tests.comms.routes import PDF, family_notice
from tests.comms.support import draft, trip
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def nothing_written() -> tuple[int, int, int, int]:
    return (
        Notice.objects.count(),
        NoticeRecipient.objects.count(),
        NoticeAttachment.objects.count(),
        Change.objects.count(),
    )


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_a_file_over_the_limit_is_refused(cast: Cast, settings: object) -> None:
    settings.COMMS_ATTACHMENT_MAX_BYTES = 2048  # type: ignore[attr-defined]
    before = nothing_written()
    big = SimpleUploadedFile("grande.pdf", PDF + b"0" * 4096, "application/pdf")
    with pytest.raises(services.NoticeError) as refused:
        notice_publish(user=cast.office, draft=draft(cast), files=[big])
    assert refused.value.code == "file_troppo_grande"
    assert "supera il limite di" in refused.value.message
    assert nothing_written() == before


def test_a_file_is_judged_by_its_content_not_its_name(cast: Cast) -> None:
    before = nothing_written()
    fake = SimpleUploadedFile("circolare.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    with pytest.raises(services.NoticeError) as refused:
        notice_publish(user=cast.office, draft=draft(cast), files=[fake])
    assert refused.value.code == "tipo_non_ammesso"
    assert "non è di un tipo ammesso" in refused.value.message
    assert nothing_written() == before
    # a real Word document named .bin is accepted, stored as .docx
    notice = notice_publish(
        user=cast.office, draft=draft(cast), files=[SimpleUploadedFile("modulo.bin", docx())]
    )
    assert NoticeAttachment.objects.get(notice=notice).name == "modulo.docx"


def test_a_type_the_school_does_not_allow_is_refused(cast: Cast, settings: object) -> None:
    settings.COMMS_ATTACHMENT_TYPES = ["pdf"]  # type: ignore[attr-defined]
    with pytest.raises(services.NoticeError) as refused:
        notice_publish(
            user=cast.office, draft=draft(cast), files=[SimpleUploadedFile("m.docx", docx())]
        )
    assert refused.value.code == "tipo_non_ammesso"


def test_the_page_shows_the_file_refusal_in_italian(cast: Cast, settings: object) -> None:
    settings.COMMS_ATTACHMENT_MAX_BYTES = 2048  # type: ignore[attr-defined]
    client = cast.client_for(cast.office)
    before = nothing_written()
    response = client.post(
        reverse("comms:notice_create"),
        {
            "tipo": "circolare", "oggetto": "Gita", "testo": "Testo", "ambito": "istituto",
            "ruolo": ["famiglie"],
            "allegati": [SimpleUploadedFile("g.pdf", PDF + b"0" * 4096, "application/pdf")],
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "supera il limite di" in response.content.decode()
    assert nothing_written() == before


def test_consent_after_the_deadline_is_refused(cast: Cast) -> None:
    notice = family_notice(cast)
    Notice.objects.filter(pk=notice.pk).update(
        consent_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    before = (NoticeConsent.objects.count(), Change.objects.count())
    with pytest.raises(services.NoticeError) as refused:
        services.notice_consent(
            user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
        )
    assert refused.value.code == "termine_scaduto"
    assert "Il termine per rispondere è scaduto il" in refused.value.message
    assert (NoticeConsent.objects.count(), Change.objects.count()) == before
    client = cast.client_for(cast.guardian)
    url = reverse("comms:notice_consent", args=[notice.pk])
    response = client.post(url, {"risposta": "si", "alunno": cast.child.pk}, follow=True)
    assert "Il termine per rispondere è scaduto il" in response.content.decode()
    assert NoticeConsent.objects.count() == before[0]
    api = cast.client_for(cast.guardian)
    from campanella.accounts.services import api_token_issue

    _token, raw = api_token_issue(user=cast.guardian)
    answer = api.post(
        f"/api/v1/notices/{notice.pk}/consent",
        {"agrees": True, "student_id": cast.child.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert answer.status_code == 409 and answer.json()["code"] == "termine_scaduto"


def test_a_teacher_may_not_address_another_classroom(cast: Cast) -> None:
    """2ª B's teacher, a valid notice to 1ª A: refused (404) and nothing written; to 2ª B it
    succeeds, proving the body valid."""
    client = cast.client_for(cast.other_teacher)
    body = {
        "tipo": "avviso", "oggetto": "Verifica", "testo": "Martedì.", "ambito": "classi",
        "ruolo": ["famiglie"], "classe": [cast.classroom_1a.pk],
    }  # fmt: skip
    before = nothing_written()
    assert client.post(reverse("comms:notice_create"), body).status_code == 404
    assert nothing_written() == before
    with pytest.raises(services.NotAllowed):
        trip_by(cast, cast.other_teacher, [cast.classroom_1a.pk])
    assert nothing_written() == before
    assert client.post(reverse("comms:notice_create"), {**body, "classe": [cast.classroom_2b.pk]})
    assert Notice.objects.filter(author=cast.other_teacher).count() == 1


def trip_by(cast: Cast, user: object, rooms: list[int]) -> Notice:
    audience = audience_of(AudienceScope.CLASSROOMS, ["famiglie"], classroom_ids=rooms)
    return notice_publish(user=user, draft=draft(cast, audience=audience))  # type: ignore[arg-type]


def test_a_teacher_may_not_address_the_institute_or_staff(cast: Cast) -> None:
    for audience in (
        audience_of(AudienceScope.INSTITUTE, ["famiglie"]),
        audience_of(AudienceScope.CLASSROOMS, ["personale"], classroom_ids=[cast.classroom_1a.pk]),
        audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.sibling.pk]),  # 2ª B's
    ):
        with pytest.raises(services.NotAllowed):
            notice_publish(user=cast.teacher, draft=draft(cast, audience=audience))
    assert not Notice.objects.exists()
    own = audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk])
    assert notice_publish(user=cast.teacher, draft=draft(cast, audience=own)).recipient_count == 1


def test_the_foreign_office_may_not_address_our_classrooms(cast: Cast) -> None:
    with pytest.raises(services.NotAllowed):
        trip_by(cast, cast.foreign_office, [cast.classroom_1a.pk])
    assert not Notice.objects.exists()


def test_a_guardian_not_addressed_gets_404(cast: Cast) -> None:
    notice = family_notice(cast)
    for user in (cast.other_guardian, cast.child_user, cast.teacher, cast.foreign_office):
        client = cast.client_for(user)
        assert client.get(reverse("comms:notice_detail", args=[notice.pk])).status_code == 404
        assert rules.notice_access(user, notice.pk) is None
    assert not NoticeRecipient.objects.filter(notice=notice, read_at__isnull=False).exists()


def test_a_notice_before_publication_or_after_expiry_is_not_shown(cast: Cast) -> None:
    later = family_notice(cast, publish_at=timezone.now() + datetime.timedelta(hours=2))
    client = cast.client_for(cast.guardian)
    assert client.get(reverse("comms:notice_detail", args=[later.pk])).status_code == 404
    gone = family_notice(cast)
    NoticeRecipient.objects.filter(notice=gone).update(
        visible_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(reverse("comms:notice_detail", args=[gone.pk])).status_code == 404


def test_a_guardian_may_not_consent_for_a_child_not_theirs(cast: Cast) -> None:
    notice = trip(cast)  # to all of 1ª A's families: the guardian is a recipient
    before = (NoticeConsent.objects.count(), Change.objects.count())
    with pytest.raises(services.NotAllowed):
        services.notice_consent(
            user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.other_child.pk
        )
    with pytest.raises(services.NotAllowed):  # nor for the sibling, not in 1ª A
        services.notice_consent(
            user=cast.guardian, notice_id=notice.pk, agrees=True, student_id=cast.sibling.pk
        )
    assert (NoticeConsent.objects.count(), Change.objects.count()) == before


def test_a_minor_student_reads_but_does_not_consent_per_child(cast: Cast) -> None:
    notice = trip(
        cast,
        audience=audience_of(
            AudienceScope.CLASSROOMS, ["studenti"], classroom_ids=[cast.classroom_1a.pk]
        ),
    )
    with pytest.raises(services.NotAllowed):
        services.notice_consent(
            user=cast.child_user, notice_id=notice.pk, agrees=True, student_id=cast.child.pk
        )
    consent, _ = services.notice_consent(
        user=cast.adult_user, notice_id=notice.pk, agrees=True, student_id=cast.adult_student.pk
    )
    assert consent.agrees


def test_confirmation_not_asked_is_refused(cast: Cast) -> None:
    notice = family_notice(cast, requires_confirmation=False)
    with pytest.raises(services.NoticeError) as refused:
        services.notice_confirm(user=cast.guardian, notice_id=notice.pk)
    assert refused.value.code == "conferma_non_richiesta"
