"""API of notices: list (paged), detail, read, confirmation, consent."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campanella.accounts.services import api_token_issue
from campanella.comms.notices.models import NoticeConsent, NoticeRecipient
from campanella.people.models import User
from tests.comms.routes import family_notice
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_list_is_paged_and_its_queries_do_not_grow(cast: Cast) -> None:
    client = api(cast.guardian)
    family_notice(cast)
    client.get("/api/v1/notices")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/notices")
    notices = [family_notice(cast) for _ in range(4)]
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/notices?limit=2&offset=1").json()
    assert len(few) == len(many)
    assert body["count"] == 5 and body["unread"] == 5 and body["limit"] == 2
    assert [item["id"] for item in body["items"]] == [notices[-2].pk, notices[-3].pk]
    assert client.get("/api/v1/notices?limit=1000").status_code == 422


def test_detail_read_confirm_and_consent(cast: Cast) -> None:
    notice = family_notice(cast)
    client = api(cast.guardian)
    detail = client.get(f"/api/v1/notices/{notice.pk}").json()
    assert detail["consent_student_ids"] == [cast.child.pk] and detail["read_at"] is None
    read = client.post(f"/api/v1/notices/{notice.pk}/read")
    assert read.status_code == 200 and read.json()["created"] is True
    assert client.post(f"/api/v1/notices/{notice.pk}/read").json()["created"] is False
    first = client.post(f"/api/v1/notices/{notice.pk}/confirmation")
    assert first.status_code == 201
    assert client.post(f"/api/v1/notices/{notice.pk}/confirmation").status_code == 200
    answer = client.post(
        f"/api/v1/notices/{notice.pk}/consent",
        {"agrees": False, "text": "No", "student_id": cast.child.pk},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["agrees"] is False
    assert NoticeConsent.objects.get().student == cast.child
    assert NoticeRecipient.objects.get(notice=notice).confirmed_at is not None


def test_errors_have_the_documented_body(cast: Cast) -> None:
    notice = family_notice(cast, requires_confirmation=False)
    client = api(cast.guardian)
    refused = client.post(f"/api/v1/notices/{notice.pk}/confirmation")
    assert refused.status_code == 409 and refused.json()["code"] == "conferma_non_richiesta"
    other = api(cast.other_guardian).get(f"/api/v1/notices/{notice.pk}")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    bad = client.post(
        f"/api/v1/notices/{notice.pk}/consent", {"agrees": "forse"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
