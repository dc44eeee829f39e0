"""Issuing credentials and letters: usernames families know, passwords shown once, hashed."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from campanella.lib.usernames import is_family_username, is_staff_username
from campanella.people.credentials import (
    IssuePlan,
    allocate_numbers,
    credential_batch_create,
    credential_batch_run,
    credential_batches_purge,
    temporary_password,
)
from campanella.people.models import AccessEvent, CredentialBatch, Guardian, Student, User
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def password_for(content: bytes, username: str) -> str:
    """The temporary password printed on `username`'s page of a letters PDF."""
    for page in PdfReader(io.BytesIO(content)).pages:
        lines = page.extract_text().splitlines()
        if username in lines:
            return lines[lines.index("PASSWORD TEMPORANEA") + 1]
    raise AssertionError(f"nessuna lettera per {username}")


def new_family(cast: Cast, *, two_parents: bool = True) -> Student:
    student = f.EnrollmentFactory(classroom=cast.classroom_2b).student
    f.GuardianshipFactory(student=student, relation="genitore1")
    if two_parents:
        f.GuardianshipFactory(student=student, relation="genitore2")
    return student


def issue_classroom(cast: Cast, **data: str) -> CredentialBatch:
    client = cast.client_for(cast.office)
    response = client.post(
        reverse("accounts:office_issue_classroom", args=[cast.classroom_2b.pk]), data
    )
    assert response.status_code == 302
    return CredentialBatch.objects.latest("pk")


def test_classroom_issue_creates_family_usernames_and_letters(cast: Cast) -> None:
    student = new_family(cast)
    batch = issue_classroom(cast)
    assert batch.status == "done"
    student.refresh_from_db()
    assert student.user is not None and is_family_username(student.user.username)
    digits = student.user.username[1:7]
    parents = {
        g.user.username[0]: g.user.username
        for g in Guardian.objects.filter(guardianships__student=student)
    }
    assert parents["G"][1:7] == digits and parents["X"][1:7] == digits
    assert all(is_family_username(name) for name in parents.values())
    for user in [student.user, *User.objects.filter(username__in=parents.values())]:
        assert user.must_change_password
    # Letters: students' and guardians' PDFs are separate, one page each.
    client = cast.client_for(cast.office)
    students_pdf = client.get(reverse("accounts:office_batch_pdf", args=[batch.pk, "alunni"]))
    guardians_pdf = client.get(reverse("accounts:office_batch_pdf", args=[batch.pk, "genitori"]))
    assert students_pdf["Content-Type"] == "application/pdf"
    assert students_pdf["Cache-Control"] == "no-store"
    text = pdf_text(students_pdf.content)
    assert student.user.username in text
    assert parents["G"] not in text
    guardians_text = pdf_text(guardians_pdf.content)
    assert parents["G"] in guardians_text and parents["X"] in guardians_text
    assert len(PdfReader(io.BytesIO(guardians_pdf.content)).pages) == batch.guardian_count


def test_the_letter_password_opens_the_account_and_must_be_changed(cast: Cast) -> None:
    student = new_family(cast, two_parents=False)
    batch = issue_classroom(cast)
    student.refresh_from_db()
    assert student.user is not None
    password = password_for(bytes(batch.students_pdf), student.user.username)
    client = cast.client_for(cast.outsider)
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": student.user.username.lower(), "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).url == reverse("accounts:password_change")


def test_issuing_again_creates_nothing_new(cast: Cast) -> None:
    new_family(cast)
    issue_classroom(cast)
    users = User.objects.count()
    second = issue_classroom(cast)
    assert User.objects.count() == users
    assert (second.student_count, second.guardian_count) == (0, 0)


def test_reissue_invalidates_the_old_password(cast: Cast) -> None:
    student = new_family(cast, two_parents=False)
    issue_classroom(cast)
    student.refresh_from_db()
    assert student.user is not None
    old_hash = student.user.password
    unconfirmed = cast.client_for(cast.office).post(
        reverse("accounts:office_issue_classroom", args=[cast.classroom_2b.pk]), {"reissue": "1"}
    )
    assert "Riemettere le credenziali" in unconfirmed.content.decode()
    student.user.refresh_from_db()
    assert student.user.password == old_hash  # nothing changed before confirming
    issue_classroom(cast, reissue="1", confirm="1")
    student.user.refresh_from_db()
    assert student.user.password != old_hash
    assert student.user.must_change_password


def test_passwords_are_random_hashed_and_events_recorded(cast: Cast, settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # type: ignore[attr-defined]
    student = new_family(cast, two_parents=False)
    batch = issue_classroom(cast)
    student.refresh_from_db()
    assert student.user is not None
    assert identify_hasher(student.user.password).algorithm == "argon2"
    assert AccessEvent.objects.filter(
        kind="credentials_issued", user=student.user, actor=cast.office
    ).exists()
    assert len({temporary_password() for _ in range(200)}) == 200
    assert batch.status == "done"


def test_numbers_are_never_reused() -> None:
    first = allocate_numbers("family", 3, floor=100000)
    second = allocate_numbers("family", 2, floor=100000)
    assert first == [100001, 100002, 100003]
    assert second == [100004, 100005]


def test_staff_credentials_need_the_institute_code(cast: Cast) -> None:
    staff = f.StaffFactory(institute=cast.institute)
    plan = IssuePlan(staff_ids=[staff.pk])
    batch = credential_batch_create(
        actor=cast.office,
        institute=cast.institute,
        plan=plan,
        description="x",
        login_url="http://x/",
    )
    with pytest.raises(ValueError, match="codice per i nomi utente"):
        credential_batch_run(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "codice" in batch.error
    cast.institute.username_code = "PROV0001"
    cast.institute.save()
    batch = credential_batch_create(
        actor=cast.office,
        institute=cast.institute,
        plan=plan,
        description="x",
        login_url="http://x/",
    )
    credential_batch_run(batch.pk)
    staff.refresh_from_db()
    assert staff.user is not None and is_staff_username(staff.user.username)
    assert staff.user.username.startswith("PROV0001.")


def test_letters_expire_and_are_purged(cast: Cast) -> None:
    new_family(cast)
    batch = issue_classroom(cast)
    client = cast.client_for(cast.office)
    url = reverse("accounts:office_batch_pdf", args=[batch.pk, "alunni"])
    assert client.get(url).status_code == 200
    CredentialBatch.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(url).status_code == 404
    assert credential_batches_purge() == 1
    batch.refresh_from_db()
    assert batch.students_pdf is None


@pytest.mark.parametrize("who", ["teacher", "principal", "guardian", "outsider", "foreign_office"])
def test_only_the_institute_office_issues_and_downloads(cast: Cast, who: str) -> None:
    new_family(cast)
    batch = issue_classroom(cast)
    client = cast.client_for(getattr(cast, who))
    issue_url = reverse("accounts:office_issue_classroom", args=[cast.classroom_2b.pk])
    assert client.post(issue_url).status_code == 404
    assert client.get(reverse("accounts:office_batch", args=[batch.pk])).status_code == 404
    pdf_url = reverse("accounts:office_batch_pdf", args=[batch.pk, "alunni"])
    assert client.get(pdf_url).status_code == 404
    assert CredentialBatch.objects.count() == 1
    if who == "foreign_office":
        # Another institute's office may issue, but only for its own institute.
        client.post(reverse("accounts:office_issue_new"))
        foreign = CredentialBatch.objects.latest("pk")
        assert foreign.institute != cast.institute and foreign.total == 0
    else:
        assert client.post(reverse("accounts:office_issue_new")).status_code == 404
        assert client.get(reverse("accounts:office_credentials")).status_code == 404


def test_issue_new_covers_students_and_staff_without_credentials(cast: Cast) -> None:
    cast.institute.username_code = "PROV0001"
    cast.institute.save()
    student = new_family(cast)
    staff = f.StaffFactory(institute=cast.institute)
    client = cast.client_for(cast.office)
    client.post(reverse("accounts:office_issue_new"), {"staff": "1"})
    batch = CredentialBatch.objects.latest("pk")
    assert batch.status == "done"
    student.refresh_from_db()
    staff.refresh_from_db()
    assert student.user is not None and staff.user is not None
    # The cast's own students without logins got theirs too; staff letters are separate.
    assert batch.staff_count == 1
    assert staff.user.username in pdf_text(bytes(batch.staff_pdf))


def test_office_resets_one_guardian(cast: Cast) -> None:
    old = cast.guardian.password
    client = cast.client_for(cast.office)
    url = reverse("accounts:office_reset_password", args=[cast.guardian.pk])
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    batch = CredentialBatch.objects.latest("pk")
    cast.guardian.refresh_from_db()
    assert cast.guardian.password != old and cast.guardian.must_change_password
    assert batch.guardian_count == 1 and batch.student_count == 0
    assert cast.guardian.username in pdf_text(bytes(batch.guardians_pdf))


def test_resetting_a_password_asks_for_confirmation_first(cast: Cast) -> None:
    """Neither opening the URL nor the first press resets: only the confirmed POST does."""
    old = cast.guardian.password
    client = cast.client_for(cast.office)
    url = reverse("accounts:office_reset_password", args=[cast.guardian.pk])
    batches = CredentialBatch.objects.count()

    assert client.get(url).status_code == 405
    asked = client.post(url)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Reimpostare la password di" in page and cast.guardian.username in page
    assert 'name="confirm" value="1"' in page
    cast.guardian.refresh_from_db()
    assert cast.guardian.password == old and CredentialBatch.objects.count() == batches

    done = client.post(url, {"confirm": "1"})
    assert done.status_code == 302
    cast.guardian.refresh_from_db()
    assert cast.guardian.password != old and CredentialBatch.objects.count() == batches + 1


@pytest.mark.parametrize("confirm", ["", "1"])
def test_another_institutes_office_cannot_reset_nor_see_the_confirmation(
    cast: Cast, confirm: str
) -> None:
    old = cast.guardian.password
    client = cast.client_for(cast.foreign_office)
    url = reverse("accounts:office_reset_password", args=[cast.guardian.pk])
    response = client.post(url, {"confirm": confirm} if confirm else {})
    assert response.status_code == 404
    assert cast.guardian.username not in response.content.decode()
    cast.guardian.refresh_from_db()
    assert cast.guardian.password == old
    assert not CredentialBatch.objects.filter(institute=cast.institute).exists()
