"""POST /api/v1/oneroster/imports and …/{batch_id}/apply: the office's token or a back-office
key with roster:write; a key without that scope, and another institute, are answered 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.interop.keys import api_key_create
from campanella.interop.models import ImportBatch, ImportStatus
from campanella.people.models import Enrollment, User
from tests.conftest import Cast
from tests.interop.oneroster_import.helpers import exported, pack, unpack

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/oneroster/imports"


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def token_of(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return bearer(raw)


def key_for(cast: Cast, institute_id: int, *scopes: str) -> Client:
    _key, raw = api_key_create(
        user=cast.office, institute_id=institute_id, name="Gestionale", scopes=scopes
    )
    return bearer(raw)


def bundle(cast: Cast) -> SimpleUploadedFile:
    """Our export where the child leaves 1A at the end of lessons: one change to apply."""
    files, headers = unpack(exported(cast))
    for row in files["enrollments.csv"]:
        if row["sourcedId"].endswith("-homeroom") and row["userSourcedId"] == (
            f"student-{cast.child.pk}"
        ):
            row["endDate"] = cast.classroom_1a.school_year.lessons_end.isoformat()
    return SimpleUploadedFile("oneroster.zip", pack(files, headers), "application/zip")


def test_a_roster_key_previews_then_applies(cast: Cast) -> None:
    client = key_for(cast, cast.institute.pk, "roster:write")
    response = client.post(IMPORTS, {"file": bundle(cast)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True and body["problems"] == []
    assert body["counts"]["updated"] == 1
    assert body["files"]["enrollments"]["updated"] == 1
    assert body["files"]["users"]["unchanged"] > 0
    batch = ImportBatch.objects.get(pk=body["batch_id"])
    assert batch.uploaded_by == cast.office  # the key's maker, named in the history

    applied = client.post(f"{IMPORTS}/{batch.pk}/apply")
    assert applied.status_code == 200, applied.content
    assert applied.json()["outcome"] == "applied"
    assert applied.json()["written"]["enrollments_closed"] == 1
    again = client.post(f"{IMPORTS}/{batch.pk}/apply")
    assert again.json()["outcome"] == "already_applied"
    exit_date = Enrollment.objects.get(student=cast.child).exit_date
    assert exit_date == cast.classroom_1a.school_year.lessons_end


def test_the_offices_token_and_a_bundle_with_problems(cast: Cast) -> None:
    client = token_of(cast.office)
    bad = SimpleUploadedFile("oneroster.zip", b"not a zip", "application/zip")
    body = client.post(IMPORTS, {"file": bad}).json()
    assert body["ok"] is False
    assert body["problems"][0]["message"].startswith("Il file non è un archivio .zip")
    refused = client.post(f"{IMPORTS}/{body['batch_id']}/apply")
    assert refused.status_code == 400
    assert refused.json()["code"] == "file_problems"
    assert ImportBatch.objects.get(pk=body["batch_id"]).status == ImportStatus.INVALID


def test_without_the_scope_or_from_another_institute_404_and_nothing_written(
    cast: Cast,
) -> None:
    results_only = key_for(cast, cast.institute.pk, "results:read")
    assert results_only.post(IMPORTS, {"file": bundle(cast)}).status_code == 404
    batch_id = token_of(cast.office).post(IMPORTS, {"file": bundle(cast)}).json()["batch_id"]
    foreign = cast.foreign_office.staff_profile.institute_id
    for outsider in (key_for(cast, foreign, "roster:write"), token_of(cast.foreign_office),
                     token_of(cast.teacher)):  # fmt: skip
        assert outsider.post(f"{IMPORTS}/{batch_id}/apply").status_code == 404
    assert ImportBatch.objects.get(pk=batch_id).status == ImportStatus.PENDING
    assert Enrollment.objects.get(student=cast.child).exit_date is None
